"""The turn-taking script: who says what when, in 10 ms frames, from the seed and the phrase bank.
``TurnTaking`` holds the timing parameters; ``_Script`` places one conversation's phrases, tokens
and cut pieces (``_Placed``) and records the deliberate events and floor transfers (``KINDS``);
``_plan`` / ``plan_script`` pick the two speakers of a seed and run the script; ``placed_voices``
lays the placed clean voices out as audio.

Phrases of two read-speech speakers (LibriSpeech) are placed on two tracks by a turn-taking
script whose timing follows the published norms (Stivers et al. 2009; Heldner & Edlund 2010;
the CANDOR corpus): ordinary floor transfers with a clipped-normal offset (FTO; mean +0.2 s, sd
0.5 s), within-turn pauses, and deliberate backchannels, successful and unsuccessful interruptions
and simultaneous starts (METRICS.md 4). Over all floor transfers, interruptions included, the FTO
mean is about +0.1 s, the median about +0.15 s and about 40 % overlap.

The turn-taking script depends only on the seed, the bank, ``duration_s`` and ``turn_taking``
(not on the channel model): sweeping ``bleed_db``, ``noise_dbfs``, ``channels`` or ``rate_hz`` with one
seed gives the same conversation through different headsets; ``plan_script`` gives it without audio.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from benchmarks.simulate.bank import Item, PhraseBank, truncate
from benchmarks.simulate.common import FRAME, FRAME_S, MIN_PAUSE_FRAMES, RATE, _frames, _streams


@dataclass(frozen=True)
class TurnTaking:
    """Turn-taking parameters; defaults from Stivers et al. 2009, Heldner & Edlund 2010, CANDOR.

    Times are audible speech (a phrase's first / last audible frame), in seconds. Per turn the
    speaker says ``phrases_per_turn`` phrases separated by lognormal pauses; the floor then passes
    with a floor-transfer offset (FTO) drawn from a clipped normal (mean +0.2 s, 34 % negative =
    overlapping; the current phrase is never cut by an ordinary overlap), or by a successful
    interruption (FTO -0.4 to -0.9 s) or a simultaneous start; over all transfers the mean is about
    +0.1 s with about 40 % overlapping. Backchannels and unsuccessful interruptions by the listener
    are placed inside the turn's phrases. An event that finds no room in its turn is carried over to
    the next. ``each_event_by`` forces each deliberate kind (backchannel, unsuccessful interruption,
    successful interruption, simultaneous start) at the first chance after that fraction of the
    session if it has not happened by then (None: chance alone); in 3-minute sessions this raises
    the realised per-turn rates of the rare kinds to about 0.11 (successful), 0.10 (unsuccessful)
    and 0.07 (simultaneous).
    """

    fto_mean_s: float = 0.20
    fto_sd_s: float = 0.5
    fto_min_s: float = -0.8
    fto_max_s: float = 2.0
    phrases_per_turn: tuple[int, int] = (1, 4)
    pause_median_s: float = 0.5
    pause_sigma: float = 0.5          # of ln(pause)
    pause_min_s: float = 0.25
    pause_max_s: float = 2.5
    start_s: tuple[float, float] = (0.3, 1.0)
    p_backchannel: float = 0.5
    backchannel_after_onset_s: float = 0.4
    backchannel_before_end_s: float = 0.3
    p_successful_interruption: float = 0.08
    interrupt_lead_s: tuple[float, float] = (0.8, 1.6)      # interrupter starts this long before the phrase would end
    interrupt_cut_after_s: tuple[float, float] = (0.4, 0.9)  # interrupted phrase cut this long after the onset
    p_unsuccessful_interruption: float = 0.06
    attempt_s: tuple[float, float] = (1.3, 2.5)
    attempt_host_min_s: float = 3.5
    attempt_after_onset_s: float = 0.5
    attempt_before_end_s: float = 0.4
    p_simultaneous_start: float = 0.05
    simultaneous_gap_s: tuple[float, float] = (0.3, 1.2)    # silence before the simultaneous start
    simultaneous_within_s: float = 0.12
    yield_after_s: tuple[float, float] = (0.3, 0.6)
    listener_margin_s: float = 0.25   # a speaker's own placed pieces stay this far apart (> min_pause)
    each_event_by: tuple[float, float, float, float] | None = (0.15, 0.3, 0.45, 0.6)


KINDS = ("backchannel", "unsuccessful", "successful", "simultaneous")


@dataclass
class _Placed:
    speaker: int
    item: Item
    start: int                        # frame of the item's first sample
    role: str
    cut: int | None = None            # absolute frame where it was cut

    @property
    def end(self) -> int:
        return self.start + self.item.frames

    @property
    def on(self) -> int:
        return self.start + self.item.onset

    @property
    def off(self) -> int:
        return self.start + self.item.offset

    def segments(self) -> np.ndarray:
        return self.item.segments + self.start

    def cut_at(self, frame: int) -> None:
        cut = truncate(self.item, frame - self.start, f"[:{(frame - self.start) * FRAME_S:.2f}s]")
        if cut is None:
            raise RuntimeError("cut left nothing audible")
        self.item, self.cut = cut, frame


class _Script:
    """Builds the placements of one conversation (frames of 10 ms)."""

    def __init__(self, rng: np.random.Generator, phrases, tokens, n_frames: int, tt: TurnTaking):
        self.rng, self.tt = rng, tt
        self.phrases, self.tokens = phrases, tokens
        self.n = n_frames
        self.limit = n_frames - _frames(0.3)
        self.margin = _frames(tt.listener_margin_s)
        self.order = [rng.permutation(len(p)).tolist() for p in phrases]
        self.ptr = [0, 0]
        self.placed: list[list[_Placed]] = [[], []]
        self.events: list[dict] = []
        self.transitions: list[dict] = []
        self.counts = {k: 0 for k in KINDS}
        self.attempts = [self._attempt_pieces(k) for k in (0, 1)]

    # -- helpers
    def u(self, lo_hi) -> float:
        return float(self.rng.uniform(*lo_hi))

    def _attempt_pieces(self, k: int) -> list[Item]:
        """Unsuccessful-interruption attempts: phrase openings cut at a dip, one audible run of 1.3-2.5 s."""
        lo, hi = (_frames(t) for t in self.tt.attempt_s)
        mid = (lo + hi) // 2
        out = []
        for it in self.phrases[k]:
            s0, e0 = it.segments[0].tolist()
            ends = [int(d) for d in it.dips if s0 + lo <= d <= min(e0, s0 + hi)]
            if lo <= e0 - s0 <= hi:
                ends.append(e0)
            if not ends:
                continue
            piece = truncate(it, min(ends, key=lambda d: abs(d - s0 - mid)), "[attempt]")
            if piece is not None and len(piece.segments) == 1 and piece.first_len >= lo - 10:
                out.append(piece)
        return out

    def fits(self, item: Item, on: int) -> bool:
        start = on - item.onset
        return start >= 0 and start + item.frames <= self.n and start + item.offset <= self.limit

    def free(self, k: int, start: int, end: int) -> bool:
        m = self.margin
        return all(p.end + m <= start or p.start >= end + m for p in self.placed[k])

    def free_item(self, k: int, item: Item, on: int) -> bool:
        return self.free(k, on - item.onset, on - item.onset + item.frames)

    def pick(self, k: int, ok) -> Item | None:
        """The next phrase of speaker ``k`` (rotating through a seeded order) that satisfies ``ok``."""
        order = self.order[k]
        for j in range(len(order)):
            it = self.phrases[k][order[(self.ptr[k] + j) % len(order)]]
            if ok(it):
                self.ptr[k] = (self.ptr[k] + j + 1) % len(order)
                return it
        return None

    def place(self, k: int, item: Item, on: int, role: str) -> _Placed:
        p = _Placed(k, item, on - item.onset, role)
        self.placed[k].append(p)
        return p

    def last_end(self, k: int) -> int:
        return max((p.end for p in self.placed[k]), default=-10 ** 6)

    # -- the conversation
    def run(self) -> None:
        tt, rng = self.tt, self.rng
        cur = int(rng.integers(2))
        first: _Placed | None = None
        on = _frames(self.u(tt.start_s))
        pending: set[str] = set()
        p_succ, p_sim = tt.p_successful_interruption, tt.p_simultaneous_start
        while True:
            now = first.on if first is not None else on
            n_ph = int(rng.integers(tt.phrases_per_turn[0], tt.phrases_per_turn[1] + 1))
            u_bc, u_att, u_tr = rng.random(3)
            if u_bc < tt.p_backchannel:
                pending.add("backchannel")
            if u_att < tt.p_unsuccessful_interruption:
                pending.add("unsuccessful")
            if u_tr < p_succ:
                pending.add("successful")
            elif u_tr < p_succ + p_sim:
                pending.add("simultaneous")
            if tt.each_event_by is not None:
                for kind, frac in zip(KINDS, tt.each_event_by):
                    if self.counts[kind] == 0 and now >= frac * self.n:
                        pending.add(kind)
            transition = next((k for k in ("successful", "simultaneous") if k in pending), "normal")
            host = int(rng.integers(n_ph)) if "unsuccessful" in pending else -1
            pauses = np.clip(tt.pause_median_s * np.exp(tt.pause_sigma * rng.standard_normal(n_ph)),
                             tt.pause_min_s, tt.pause_max_s)
            turn: list[_Placed] = [first] if first is not None else []
            while len(turn) < n_ph:
                i = len(turn)
                base = turn[-1].off + _frames(pauses[i]) if turn else on
                floor = turn[-1].end + MIN_PAUSE_FRAMES + 2 if turn else 0

                def when(it, base=base, floor=floor):
                    return max(base, floor + it.onset)

                def ok(it, i=i, when=when, host=host, n_ph=n_ph, transition=transition):
                    if not self.fits(it, when(it)):
                        return False
                    if i == host and (it.frames < _frames(tt.attempt_host_min_s) or it.longest < _frames(2.2)):
                        return False
                    if i == n_ph - 1 and transition == "successful" and it.last_len < _frames(1.1):
                        return False
                    return True

                item = self.pick(cur, ok) or self.pick(cur, lambda it, when=when: self.fits(it, when(it)))
                if item is None:
                    break
                turn.append(self.place(cur, item, when(item), "turn"))
            if not turn:
                break
            nxt = self.transition(turn, cur, transition, pending)
            if "backchannel" in pending and self.backchannel(turn, 1 - cur):
                pending.discard("backchannel")
            if "unsuccessful" in pending and self.attempt(turn, 1 - cur):
                pending.discard("unsuccessful")
            if nxt is None:
                break
            first, cur = nxt

    def transition(self, turn: list[_Placed], x: int, kind: str, pending: set[str]):
        """Pass the floor from ``x`` after its ``turn``; return (first phrase of the next turn, its speaker)."""
        tt, rng = self.tt, self.rng
        y = 1 - x
        last = turn[-1]
        e, s_last = last.off, int(last.segments()[-1, 0])
        seglen = e - s_last
        y_free = self.last_end(y) + self.margin
        if kind == "successful":
            max_lead = min(_frames(tt.interrupt_lead_s[1]), seglen - _frames(0.3))
            if max_lead >= _frames(tt.interrupt_lead_s[0]):
                lead = _frames(self.u((tt.interrupt_lead_s[0], max_lead * FRAME_S)))
                lo, hi = tt.interrupt_cut_after_s
                c = _frames(self.u((lo, min(hi, (lead - 10) * FRAME_S))))
                y_on = e - lead
                cut = y_on + c
                item = self.pick(y, lambda it: self.fits(it, y_on) and it.first_len >= c + _frames(0.3)
                                 and y_on - it.onset >= y_free)
                if item is not None:
                    last.cut_at(cut)
                    p = self.place(y, item, y_on, "interrupter")
                    self.events.append(dict(kind="interruption", outcome="successful", start_s=y_on * FRAME_S,
                                            end_s=cut * FRAME_S, speaker=y, other=x))
                    self.transitions.append(dict(kind="transition", type="successful_interruption",
                                                 start_s=y_on * FRAME_S, speaker=y, other=x,
                                                 fto_s=round((y_on - cut) * FRAME_S, 2)))
                    self.counts["successful"] += 1
                    pending.discard("successful")
                    return p, y
            kind = "normal"
        if kind == "simultaneous":
            first_on = e + _frames(self.u(tt.simultaneous_gap_s))
            d = _frames(self.u((0.0, tt.simultaneous_within_s)))
            starter = int(rng.integers(2))            # 0: x starts first, 1: y starts first
            yielder = int(rng.integers(2))            # channel that gives way (either)
            ons = {x: first_on + (d if starter == 1 else 0), y: first_on + (d if starter == 0 else 0)}
            after = _frames(self.u(tt.yield_after_s))
            cut = ons[yielder] + after
            winner = 1 - yielder
            earliest = {x: last.end + MIN_PAUSE_FRAMES + 2, y: y_free}
            it_y = self.pick(yielder, lambda it: self.fits(it, ons[yielder]) and it.first_len >= after + 5
                             and ons[yielder] - it.onset >= earliest[yielder])
            it_w = self.pick(winner, lambda it: self.fits(it, ons[winner])
                             and it.first_len >= cut - ons[winner] + _frames(0.3)
                             and ons[winner] - it.onset >= earliest[winner]) if it_y is not None else None
            if it_y is not None and it_w is not None:
                py = self.place(yielder, it_y, ons[yielder], "yielder")
                py.cut_at(cut)
                pw = self.place(winner, it_w, ons[winner], "turn")
                later = 1 if ons[0] == ons[1] else max((0, 1), key=lambda k: ons[k])
                self.events.append(dict(kind="simultaneous_start", start_s=ons[later] * FRAME_S,
                                        end_s=cut * FRAME_S, speaker=later, other=1 - later, yielder=yielder))
                if winner == y:
                    self.transitions.append(dict(kind="transition", type="simultaneous_start",
                                                 start_s=ons[y] * FRAME_S, speaker=y, other=x,
                                                 fto_s=round((ons[y] - e) * FRAME_S, 2)))
                self.counts["simultaneous"] += 1
                pending.discard("simultaneous")
                return pw, winner
        fto = _frames(float(np.clip(rng.normal(tt.fto_mean_s, tt.fto_sd_s), tt.fto_min_s, tt.fto_max_s)))
        if fto < 0:
            fto = max(fto, -(seglen - _frames(0.3)), -seglen // 2)
        y_on = e + fto

        def ok(it, y_on=y_on, need=_frames(0.2) + max(0, -fto)):
            return self.fits(it, max(y_on, y_free + it.onset)) and it.first_len >= need

        item = self.pick(y, ok) or self.pick(y, lambda it: self.fits(it, max(y_on, y_free + it.onset)))
        if item is None:
            return None
        y_on = max(y_on, y_free + item.onset)
        p = self.place(y, item, y_on, "turn")
        self.transitions.append(dict(kind="transition", type="normal", start_s=y_on * FRAME_S, speaker=y,
                                     other=x, fto_s=round((y_on - e) * FRAME_S, 2)))
        return p, y

    def _hosts(self, turn: list[_Placed], need: int, min_phrase: int = 0) -> list[tuple[int, int]]:
        return [(int(s), int(e)) for p in turn if p.off - p.on >= min_phrase
                for s, e in p.segments().tolist() if e - s >= need]

    def backchannel(self, turn: list[_Placed], y: int) -> bool:
        tt, rng = self.tt, self.rng
        if not self.tokens[y]:
            return False
        a, b = _frames(tt.backchannel_after_onset_s), _frames(tt.backchannel_before_end_s)
        for _ in range(6):
            tok = self.tokens[y][int(rng.integers(len(self.tokens[y])))]
            d = tok.first_len
            hosts = self._hosts(turn, a + d + b)
            if not hosts:
                continue
            s, e = hosts[int(rng.integers(len(hosts)))]
            on = int(rng.integers(s + a, e - b - d + 1))
            if self.fits(tok, on) and self.free_item(y, tok, on):
                self.place(y, tok, on, "backchannel")
                self.events.append(dict(kind="backchannel", start_s=on * FRAME_S, end_s=(on + d) * FRAME_S,
                                        speaker=y, other=1 - y))
                self.counts["backchannel"] += 1
                return True
        return False

    def attempt(self, turn: list[_Placed], y: int) -> bool:
        tt, rng = self.tt, self.rng
        if not self.attempts[y]:
            return False
        a, b = _frames(tt.attempt_after_onset_s), _frames(tt.attempt_before_end_s)
        for _ in range(6):
            piece = self.attempts[y][int(rng.integers(len(self.attempts[y])))]
            d = piece.first_len
            hosts = self._hosts(turn, a + d + b, _frames(tt.attempt_host_min_s))
            if not hosts:
                continue
            s, e = hosts[int(rng.integers(len(hosts)))]
            on = int(rng.integers(s + a, e - b - d + 1))
            if self.fits(piece, on) and self.free_item(y, piece, on):
                self.place(y, piece, on, "attempt")
                self.events.append(dict(kind="interruption", outcome="unsuccessful", start_s=on * FRAME_S,
                                        end_s=(on + d) * FRAME_S, speaker=y, other=1 - y))
                self.counts["unsuccessful"] += 1
                return True
        return False

    def records(self) -> list[dict]:
        """The script: every placement and every deliberate event / floor transfer, in time order."""
        out = []
        for k in (0, 1):
            for p in self.placed[k]:
                segs = p.segments()
                out.append(dict(kind="phrase", role=p.role, speaker=k, start_s=round(p.on * FRAME_S, 2),
                                end_s=round(p.off * FRAME_S, 2), item_start_s=round(p.start * FRAME_S, 2),
                                item_end_s=round(p.end * FRAME_S, 2),
                                segments=[[round(s * FRAME_S, 2), round(e * FRAME_S, 2)] for s, e in segs.tolist()],
                                cut_s=None if p.cut is None else round(p.cut * FRAME_S, 2), source=p.item.source))
        for ev in self.events + self.transitions:
            out.append({**ev, "start_s": round(ev["start_s"], 2),
                        **({"end_s": round(ev["end_s"], 2)} if "end_s" in ev else {})})
        order = {"phrase": 0, "transition": 1}
        out.sort(key=lambda r: (r["start_s"], order.get(r["kind"], 2), r["speaker"]))
        return out


def _plan(bank: PhraseBank, seed: int, duration_s: float, turn_taking: TurnTaking) -> tuple[tuple[str, str], _Script]:
    if duration_s < 5:
        raise ValueError("duration_s must be at least 5 s")
    rng = _streams(seed)[0]
    eligible = sorted(s for s in bank.speakers if len(bank.phrase_items(s)) >= 3 and bank.token_items(s))
    if len(eligible) < 2:
        raise ValueError("the bank needs two speakers with at least 3 phrases and a token each")
    pick = rng.choice(len(eligible), 2, replace=False)
    speakers = (eligible[int(pick[0])], eligible[int(pick[1])])
    script = _Script(rng, [bank.phrase_items(s) for s in speakers], [bank.token_items(s) for s in speakers],
                     int(round(duration_s * RATE)) // FRAME, turn_taking)
    script.run()
    return speakers, script


def placed_voices(script: _Script, n16: int) -> np.ndarray:
    """The two speakers' clean voices as placed by ``script``: (2, n16) float64 at 16 kHz."""
    own = np.zeros((2, n16))
    for k in (0, 1):
        for p in script.placed[k]:
            a = p.start * FRAME
            own[k, a:a + len(p.item.audio)] += p.item.audio[:max(0, n16 - a)]
    return own


def plan_script(bank: PhraseBank, seed: int, duration_s: float = 180.0,
                turn_taking: TurnTaking = TurnTaking()) -> tuple[tuple[str, str], list[dict]]:
    """The speakers and script that ``simulate`` would use, without making any audio (fast)."""
    speakers, script = _plan(bank, seed, duration_s, turn_taking)
    return speakers, script.records()

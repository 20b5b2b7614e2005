"""The running session as the live display sees it, and the event log as it settles.

Pure: reads an ``Engine`` after each block and produces an immutable ``Snapshot``
(seconds, ready to draw) and the events that just became final. Live capture and
replay both use it; the plot and the console status line only read snapshots.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

from talkbalance.core.engine import Engine
from talkbalance.core.events import derive, floor_turns, pending_overlaps, settled_frame
from talkbalance.core.spurts import overlapping
from talkbalance.core.types import Event, Spurt
from talkbalance.core.units import to_frames

WINDOW_S = 60.0          # seconds of timeline shown
CUE_HOLD_S = 5.0         # an interruption cue stays up this long
MONOLOGUE_CHECK_S = 0.25 # the trainee's running turn is measured this often


@dataclass(frozen=True)
class Mark:
    """An event drawn on the timeline: an interruption (who → whom) or a backchannel."""

    kind: str
    speaker: int
    other: int | None
    start_s: float
    outcome: str        # "" while an interruption's outcome is still open


@dataclass(frozen=True)
class Snapshot:
    """Everything the live display shows at one moment; times in seconds of session audio."""

    names: tuple[str, ...]                           # one per speaker, in channel order
    roles: tuple[str, ...]
    now_s: float
    window_s: float
    spurts: tuple[tuple[int, float, float], ...]     # (speaker, start_s, end_s) inside the window
    overlaps: tuple[tuple[float, float], ...]        # (start_s, end_s) where two or more talk
    marks: tuple[Mark, ...]
    talk_s: tuple[float, ...]
    share: tuple[float, ...] | None                  # None until someone has talked
    share_band: tuple[float, float] | None           # the trainee's target band, when roles are set
    trainee: int | None
    interruptions: tuple[int, ...]                   # made by each speaker
    backchannels: tuple[int, ...]                    # made by each speaker
    silence_s: float                                 # running silence (0 while anyone talks)
    last_speaker: int | None                         # who spoke last (the silence is after them)
    last_latency_s: float | None                     # the last gap before a response
    last_responder: int | None
    cues: tuple[str, ...]                            # alerts for the trainee, e.g. an interruption
    dropped_blocks: int


class LiveView:
    """Follows an engine: settled events for the log, snapshots for the display."""

    def __init__(self, engine: Engine, window_s: float = WINDOW_S):
        self.engine = engine
        self.window_s = window_s
        cfg = engine.cfg
        self.names = tuple(cfg.speakers.names)
        self.roles = tuple(cfg.speakers.roles)
        self.trainee = self.roles.index("trainee") if "trainee" in self.roles else None
        self.band = (cfg.coaching.talk_share_min, cfg.coaching.talk_share_max) if self.trainee is not None else None
        self.frame_s = engine.frame_s
        self._monologue = to_frames(cfg.coaching.monologue_alert_s, self.frame_s)
        self._cue_hold = to_frames(CUE_HOLD_S, self.frame_s)
        self._check_every = to_frames(MONOLOGUE_CHECK_S, self.frame_s)
        self._checked_at = -self._check_every
        self._monologue_cue = ""
        self._n_final = 0
        self._talk = [0] * len(self.names)       # frames of final spurts per speaker
        self._until = 0                          # events starting before this frame are settled (logged)
        self._settled: list[Event] = []          # the settled events, in order (what events.csv holds)
        self._settled_marks: list[Event] = []    # settled interruptions and backchannels
        self._settled_made = {kind: [0] * len(self.names) for kind in ("interruption", "backchannel")}
        self._settled_gap: Event | None = None
        self._tail: list[Event] = []             # the other events of the final spurts so far

    def refresh(self) -> list[Event]:
        """Re-derive after new final spurts; return the events that just settled, in order.

        Only spurts reaching the settled frame are re-derived: events before it
        cannot change, so a long session costs no more per block than a short one.
        """
        spurts = self.engine.spurts
        n_final = sum(map(len, spurts))
        if n_final != self._n_final:
            self._n_final = n_final
            self._talk = [sum(s.length for s in sp) for sp in spurts]
            reaching = [sp[bisect.bisect_left(sp, self._until, key=lambda s: s.end):] for sp in spurts]
            self._tail = [e for e in derive(reaching, self.engine.rules).events if e.start >= self._until]
        opens = self.engine.open_spurts()
        horizon = min([s.start for s in opens if s is not None] + [self.engine.frames_done])
        self._until = max(self._until, settled_frame(spurts, horizon))
        k = bisect.bisect_left(self._tail, self._until, key=lambda e: e.start)
        new, self._tail = self._tail[:k], self._tail[k:]
        for e in new:
            self._settled.append(e)
            if e.kind in self._settled_made:
                self._settled_marks.append(e)
                self._settled_made[e.kind][e.speaker] += 1
            elif e.kind == "gap":
                self._settled_gap = e
        return new

    def snapshot(self) -> Snapshot:
        """The display state now (call after ``refresh``).

        While the engine is still learning the voices (nothing is final yet), it shows what the
        waiting frames would give now; those figures may still change.
        """
        eng, fs = self.engine, self.frame_s
        if eng.learning:
            final, opens = eng.provisional()
            tail, talk_final, now = derive(final, eng.rules).events, [sum(s.length for s in sp) for sp in final], \
                eng.frames_in
        else:
            final, opens, tail, talk_final, now = eng.spurts, eng.open_spurts(), self._tail, self._talk, eng.frames_done
        lo = max(0, now - to_frames(self.window_s, fs))
        recent = [_tail(sp, lo) + _present(opens[k]) for k, sp in enumerate(final)]
        spurts = tuple((s.speaker, s.start * fs, s.end * fs) for sp in recent for s in sp)
        overlaps = tuple((a * fs, b * fs) for a, b in overlapping(recent).tolist())

        final_keys = {(e.kind, e.speaker, e.start) for e in tail}
        pending = [e for e in pending_overlaps(final, opens, eng.rules)
                   if (e.kind, e.speaker, e.start) not in final_keys]
        tail_marks = [e for e in tail if e.kind in self._settled_made]
        marks = (self._settled_marks[bisect.bisect_left(self._settled_marks, lo, key=lambda e: e.start):]
                 + [e for e in tail_marks if e.start >= lo] + pending)
        speakers = range(len(self.names))
        made = {kind: [self._settled_made[kind][k] + sum(1 for e in tail_marks + pending
                                                         if e.kind == kind and e.speaker == k)
                       for k in speakers] for kind in self._settled_made}
        talk = [talk_final[k] + sum(s.length for s in _present(opens[k])) for k in speakers]
        total = sum(talk)
        ends = [s.end for sp in recent for s in sp]
        last_end = max(ends, default=None)
        speaking = any(s is not None and s.end == now for s in opens)
        last_speaker = max(((s.end, s.speaker) for sp in recent for s in sp), default=(None, None))[1]
        gap = next((e for e in reversed(tail) if e.kind == "gap"), self._settled_gap)
        return Snapshot(
            names=self.names, roles=self.roles, now_s=now * fs, window_s=self.window_s,
            spurts=spurts, overlaps=overlaps,
            marks=tuple(Mark(e.kind, e.speaker, e.other, e.start * fs, e.outcome) for e in marks),
            talk_s=tuple(t * fs for t in talk),
            share=tuple(t / total for t in talk) if total else None,
            share_band=self.band, trainee=self.trainee,
            interruptions=tuple(made["interruption"]), backchannels=tuple(made["backchannel"]),
            silence_s=0.0 if speaking or last_end is None else (now - last_end) * fs,
            last_speaker=last_speaker,
            last_latency_s=(gap.end - gap.start) * fs if gap else None,
            last_responder=gap.speaker if gap else None,
            cues=tuple(self._cues(final, opens, pending, tail, now)),
            dropped_blocks=eng.quality.dropped_blocks,
        )

    def _cues(self, final: list[list[Spurt]], opens: list[Spurt | None], pending: list[Event], tail: list[Event],
              now: int) -> list[str]:
        """Alerts for the trainee: a fresh interruption, or a monologue past ``monologue_alert_s``."""
        t = self.trainee
        if t is None:
            return []
        cues = []
        fresh = [e for e in pending + tail + self._settled_marks[-4:]
                 if e.kind == "interruption" and e.speaker == t and now - e.start <= self._cue_hold]
        if fresh:
            other = fresh[-1].other
            cues.append(f"{self.names[t]} interrupted {self.names[other] if other is not None else 'the client'}")
        if now - self._checked_at >= self._check_every:
            self._checked_at, self._monologue_cue = now, self._monologue_text(final, opens, now)
        if self._monologue_cue:
            cues.append(self._monologue_cue)
        return cues

    def _monologue_text(self, final: list[list[Spurt]], opens: list[Spurt | None], now: int) -> str:
        """The monologue cue when the trainee is talking and has held the floor past ``monologue_alert_s``."""
        t = self.trainee
        if t is None or opens[t] is None:
            return ""
        lo = now - self._monologue - self._cue_hold
        turns, _ = floor_turns([_tail(sp, lo) + _present(opens[k]) for k, sp in enumerate(final)])
        held = turns[-1].end - turns[-1].start if turns else 0
        if held > self._monologue and turns[-1].speaker == t:
            return f"{self.names[t]} has talked for {held * self.frame_s:.0f} s"
        return ""


def _present(spurt: Spurt | None) -> list[Spurt]:
    """An open spurt as a list of zero or one."""
    return [spurt] if spurt is not None else []


def _tail(spurts: list[Spurt], lo: int) -> list[Spurt]:
    """The spurts that end after frame ``lo`` (the list is in time order)."""
    k = len(spurts)
    while k > 0 and spurts[k - 1].end > lo:
        k -= 1
    return spurts[k:]

"""Events, turns and floor changes from two speakers' talk spurts (METRICS.md §2-4).

Pure functions of the spurt lists, in integer frames; thresholds arrive already
converted to frames (``FrameRules``).
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from itertools import takewhile
from typing import cast

from talkbalance.config import Config
from talkbalance.core.intervals import as_intervals, complement, union
from talkbalance.core.spurts import timeline
from talkbalance.core.types import Conversation, Event, FloorChange, Spurt, Turn
from talkbalance.core.units import to_frames


@dataclass(frozen=True)
class FrameRules:
    """The overlap thresholds of METRICS.md §4, in frames."""

    simultaneous_start: int
    backchannel_max: int
    min_interruption_overlap: int

    @classmethod
    def from_config(cls, cfg: Config, frame_s: float) -> FrameRules:
        o = cfg.overlaps
        return cls(to_frames(o.simultaneous_start_s, frame_s), to_frames(o.backchannel_max_s, frame_s),
                   to_frames(o.min_interruption_overlap_s, frame_s))


def derive(spurts: list[list[Spurt]], rules: FrameRules) -> Conversation:
    """Classify overlaps and silences, and find turns and floor changes."""
    events = overlap_events(spurts, rules) + silence_events(spurts)
    events.sort(key=lambda e: (e.start, e.end, e.speaker))
    turns, changes = floor_turns(spurts)
    return Conversation(spurts=spurts, events=events, turns=turns, floor_changes=changes)


def _containing(spurts: list[Spurt], starts: list[int], t: int, inclusive_start: bool) -> Spurt | None:
    """The spurt of ``spurts`` that is running at frame ``t`` (started before, or at, ``t``)."""
    i = (bisect.bisect_right if inclusive_start else bisect.bisect_left)(starts, t) - 1
    return spurts[i] if i >= 0 and spurts[i].end > t else None


def classify_overlap(x: Spurt, y: Spurt, rules: FrameRules) -> Event:
    """Classify the overlap that begins when ``y`` starts inside ``x`` (METRICS.md §4)."""
    if y.start - x.start <= rules.simultaneous_start:
        return Event("simultaneous_start", y.start, min(x.end, y.end), y.speaker, x.speaker)
    if y.end <= x.end:
        if y.length <= rules.backchannel_max:
            return Event("backchannel", y.start, y.end, y.speaker, x.speaker)
        return Event("interruption", y.start, y.end, y.speaker, x.speaker, "unsuccessful")
    if x.end - y.start >= rules.min_interruption_overlap:
        return Event("interruption", y.start, x.end, y.speaker, x.speaker, "successful")
    return Event("transition_overlap", y.start, x.end, y.speaker, x.speaker)


def overlap_events(spurts: list[list[Spurt]], rules: FrameRules) -> list[Event]:
    """One event for every spurt that starts while the partner is inside a spurt.

    When both start on the same frame the event is counted once, with the
    later channel as the actor.
    """
    events = []
    for j, ys in enumerate(spurts):
        for i, xs in enumerate(spurts):
            if i == j:
                continue
            starts = [s.start for s in xs]
            for y in ys:
                x = _containing(xs, starts, y.start, inclusive_start=j > i)
                if x is not None:
                    events.append(classify_overlap(x, y, rules))
    return events


def silence_events(spurts: list[list[Spurt]]) -> list[Event]:
    """Pauses (same speaker both sides) and gaps (speaker changes) in the silences between speech."""
    everyone = as_intervals([])
    for sp in spurts:
        everyone = union(everyone, timeline(sp))
    if len(everyone) < 2:
        return []
    ended_at: dict[int, set[int]] = {}
    started_at: dict[int, set[int]] = {}
    for sp in spurts:
        for s in sp:
            ended_at.setdefault(s.end, set()).add(s.speaker)
            started_at.setdefault(s.start, set()).add(s.speaker)
    events = []
    for lo, hi in complement(everyone, int(everyone[0, 0]), int(everyone[-1, 1])).tolist():
        before, after = ended_at[lo], started_at[hi]
        same = before & after
        if same:
            events.append(Event("pause", lo, hi, min(same)))
        else:
            events.append(Event("gap", lo, hi, min(after), min(before)))
    return events


def floor_turns(spurts: list[list[Spurt]]) -> tuple[list[Turn], list[FloorChange]]:
    """Sweep the session: a speaker takes the floor on becoming the only one speaking.

    A turn runs from the start of the spurt that took the floor to the end of
    the holder's last spurt before the partner took it.
    """
    points = sorted({t for sp in spurts for s in sp for t in (s.start, s.end)})
    n = len(spurts)
    current: list[Spurt | None] = [None] * n
    last_end = [0] * n                 # read only for a holder, whose spurt has ended by then
    holder: int | None = None
    turn_start = 0
    turns: list[Turn] = []
    changes: list[FloorChange] = []
    starts_at: dict[int, list[Spurt]] = {}
    ends_at: dict[int, list[Spurt]] = {}
    for sp in spurts:
        for s in sp:
            starts_at.setdefault(s.start, []).append(s)
            ends_at.setdefault(s.end, []).append(s)
    for t in points:
        for s in ends_at.get(t, ()):
            current[s.speaker] = None
            last_end[s.speaker] = s.end
        for s in starts_at.get(t, ()):
            current[s.speaker] = s
        active = [k for k in range(n) if current[k] is not None]
        if len(active) != 1 or active[0] == holder:
            continue
        taker = active[0]
        taking = cast(Spurt, current[taker])      # the one speaking
        if holder is not None:
            turns.append(Turn(holder, turn_start, last_end[holder]))
            changes.append(FloorChange(taker, holder, taking.start, taking.start - last_end[holder]))
        holder, turn_start = taker, taking.start
    if holder is not None:
        turns.append(Turn(holder, turn_start, max(s.end for s in spurts[holder])))
    return turns, changes


def pending_overlaps(final: list[list[Spurt]], open_spurts: list[Spurt | None], rules: FrameRules) -> list[Event]:
    """Interruptions and backchannels already certain although one of their spurts is still open.

    For the live display: whatever the open spurts do next, these overlaps will
    be classified so. An interruption's outcome is "" while still undecided.
    """
    events = []
    for j, i in ((0, 1), (1, 0)):
        x_open, y_open = open_spurts[i], open_spurts[j]
        ys = [y_open] if y_open is not None else []
        if x_open is not None:          # final spurts of j that started inside i's open spurt
            ys += takewhile(lambda y: y.start >= x_open.start, reversed(final[j]))   # noqa: B023  (consumed here)
        for y in ys:
            x = _partner_at(final[i], x_open, y.start, inclusive_start=j > i)
            if x is None or (y is not y_open and x is not x_open) or y.start - x.start <= rules.simultaneous_start:
                continue
            overlap = min(x.end, y.end) - y.start
            if x is not x_open and y.end > x.end:
                if overlap >= rules.min_interruption_overlap:
                    events.append(Event("interruption", y.start, x.end, j, i, "successful"))
            elif y.length > rules.backchannel_max and overlap >= rules.min_interruption_overlap:
                outcome = "unsuccessful" if y is not y_open and x.end >= y.end else ""
                events.append(Event("interruption", y.start, min(x.end, y.end), j, i, outcome))
            elif y is not y_open and x.end >= y.end:        # ended inside the partner's running spurt
                events.append(Event("backchannel", y.start, y.end, j, i))
    return events


def _partner_at(final: list[Spurt], open_spurt: Spurt | None, t: int, inclusive_start: bool) -> Spurt | None:
    """The partner's spurt (final or still open) running at frame ``t``."""
    if open_spurt is not None and (open_spurt.start < t or (inclusive_start and open_spurt.start == t)):
        return open_spurt
    i = (bisect.bisect_right if inclusive_start else bisect.bisect_left)(final, t, key=lambda s: s.start) - 1
    return final[i] if i >= 0 and final[i].end > t else None


def settled_frame(final: list[list[Spurt]], horizon: int) -> int:
    """The frame before which the events of ``final`` are settled.

    ``horizon`` is the earliest frame where a spurt that is not final yet may
    start (an open spurt's start, else the frames analysed so far). Events
    starting before the returned frame will not change, and no later event
    starts before it. If the horizon falls in a silence, that silence is not
    settled (it may become a pause or a gap), so the frame is where it began.
    """
    ends = [next((s.end for s in reversed(sp) if s.start < horizon), None) for sp in final]
    last_end = max((e for e in ends if e is not None), default=horizon)
    return min(horizon, last_end)

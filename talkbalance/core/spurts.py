"""Streaming smoothing of one channel's frame decisions into talk spurts (METRICS.md §1.4).

Silences shorter than ``min_pause_frames`` inside speech are bridged (Brady's
fill-in), then speech runs shorter than ``min_spurt_frames`` are dropped. A spurt
is final once the silence after it reaches ``min_pause_frames``: nothing later can
bridge into it any more.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from talkbalance.core.intervals import as_intervals, intersection, runs, union
from talkbalance.core.types import Spurt


class SpurtTracker:
    """Turns a stream of per-frame speech decisions into final talk spurts."""

    def __init__(self, speaker: int, min_pause_frames: int, min_spurt_frames: int):
        self.speaker = speaker
        self.min_pause_frames = min_pause_frames
        self.min_spurt_frames = min_spurt_frames
        self.frontier = 0          # frames consumed so far
        self._open: list[int] | None = None   # [start, end) of the spurt still growing

    def push(self, speech: np.ndarray) -> list[Spurt]:
        """Consume the next frame decisions; return spurts that became final."""
        done = []
        for start, end in runs(speech, self.frontier).tolist():
            if self._open is not None:
                silence = start - self._open[1]
                if silence == 0 or silence < self.min_pause_frames:
                    self._open[1] = end
                    continue
                done += self._close()
            self._open = [start, end]
        self.frontier += len(speech)
        if self._open is not None and self._open[1] < self.frontier and \
                self.frontier - self._open[1] >= self.min_pause_frames:
            done += self._close()
        return done

    def finish(self) -> list[Spurt]:
        """End of stream: the open spurt (if long enough) becomes final."""
        return self._close()

    @property
    def open_spurt(self) -> Spurt | None:
        """The provisional spurt still growing (for live display), if any."""
        return Spurt(self.speaker, *self._open) if self._open is not None else None

    def _close(self) -> list[Spurt]:
        """The open spurt, if any and long enough, as final."""
        if self._open is None:
            return []
        start, end = self._open
        self._open = None
        return [Spurt(self.speaker, start, end)] if end - start >= self.min_spurt_frames else []


def timeline(spurts: list[Spurt]) -> np.ndarray:
    """One speaker's spurts as an interval set (``core.intervals``)."""
    return as_intervals([(s.start, s.end) for s in spurts])


def overlapping(spurts: Sequence[list[Spurt]]) -> np.ndarray:
    """The frames where at least two of the speakers talk at once, for any number of speakers."""
    lines = [timeline(sp) for sp in spurts]
    out = as_intervals([])
    for i, a in enumerate(lines):
        for b in lines[i + 1:]:
            out = union(out, intersection(a, b))
    return out

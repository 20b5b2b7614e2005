"""What a live session's analyser does with each block once the engine has it: the pipeline's live sinks.

In the order ``LiveSession`` feeds them: ``DropoutNotes`` (input lost before it
reached us), ``SameSignalWatch`` (one mic on both channels: the interface is
gone), ``ViewSink`` (settles events and publishes the display's ``Snapshot``),
any extra sinks (a benchmark's ``LatencyProbe``, which so times the snapshot
and nothing after it), ``EventLog`` (appends the settled events to
``events.csv``), and ``InterimSummary`` (``summary.json`` every few seconds). The audio writer is not a sink: it has its own thread, so
the recording never waits for the analysis.
"""
from __future__ import annotations

import csv
import os
import time
from collections.abc import Callable
from pathlib import Path

from talkbalance.core.engine import Engine
from talkbalance.core.types import Event, SessionResult
from talkbalance.io.outputs import EVENTS_HEADER, event_row, write_summary
from talkbalance.live.dropouts import DropoutDetector
from talkbalance.live.view import LiveView, Snapshot
from talkbalance.pipeline import Block

SUMMARY_EVERY_S = 5.0       # wall-clock seconds between interim summary.json saves
EVENTS_SYNC_EVERY_S = 5.0   # events.csv is flushed after every block and synced to the disk this often
SAME_SIGNAL_ENDS_S = 1.0    # both channels identical this long, after they differed: the input changed


class DropoutNotes:
    """Notes in the engine's ``quality`` each block the device flagged as overflowed, and input found lost."""

    def __init__(self, rate_hz: int):
        self.rate_hz = rate_hz
        self._dropouts = DropoutDetector(rate_hz)

    def push(self, block: Block, engine: Engine) -> None:
        if block.overflow:
            self._note(engine, (engine.samples_in - len(block.samples)) / self.rate_hz)
        lost = self._dropouts.push(len(block.samples), block.arrival_s)
        if lost is not None:
            self._note(engine, lost[1] / self.rate_hz, lost[0])

    @staticmethod
    def _note(engine: Engine, at_s: float, lost_s: float | None = None) -> None:
        q = engine.quality
        q.dropped_blocks += 1
        q.dropped_block_times_s.append(round(at_s, 3))
        if lost_s is not None:
            q.warnings.append(f"about {lost_s:.1f} s of input was lost at {at_s:.1f} s (the computer or the device "
                              "stalled); times after it are shifted by that much")

    def close(self) -> None:
        pass


class SameSignalWatch:
    """Calls ``end(reason)`` once when both channels suddenly carry the same signal: the headset interface is
    gone and one mic (a laptop's, say) now feeds both channels."""

    def __init__(self, end: Callable[[str], None]):
        self._end = end
        self._ended = False

    def push(self, block: Block, engine: Engine) -> None:
        run = engine.same_run_frames
        if engine.channels_differed and run * engine.frame_s >= SAME_SIGNAL_ENDS_S and not self._ended:
            self._ended = True
            since_s = engine.same_since_frame * engine.frame_s
            self._end(f"from {since_s:.1f} s both channels carried the very same signal (one mic feeding both: was "
                      "the headset interface unplugged?); the session was ended there and everything captured was "
                      "saved")

    def close(self) -> None:
        pass


class ViewSink:
    """Follows the engine with a ``LiveView``: ``settled`` holds the events the last block settled, ``latest`` the
    snapshot the display reads (replaced whole, so the display thread never sees one half made)."""

    def __init__(self, engine: Engine):
        self.view = LiveView(engine)
        self.latest: Snapshot = self.view.snapshot()
        self.settled: list[Event] = []

    def push(self, block: Block, engine: Engine) -> None:
        self.settled = self.view.refresh()
        self.latest = self.view.snapshot()

    def close(self) -> None:
        pass


class EventLog:
    """``events.csv``: the header at once, then each event as it settles (flushed per block, synced every
    ``EVENTS_SYNC_EVERY_S``), so after a crash the file is a prefix of the full analysis's events."""

    def __init__(self, path: Path, view: ViewSink):
        self._view = view
        self._names = list(view.view.names)
        self._file = open(path, "w", encoding="utf-8", newline="")
        self._rows = csv.writer(self._file, lineterminator="\n")
        self._rows.writerow(EVENTS_HEADER)
        self._file.flush()
        self._synced_at = time.monotonic()

    def push(self, block: Block, engine: Engine) -> None:
        for event in self._view.settled:
            self._rows.writerow(event_row(event, self._names, engine.frame_s))
        self._file.flush()
        if time.monotonic() - self._synced_at >= EVENTS_SYNC_EVERY_S:
            os.fsync(self._file.fileno())
            self._synced_at = time.monotonic()

    def close(self) -> None:
        self._file.close()


class InterimSummary:
    """Rewrites ``summary.json`` (atomically, ``complete: false``) every ``SUMMARY_EVERY_S`` from the final spurts
    so far; ``described`` adds the session's source, start time and file id."""

    def __init__(self, path: Path, described: Callable[[SessionResult], SessionResult]):
        self._path = path
        self._described = described
        self._saved_at = time.monotonic()

    def push(self, block: Block, engine: Engine) -> None:
        if time.monotonic() - self._saved_at >= SUMMARY_EVERY_S:
            write_summary(self._path, self._described(engine.result_so_far()).summary(complete=False))
            self._saved_at = time.monotonic()

    def close(self) -> None:
        pass


class LatencyProbe:
    """For benchmarks, right after the ``ViewSink``: how long after its block's arrival each snapshot was
    published, and when each event was logged.

    ``snapshot_s``: block arrival → snapshot published, per block; ``logged``: each event and when it was settled
    for events.csv (the ``EventLog``, next, writes it at once); ``arrivals``: (samples fed so far, arrival time)
    per block; ``final_spurts``: how many final spurts each channel had after the last block (what the stream
    settled before ``finish``).
    """

    def __init__(self, view: ViewSink):
        self._view = view
        self.snapshot_s: list[float] = []
        self.logged: list[tuple[Event, float]] = []
        self.arrivals: list[tuple[int, float]] = []
        self.final_spurts: list[int] = []

    def push(self, block: Block, engine: Engine) -> None:
        now = time.monotonic()
        self.snapshot_s.append(now - block.arrival_s)
        self.logged += [(e, now) for e in self._view.settled]
        self.arrivals.append((engine.samples_in, block.arrival_s))
        self.final_spurts = [len(s) for s in engine.spurts]

    def close(self) -> None:
        pass

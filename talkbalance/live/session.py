"""A live session: captured blocks are recorded by one thread and analysed by another.

The input puts every block on ``session.inbox``, which hands it to two queues:

- the *writer* appends it to ``audio.wav`` and syncs the file every second, so
  the recording never waits for the analysis;
- the *analyser* feeds the engine, appends newly settled events to
  ``events.csv``, publishes a new ``Snapshot`` for the display, and rewrites
  ``summary.json`` (atomically) every few seconds.

Each queue ends with one ``End`` item (the shutdown sentinel). ``finish`` then
writes the final files.
"""
from __future__ import annotations

import csv
import os
import queue
import threading
import time
from pathlib import Path

from talkbalance.config import Config
from talkbalance.core.engine import Engine
from talkbalance.core.summary import source_block
from talkbalance.core.types import Event, SessionResult
from talkbalance.errors import OutputError
from talkbalance.io.outputs import EVENTS_HEADER, event_row, write_outputs, write_summary
from talkbalance.io.wav import WavRecorder
from talkbalance.live.capture import Block, End
from talkbalance.live.dropouts import DropoutDetector
from talkbalance.live.view import LiveView, Snapshot

SUMMARY_EVERY_S = 5.0       # wall-clock seconds between interim summary.json saves
SYNC_EVERY_S = 1.0          # audio.wav and events.csv reach the disk at least this often
SAME_SIGNAL_ENDS_S = 1.0    # both channels identical this long, after they differed: the input changed


class Inbox:
    """Where the input puts its items: each goes to the writer and to the analyser."""

    def __init__(self):
        self.to_writer: queue.Queue = queue.Queue()
        self.to_analyser: queue.Queue = queue.Queue()

    def put(self, item: Block | End) -> None:
        self.to_writer.put(item)
        self.to_analyser.put(item)


class LiveSession:
    """One live or replayed session, written into ``out_dir`` as it goes."""

    def __init__(self, cfg: Config, rate_hz: int, out_dir: Path, source: dict, inbox: Inbox):
        self.cfg = cfg
        self.rate_hz = rate_hz
        self.out_dir = out_dir
        self.source = source
        self.inbox = inbox
        self.engine = Engine(cfg, rate_hz)
        self.view = LiveView(self.engine)
        self.latest: Snapshot = self.view.snapshot()
        self.latencies_s: list[float] = []          # block arrival → snapshot published (for benchmarks)
        self.logged: list[tuple[Event, float]] = []  # each event and when it was written to events.csv
        self.error: OutputError | None = None         # a write failure, reported after saving what can be saved
        self.failure: Exception | None = None       # an unexpected error in a thread, re-raised after saving
        self.end_reason = ""
        self._dropouts = DropoutDetector(rate_hz)
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            self.audio = WavRecorder(out_dir / "audio.wav", rate_hz, 2)
            self._events_file = open(out_dir / "events.csv", "w", encoding="utf-8", newline="")
        except OSError as exc:
            raise OutputError.from_os_error(out_dir, "cannot create the session files", exc) from None
        self._events = csv.writer(self._events_file, lineterminator="\n")
        self._events.writerow(EVENTS_HEADER)
        self._events_file.flush()
        self._summary_at = self._synced_at = time.monotonic()
        self._threads = [threading.Thread(target=self._guard, args=(self._write, self.inbox.to_writer),
                                          name="writer"),
                         threading.Thread(target=self._guard, args=(self._analyse, self.inbox.to_analyser),
                                          name="analyser")]

    def start(self) -> None:
        for t in self._threads:
            t.start()

    @property
    def running(self) -> bool:
        """Both threads are still working (neither has met ``End`` or an error) and the input is still the same."""
        return all(t.is_alive() for t in self._threads) and not self.end_reason

    def join(self) -> None:
        for t in self._threads:
            t.join()

    # -- threads --------------------------------------------------------------------------
    def _guard(self, handle, items: queue.Queue) -> None:
        """Run ``handle`` on each item until ``End``; stop at the first error, keeping it for the caller."""
        while not isinstance(item := items.get(), End):
            try:
                handle(item)
            except OSError as exc:
                self.error = OutputError.from_os_error(self.out_dir, "writing the session stopped", exc,
                                                       "free some disk space. Everything written before stays readable.")
                return
            except Exception as exc:
                self.failure = exc
                return
        self.end_reason = self.end_reason or item.reason

    def _write(self, block: Block) -> None:
        self.audio.write(block.samples)
        if time.monotonic() - self._synced_at >= SYNC_EVERY_S:
            self.audio.sync()
            self._synced_at = time.monotonic()

    def _analyse(self, block: Block) -> None:
        samples = block.samples
        position = self.engine.samples_in
        if block.overflow:
            self._note_dropout(position / self.rate_hz)
        lost = self._dropouts.push(len(samples), block.arrival_s)
        if lost is not None:
            self._note_dropout(lost[1] / self.rate_hz, lost[0])
        self.engine.feed(samples)
        self._watch_channels()
        for event in self.view.refresh():
            self._events.writerow(event_row(event, list(self.view.names), self.engine.frame_s))
            self.logged.append((event, time.monotonic()))
        self.latest = self.view.snapshot()
        self.latencies_s.append(time.monotonic() - block.arrival_s)
        self._events_file.flush()
        if time.monotonic() - self._summary_at >= SUMMARY_EVERY_S:
            os.fsync(self._events_file.fileno())
            write_summary(self.out_dir / "summary.json", self._described(self.engine.result_so_far()).summary(complete=False))
            self._summary_at = time.monotonic()

    def _watch_channels(self) -> None:
        """End the session when both channels suddenly carry the same signal: the headset interface is gone
        and one mic (a laptop's, say) now feeds both channels."""
        run = self.engine.same_run_frames
        if self.engine.channels_differed and run * self.engine.frame_s >= SAME_SIGNAL_ENDS_S and not self.end_reason:
            since_s = self.engine.same_since_frame * self.engine.frame_s
            self.end_reason = (f"from {since_s:.1f} s both channels carried the very same signal (one mic feeding "
                               "both: was the headset interface unplugged?); the session was ended there and "
                               "everything captured was saved")

    def _note_dropout(self, at_s: float, lost_s: float | None = None) -> None:
        q = self.engine.quality
        q.dropped_blocks += 1
        q.dropped_block_times_s.append(round(at_s, 3))
        if lost_s is not None:
            q.warnings.append(f"about {lost_s:.1f} s of input was lost at {at_s:.1f} s (the computer or the device "
                              "stalled); times after it are shifted by that much")

    def _source_now(self) -> dict:
        return source_block(self.source, self.rate_hz, 2, self.engine.samples_in / self.rate_hz, self.cfg)

    # -- after the threads ----------------------------------------------------------------
    def finish(self) -> dict:
        """Close the recording and write the final summary, events, RTTM, labels and report."""
        self.audio.close()
        self._events_file.close()
        result = self.engine.finish()
        if self.end_reason:
            result.quality.warnings.append(self.end_reason)
        return write_outputs(self._described(result), self.out_dir)

    def _described(self, result: SessionResult) -> SessionResult:
        """``result`` with this session's source and file id."""
        result.source, result.file_id = self._source_now(), self.out_dir.name
        return result

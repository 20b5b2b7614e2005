"""A live session: captured blocks are recorded by one thread and analysed by another.

The input puts every block on ``session.inbox``, which hands it to two queues:

- the *writer* appends it to ``audio.wav`` and syncs the file every second, so
  the recording never waits for the analysis;
- the *analyser* feeds it to the session's ``Pipeline``: the engine, then the
  sinks of ``live/sinks.py`` (dropout notes, the same-signal watch, the live
  view whose ``Snapshot`` the display reads, any extra sinks such as a
  benchmark's latency probe, ``events.csv``, and the interim ``summary.json``).

Each queue ends with one ``End`` item (the shutdown sentinel). ``finish`` then
writes the final files.
"""
from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from talkbalance.config import Config
from talkbalance.core.engine import Engine
from talkbalance.core.summary import source_block
from talkbalance.core.types import Recording, SessionResult
from talkbalance.errors import OutputError
from talkbalance.io.outputs import write_outputs
from talkbalance.io.wav import WavRecorder
from talkbalance.live.sinks import DropoutNotes, EventLog, InterimSummary, SameSignalWatch, ViewSink
from talkbalance.live.view import Snapshot
from talkbalance.pipeline import Block, End, Pipeline, Sink

SYNC_EVERY_S = 1.0          # audio.wav reaches the disk at least this often


class Inbox:
    """Where the input puts its items: each goes to the writer and to the analyser."""

    def __init__(self):
        self.to_writer: queue.Queue = queue.Queue()
        self.to_analyser: queue.Queue = queue.Queue()

    def put(self, item: Block | End) -> None:
        self.to_writer.put(item)
        self.to_analyser.put(item)


class LiveSession:
    """One live or replayed session, written into ``out_dir`` as it goes.

    ``extra_sinks`` are given the session and return more sinks for its pipeline, fed right after the snapshot is
    published, before the event log and the interim summary (a benchmark's ``LatencyProbe``).
    """

    def __init__(self, cfg: Config, rate_hz: int, out_dir: Path, source: dict, inbox: Inbox,
                 extra_sinks: Callable[[LiveSession], Sequence[Sink]] | None = None):
        self.cfg = cfg
        self.rate_hz = rate_hz
        self.out_dir = out_dir
        self.source = source
        self.recorded_at = datetime.now().astimezone()         # the capture starts right after this
        self.inbox = inbox
        self.pipeline = Pipeline(cfg, rate_hz)
        self.engine: Engine = self.pipeline.engine
        self.view = ViewSink(self.engine)
        self.error: OutputError | None = None         # a write failure, reported after saving what can be saved
        self.failure: Exception | None = None       # an unexpected error in a thread, re-raised after saving
        self.end_reason = ""
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            self.audio = WavRecorder(out_dir / "audio.wav", rate_hz, self.engine.channels)
            events = EventLog(out_dir / "events.csv", self.view)
        except OSError as exc:
            raise OutputError.from_os_error(out_dir, "cannot create the session files", exc) from None
        self.pipeline.sinks += [DropoutNotes(rate_hz), SameSignalWatch(self._end), self.view,
                                *(extra_sinks(self) if extra_sinks else ()), events,
                                InterimSummary(out_dir / "summary.json", self._described)]
        self._synced_at = time.monotonic()
        self._threads = [threading.Thread(target=self._guard, args=(self._write, self.inbox.to_writer),
                                          name="writer"),
                         threading.Thread(target=self._guard, args=(self.pipeline.feed, self.inbox.to_analyser),
                                          name="analyser")]

    @property
    def latest(self) -> Snapshot:
        """The snapshot the display reads (the analyser replaces it after each block)."""
        return self.view.latest

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
        self._end(item.reason)

    def _end(self, reason: str) -> None:
        """The session ends for ``reason`` (the first reason given is kept)."""
        self.end_reason = self.end_reason or reason

    def _write(self, block: Block) -> None:
        self.audio.write(block.samples)
        if time.monotonic() - self._synced_at >= SYNC_EVERY_S:
            self.audio.sync()
            self._synced_at = time.monotonic()

    def _source_now(self) -> dict:
        return source_block(self.source, self.rate_hz, self.engine.channels, self.engine.samples_in / self.rate_hz,
                            self.cfg)

    # -- after the threads ----------------------------------------------------------------
    def finish(self) -> dict:
        """Close the recording and write the final summary, events, RTTM, labels, report.png and report.html (which
        plays audio.wav)."""
        self.audio.close()
        result = self.pipeline.finish()
        if self.end_reason:
            result.quality.warnings.append(self.end_reason)
        return write_outputs(self._described(result), self.out_dir)

    def _described(self, result: SessionResult) -> SessionResult:
        """``result`` with this session's source, start time, file id and recording (audio.wav, not the replayed
        file)."""
        result.source, result.file_id = self._source_now(), self.out_dir.name
        result.recorded_at = self.recorded_at
        result.recording = Recording((str(self.out_dir / "audio.wav"),))
        return result

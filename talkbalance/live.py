"""The live session worker: takes captured blocks off the queue, records and analyses them.

Runs in its own thread. For every block it appends the audio to ``audio.wav``,
feeds the engine, appends newly settled events to ``events.csv`` and publishes a
new ``Snapshot`` for the display. ``summary.json`` is rewritten (atomically)
every few seconds; ``finish`` writes the final files. The queue ends with one
``End`` item (the shutdown sentinel).
"""
from __future__ import annotations

import csv
import os
import queue
import time
from pathlib import Path

from talkbalance.capture import Block, End
from talkbalance.config import Config
from talkbalance.dropouts import DropoutDetector
from talkbalance.engine import Engine, to_int16
from talkbalance.errors import UserError
from talkbalance.live_view import LiveView, Snapshot
from talkbalance.model import Event
from talkbalance.outputs import EVENTS_HEADER, build_summary, event_row, write_outputs, write_summary
from talkbalance.recorder import WavRecorder
from talkbalance.report import write_report

SUMMARY_EVERY_S = 5.0       # wall-clock seconds between interim summary.json saves
SYNC_EVERY_S = 1.0          # audio.wav and events.csv reach the disk at least this often


class LiveSession:
    """One live or replayed session, written into ``out_dir`` as it goes."""

    def __init__(self, cfg: Config, rate_hz: int, out_dir: Path, source: dict):
        self.cfg = cfg
        self.rate_hz = rate_hz
        self.out_dir = out_dir
        self.source = source
        self.engine = Engine(cfg, rate_hz)
        self.view = LiveView(self.engine)
        self.latest: Snapshot = self.view.snapshot()
        self.latencies_s: list[float] = []          # block arrival → snapshot published (for benchmarks)
        self.logged: list[tuple[Event, float]] = []  # each event and when it was written to events.csv
        self.error: UserError | None = None         # a write failure, reported after saving what can be saved
        self.failure: Exception | None = None       # an unexpected error in the worker, re-raised after saving
        self.end_reason = ""
        self._dropouts = DropoutDetector(rate_hz)
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            self.audio = WavRecorder(out_dir / "audio.wav", rate_hz, 2)
            self._events_file = open(out_dir / "events.csv", "w", encoding="utf-8", newline="")
        except OSError as exc:
            raise UserError(f"{out_dir}: cannot create the session files ({exc.strerror or exc}); "
                            "choose another --out folder or free some disk space.") from None
        self._events = csv.writer(self._events_file, lineterminator="\n")
        self._events.writerow(EVENTS_HEADER)
        self._events_file.flush()
        self._summary_at = self._synced_at = time.monotonic()

    # -- worker thread ------------------------------------------------------------------
    def run(self, blocks: queue.Queue) -> None:
        """Consume blocks until the ``End`` sentinel (or a write error)."""
        while True:
            item = blocks.get()
            if isinstance(item, End):
                self.end_reason = item.reason
                return
            try:
                self._process(item)
            except OSError as exc:
                self.error = UserError(f"{self.out_dir}: writing the session stopped ({exc.strerror or exc}); "
                                       "free some disk space. Everything written before stays readable.")
                return
            except Exception as exc:
                self.failure = exc
                return

    def _process(self, block: Block) -> None:
        samples = to_int16(block.samples)      # what is recorded is exactly what is analysed
        position = self.audio.frames
        self.audio.write(samples)
        if block.overflow:
            self._note_dropout(position / self.rate_hz)
        lost = self._dropouts.push(len(samples), block.arrival_s)
        if lost is not None:
            self._note_dropout(lost[1] / self.rate_hz, lost[0])
        self.engine.feed(samples)
        for event in self.view.refresh():
            self._events.writerow(event_row(event, list(self.view.names), self.engine.frame_s))
            self.logged.append((event, time.monotonic()))
        self.latest = self.view.snapshot()
        self.latencies_s.append(time.monotonic() - block.arrival_s)
        self._events_file.flush()
        now = time.monotonic()
        if now - self._synced_at >= SYNC_EVERY_S:
            self.audio.sync()
            os.fsync(self._events_file.fileno())
            self._synced_at = now
        if now - self._summary_at >= SUMMARY_EVERY_S:
            self._save_interim_summary()

    def _note_dropout(self, at_s: float, lost_s: float | None = None) -> None:
        q = self.engine.quality
        q.dropped_blocks += 1
        q.dropped_block_times_s.append(round(at_s, 3))
        if lost_s is not None:
            q.warnings.append(f"about {lost_s:.1f} s of input was lost at {at_s:.1f} s (the computer or the device "
                              "stalled); times after it are shifted by that much")

    def _save_interim_summary(self) -> None:
        summary = build_summary(self.engine.result_so_far(), self._source_now(), self.cfg, complete=False)
        write_summary(self.out_dir / "summary.json", summary)
        self._summary_at = time.monotonic()

    def _source_now(self) -> dict:
        return {**self.source, "sample_rate": self.rate_hz, "channels": 2,
                "duration_s": round(self.audio.frames / self.rate_hz, 3),
                "analysis_rate": self.cfg.vad.rate_hz, "frame_ms": self.cfg.vad.frame_ms}

    # -- after the worker ---------------------------------------------------------------
    def finish(self) -> dict:
        """Close the recording and write the final summary, events, RTTM, labels and report."""
        self.audio.close()
        self._events_file.close()
        result = self.engine.finish()
        if self.end_reason:
            result.quality.warnings.append(self.end_reason)
        summary = write_outputs(self.out_dir, result, self._source_now(), self.cfg, file_id=self.out_dir.name)
        write_report(self.out_dir / "report.png", result)
        return summary

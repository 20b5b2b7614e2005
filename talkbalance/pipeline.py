"""One pipeline for every way a session is analysed: a source's blocks → the engine → sinks.

``analyze_file`` (and so ``analyze``, ``batch`` and ``recover``) runs it over a file's
blocks; a live session's analyser thread feeds it each captured or replayed block. The
``Pipeline`` owns the ``Engine``: ``feed`` analyses a block, then hands it to each sink
in order (the live view, the event log, a benchmark's latency probe, ...); ``finish``
returns the ``SessionResult`` and closes the sinks.

Sources are of two kinds: an iterable of ``Block`` (a file read as fast as it goes), or
a ``LiveSource`` (a device or a timed replay) that, once started, puts each ``Block``
into a queue and ends with one ``End`` item, so the capture never waits for analysis.

May import ``core``, ``config`` and ``errors`` (and ``io``); never ``report``, ``live``,
``batch``, ``cli`` or the API (``tests/test_layout.py`` reads the imports).
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from talkbalance.config import Config
from talkbalance.core.engine import Engine
from talkbalance.core.types import SessionResult


@dataclass(frozen=True)
class Block:
    """Audio (n, channels), its arrival time (monotonic s; 0 for a file read at once), and the device's
    overflow flag."""

    samples: np.ndarray
    arrival_s: float = 0.0
    overflow: bool = False


@dataclass(frozen=True)
class End:
    """The input has stopped; ``reason`` is empty for a normal end, else a warning for ``quality``."""

    reason: str = ""


class LiveSource(Protocol):
    """A device or a timed replay: after ``start`` it puts each ``Block`` into its queue as it arrives, and after
    the last one (``stop``, or the input's own end) exactly one ``End``."""

    rate_hz: int

    def start(self) -> None: ...

    def stop(self) -> None: ...


class Sink(Protocol):
    """Sees each block after the engine has analysed it; ``close`` once the session is over (also after an error)."""

    def push(self, block: Block, engine: Engine) -> None: ...

    def close(self) -> None: ...


class Pipeline:
    """The engine of one session and the sinks that follow it, fed in order after each block."""

    def __init__(self, cfg: Config, rate_hz: int, sinks: Sequence[Sink] = ()):
        self.engine = Engine(cfg, rate_hz)
        self.sinks: list[Sink] = list(sinks)

    def feed(self, block: Block) -> None:
        self.engine.feed(block.samples)
        for sink in self.sinks:
            sink.push(block, self.engine)

    def run(self, blocks: Iterable[Block]) -> SessionResult:
        """Feed every block of ``blocks``, then ``finish``."""
        try:
            for block in blocks:
                self.feed(block)
        except BaseException:
            with contextlib.suppress(Exception):        # the first error is the one to report
                self.close()
            raise
        return self.finish()

    def finish(self) -> SessionResult:
        """Flush the engine and return the session's result; the sinks are closed whatever happens."""
        try:
            return self.engine.finish()
        finally:
            self.close()

    def close(self) -> None:
        """Close every sink (each one, even when an earlier one fails; the first failure is raised)."""
        failure: BaseException | None = None
        for sink in self.sinks:
            try:
                sink.close()
            except BaseException as exc:
                failure = failure or exc
        if failure is not None:
            raise failure


class Progress:
    """Reports (seconds of audio done, seconds in all) after each block."""

    def __init__(self, report: Callable[[float, float], None], total_s: float):
        self._report = report
        self._total_s = total_s

    def push(self, block: Block, engine: Engine) -> None:
        self._report(engine.samples_in / engine.input_rate_hz, self._total_s)

    def close(self) -> None:
        pass

"""The console display of a live session: one status line, refreshed in place."""
from __future__ import annotations

import sys
import threading
import time

from talkbalance.live.view import Snapshot

PLAIN_EVERY_S = 10.0       # when the output is not a terminal, print a full line this often


def status_text(snap: Snapshot) -> str:
    """The figures of the live plot as one line of text."""
    names = snap.names
    minutes, seconds = divmod(int(snap.now_s), 60)
    parts = [f"{minutes:02d}:{seconds:02d}"]
    if snap.share is not None:
        share = "talk " + " / ".join(f"{name} {part:.0%}" for name, part in zip(names, snap.share))
        if snap.share_band is not None and snap.trainee is not None:
            share += f" (target {names[snap.trainee]} {snap.share_band[0]:.0%}-{snap.share_band[1]:.0%})"
        parts.append(share)
    parts.append("interruptions made " + ", ".join(f"{_whom(names, k)} {count}"
                                                   for k, count in enumerate(snap.interruptions)))
    parts.append("backchannels made " + ", ".join(f"{name} {count}" for name, count in zip(names, snap.backchannels)))
    if snap.silence_s > 0 and snap.last_speaker is not None:
        parts.append(f"silence {snap.silence_s:.1f} s after {snap.names[snap.last_speaker]}")
    if snap.last_latency_s is not None and snap.last_responder is not None:
        parts.append(f"last response {snap.names[snap.last_responder]} after {snap.last_latency_s:.2f} s")
    if snap.dropped_blocks:
        parts.append(f"dropped blocks {snap.dropped_blocks}")
    parts += [f"!! {cue}" for cue in snap.cues]
    return " | ".join(parts)


def _whom(names: tuple[str, ...], k: int) -> str:
    """``maya→sam`` when speaker ``k`` can only have interrupted one other, else their name."""
    others = [name for j, name in enumerate(names) if j != k]
    return f"{names[k]}→{others[0]}" if len(others) == 1 else names[k]


class StatusLine:
    """Writes ``status_text`` to a stream: in place on a terminal, else every ``PLAIN_EVERY_S``."""

    closed = False

    def __init__(self, stream=None, wake: threading.Event | None = None):
        self.stream = stream or sys.stdout
        self._wake = wake or threading.Event()      # set: stop waiting (SIGTERM)
        self.tty = self.stream.isatty()
        self._width = 0
        self._printed_at = -PLAIN_EVERY_S

    def update(self, snap: Snapshot) -> None:
        text = status_text(snap)
        if self.tty:
            self.stream.write("\r" + text.ljust(self._width))
            self._width = len(text)
            self.stream.flush()
        elif time.monotonic() - self._printed_at >= PLAIN_EVERY_S:
            self.stream.write(text + "\n")
            self.stream.flush()
            self._printed_at = time.monotonic()

    def wait(self, seconds: float) -> None:
        """Sleep between updates, waking early when ``wake`` is set."""
        self._wake.wait(seconds)

    def close(self) -> None:
        if self.tty and self._width:
            self.stream.write("\n")
            self.stream.flush()

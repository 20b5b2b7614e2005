"""What a trainee sees during a live session: the blitted plot window and the console status line.

Both are a ``Display``: the live loop shows each snapshot, waits, and stops when the display is closed;
``NoDisplay`` shows nothing (a session run by a program). May import ``live.view`` and matplotlib (only
``plot``).
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from talkbalance.live.view import Snapshot


class Display(Protocol):
    """A live display: ``update`` with the latest snapshot, ``wait`` between updates (a window handles its
    events then), ``closed`` once the user closed it, ``close`` at the end."""

    @property
    def closed(self) -> bool: ...

    def update(self, snap: Snapshot) -> None: ...

    def wait(self, seconds: float) -> None: ...

    def close(self) -> None: ...


class NoDisplay:
    """A ``Display`` that shows nothing: it only waits (woken early by ``wake``, e.g. SIGTERM's stop event)."""

    closed = False

    def __init__(self, wake: threading.Event | None = None):
        self._wake = wake or threading.Event()

    def update(self, snap: Snapshot) -> None:
        pass

    def wait(self, seconds: float) -> None:
        self._wake.wait(seconds)

    def close(self) -> None:
        pass

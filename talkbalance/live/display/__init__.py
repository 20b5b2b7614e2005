"""What a trainee sees during a live session: the blitted plot window and the console status line.

``plot`` lays the window out (a lane and a column of counts per speaker), ``blit`` redraws and blits it
part by part, ``text_cache`` draws its changing texts from cached bitmaps; ``status_line`` is the console
line. Both displays are a ``Display``: the live loop shows each snapshot, waits, and stops when the
display is closed; ``NoDisplay`` shows nothing (a session run by a program). They read ``live.view``
snapshots and may import ``core`` and ``report`` (the window takes the look of report.png from
``report.style``); never ``io`` or ``cli``.
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

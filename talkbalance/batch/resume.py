"""When a session's folder already holds its results: the fingerprint of what it was analysed from.

The fingerprint is every input's absolute path, size and modification time, the channels, the settings used (the
whole config, as ``summary.json`` ``config`` holds it) and the formats written. It is kept in
``<session folder>/.batch.json``, written after the session's files are complete and removed before they are
replaced, so it never vouches for files that are not all there.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from talkbalance.batch.sessions import Session
from talkbalance.config import Config
from talkbalance.io.outputs import write_atomic

MARKER = ".batch.json"


def fingerprint(session: Session, config: Config, formats: tuple[str, ...]) -> dict:
    """What the session's results depend on (a missing input has no size or time)."""
    def described(path: str) -> dict:
        try:
            st = os.stat(path)
        except OSError:
            return {"path": path, "size_bytes": None, "mtime_ns": None}
        return {"path": path, "size_bytes": st.st_size, "mtime_ns": st.st_mtime_ns}

    channels = session.settings.channels
    return {"inputs": [described(p) for p in session.inputs], "channels": list(channels) if channels else None,
            "config": config.as_dict(), "formats": list(formats)}


def is_complete(folder: Path, expected: dict) -> bool:
    """``folder``'s summary.json is complete and was made from what ``expected`` describes."""
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        stored = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return summary.get("complete") is True and stored == expected


def forget(folder: Path) -> None:
    """The folder's results are about to be replaced: stop vouching for them."""
    (folder / MARKER).unlink(missing_ok=True)


def remember(folder: Path, done: dict) -> None:
    """The folder's results are complete and made from what ``done`` describes."""
    write_atomic(folder / MARKER, json.dumps(done, indent=1) + "\n")

"""The output formats a session folder can hold, by the names ``formats`` takes, and the file each one writes.

``summary.json`` is always written, whatever is chosen: its ``complete`` flag is how a reader (and ``batch``
resuming) knows that the folder's files belong together.
"""
from __future__ import annotations

from collections.abc import Iterable

from talkbalance.errors import ConfigError

FORMAT_FILES = {"json": "summary.json", "csv": "events.csv", "rttm": "activity.rttm", "labels": "labels.txt",
                "png": "report.png", "html": "report.html", "textgrid": "activity.TextGrid",
                "eaf": "activity.eaf"}   # summary.json first
DEFAULT_FORMATS = ("json", "csv", "rttm", "labels", "png", "html")      # what `analyze` and `live` write
BATCH_FORMATS = ("json", "csv", "rttm", "labels", "html")     # a corpus run's: drawing report.png costs more than a
# short session; report.html about 1 ms per 100 s session (10 ms an hour), linking the file where it lies


def check_formats(names: Iterable[str]) -> tuple[str, ...]:
    """``names`` checked, in ``FORMAT_FILES`` order, with ``json`` always among them; raises ``ConfigError``."""
    chosen = {name.strip().lower() for name in names} - {""}
    unknown = sorted(chosen - FORMAT_FILES.keys())
    if unknown or not chosen:
        found = f"has the unknown name {unknown[0]!r}" if unknown else "names no format"
        raise ConfigError(f"`formats` {found}; choose from {', '.join(FORMAT_FILES)} (comma-separated).")
    return tuple(name for name in FORMAT_FILES if name in chosen | {"json"})

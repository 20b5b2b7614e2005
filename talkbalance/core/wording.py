"""Plain-language wording shared by the console, report.png and the live window."""
from __future__ import annotations


def plural(count: int, word: str, words: str | None = None) -> str:
    """``1 turn``, ``2 turns`` (``words`` for an irregular plural)."""
    return f"{count} {word if count == 1 else (words or word + 's')}"


def speaker_label(name: str, role: str) -> str:
    """``name (role)``; just the name when there is no role or the name already says it."""
    return f"{name} ({role})" if role and role.lower() != name.lower() else name


def clock(seconds: float) -> str:
    """``m:ss``, or ``h:mm:ss`` from one hour on."""
    total = int(round(seconds))
    h, rest = divmod(total, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"

"""The ``summary.json`` document of a session (OUTPUTS.md): its figures, where it came from and how."""
from __future__ import annotations

from typing import TYPE_CHECKING

from talkbalance.config import Config
from talkbalance.version import __version__

if TYPE_CHECKING:
    from talkbalance.core.types import SessionResult

SCHEMA_VERSION = 1       # the output files' layout; change it only with a README note


def source_block(described: dict, sample_rate_hz: int, channels: object, duration_s: float, cfg: Config) -> dict:
    """``summary.json`` ``source``: what the input was (``described``: its ``inputs`` and the like), its rate,
    channels and length, and how it was analysed."""
    return {**described, "sample_rate": sample_rate_hz, "channels": channels, "duration_s": round(duration_s, 3),
            "analysis_rate": cfg.vad.rate_hz, "frame_ms": cfg.vad.frame_ms}


def _recorded_at(result: SessionResult) -> str | None:
    """``source.recorded_at``: ISO 8601 to the second with its UTC offset (a naive time is taken as local)."""
    t = result.recorded_at
    if t is None:
        return None
    return (t if t.tzinfo else t.astimezone()).isoformat(timespec="seconds")


def summary_document(result: SessionResult, complete: bool = True) -> dict:
    """The full ``summary.json`` mapping; ``complete`` is False for the interim saves of a live session."""
    q = result.quality
    return {
        "schema_version": SCHEMA_VERSION,
        "tool_version": __version__,
        "complete": complete,
        "source": {**result.source, "recorded_at": _recorded_at(result)},
        "config": result.config.as_dict(),
        **result.figures.as_dict(),
        "quality": {
            "dropped_blocks": q.dropped_blocks,
            "dropped_block_times_s": q.dropped_block_times_s,
            "clipped_share": dict(zip(result.names, q.clipped_share)),
            "silent_channels": q.silent_channels,
            "warnings": q.warnings,
        },
    }

"""Plain data types shared by the engine, the writers and the report.

All times are integer analysis frames (``frame_s`` seconds each, e.g. 10 ms);
conversion to seconds happens only in the writers and the report.
"""
from __future__ import annotations

from dataclasses import dataclass, field

EVENT_KINDS = ("interruption", "backchannel", "simultaneous_start", "transition_overlap", "pause", "gap")


@dataclass(frozen=True)
class Spurt:
    """One talk spurt ``[start, end)`` of channel ``speaker`` (0-based)."""

    speaker: int
    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Event:
    """An overlap or silence event, per OUTPUTS.md ``events.csv``.

    ``speaker`` is the actor (interrupter, backchanneller, the one who paused,
    the responder after a gap); ``other`` is the partner or ``None`` for pauses.
    """

    kind: str
    start: int
    end: int
    speaker: int
    other: int | None = None
    outcome: str = ""


@dataclass(frozen=True)
class Turn:
    """A floor-holding stretch of ``speaker``: from the start of the spurt that took
    the floor to the end of their last spurt before the partner took it."""

    speaker: int
    start: int
    end: int


@dataclass(frozen=True)
class FloorChange:
    """The floor passes from ``previous`` to ``speaker``; ``offset`` is the FTO in frames
    (start of the new speaker's spurt minus end of the previous speaker's last spurt)."""

    speaker: int
    previous: int
    at: int
    offset: int


@dataclass
class Conversation:
    """Everything derived from the talk spurts of a session (METRICS.md §2-4)."""

    spurts: list[list[Spurt]]
    events: list[Event]
    turns: list[Turn]
    floor_changes: list[FloorChange]


@dataclass
class Quality:
    """Signal-quality findings; they become ``summary.json`` ``quality``."""

    dropped_blocks: int = 0
    dropped_block_times_s: list[float] = field(default_factory=list)
    clipped_share: list[float] = field(default_factory=list)
    silent_channels: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class SessionResult:
    """Final result of one analysed session."""

    names: list[str]
    roles: list[str]
    frame_s: float
    duration_frames: int
    conversation: Conversation
    summary: dict
    quality: Quality

    def seconds(self, frames: int) -> float:
        return frames * self.frame_s

"""Plain data types shared by the engine, the writers and the report.

All times are integer analysis frames (``frame_s`` seconds each, e.g. 10 ms);
conversion to seconds happens only in the writers and the report.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from talkbalance.config import Config
from talkbalance.core.figures import SessionFigures, SpeakerFigures
from talkbalance.core.summary import summary_document

if TYPE_CHECKING:
    from pyannote.core import Annotation

EventKind = Literal["interruption", "backchannel", "simultaneous_start", "transition_overlap", "pause", "gap"]


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

    kind: EventKind
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


@dataclass(frozen=True)
class SessionEvent:
    """An event as ``events.csv`` has it: seconds (3 decimals) and speaker names."""

    kind: EventKind
    start_s: float
    end_s: float
    speaker: str
    other: str | None
    outcome: str                       # "successful" / "unsuccessful" for interruptions, else ""


@dataclass(frozen=True)
class Recording:
    """The audio a session was analysed from: its files (paths as given) and the channels taken from a
    multichannel file (counted from 1; ``None``: channels 1 and 2, or one mono file per speaker)."""

    paths: tuple[str, ...]
    channels: tuple[int, ...] | None = None


@dataclass
class SessionResult:
    """Final result of one analysed session.

    ``figures`` are its typed figures (``summary.json``'s ``speakers``, ``session`` and ``coaching``);
    ``source`` describes the input (``summary.json`` ``source``) and ``file_id`` names it in the RTTM;
    ``recorded_at`` is when the session was recorded (set where the audio comes in: the input file's modification
    time, a live capture's start; None when unknown), ``summary.json`` ``source.recorded_at``.
    ``recording`` is the audio it was analysed from, the one report.html plays (``None``: none on file).
    """

    names: list[str]
    roles: list[str]
    frame_s: float
    duration_frames: int
    conversation: Conversation
    figures: SessionFigures
    quality: Quality
    config: Config = field(default_factory=Config)
    source: dict = field(default_factory=dict)
    file_id: str = "session"
    recorded_at: datetime | None = None
    recording: Recording | None = None

    def seconds(self, frames: int) -> float:
        return frames * self.frame_s

    def summary(self, complete: bool = True) -> dict:
        """Exactly the document ``summary.json`` holds; ``complete`` is False for a live session's interim saves."""
        return summary_document(self, complete)

    @property
    def speakers(self) -> list[SpeakerFigures]:
        """Each speaker's figures, in channel order."""
        return self.figures.speakers

    @property
    def events(self) -> list[SessionEvent]:
        """Every event in time order, as ``events.csv`` lists them."""
        def name(k: int | None) -> str | None:
            return None if k is None else self.names[k]

        return [SessionEvent(e.kind, round(e.start * self.frame_s, 3), round(e.end * self.frame_s, 3),
                             self.names[e.speaker], name(e.other), e.outcome)
                for e in sorted(self.conversation.events, key=lambda e: (e.start, e.end, e.speaker))]

    def to_annotation(self, uri: str | None = None) -> Annotation:
        """The talk spurts as a ``pyannote.core.Annotation``: one segment per spurt (seconds, 3 decimals, as in
        activity.rttm), labelled with the speaker's name, one track per speaker; ``uri`` defaults to ``file_id``.

        Needs pyannote.core (``pip install pyannote.core``), imported only here.
        """
        try:
            from pyannote.core import Annotation, Segment
        except ImportError:
            raise ImportError("SessionResult.to_annotation needs pyannote.core: pip install pyannote.core "
                              "(nothing else in talkbalance does)") from None
        annotation = Annotation(uri=self.file_id if uri is None else uri)
        for k, spurts in enumerate(self.conversation.spurts):
            for s in spurts:
                annotation[Segment(round(self.seconds(s.start), 3), round(self.seconds(s.end), 3)), k] = self.names[k]
        return annotation

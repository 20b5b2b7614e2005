"""The typed figures of a session (METRICS.md §3, §5, §6), as ``core.metrics`` computes them.

Times are seconds rounded to 3 decimals, shares 4 decimals: exactly the values ``summary.json``
shows. ``SessionFigures.as_dict`` gives its ``speakers``, ``session`` and ``coaching`` blocks.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

Distribution = dict[str, float | int | None]     # "count" and named percentiles ("median_s", "p90_s", ...)
CoachingKey = Literal["talk_share", "interruptions", "response_space", "monologue", "listening"]


@dataclass(frozen=True)
class SpeakerFigures:
    """One speaker's figures, as ``summary.json`` ``speakers`` holds them."""

    name: str
    channel: int                       # 1-based
    role: str                          # "trainee", "client" or ""
    talk_time_s: float
    talk_share: float | None           # of all talk; None when nobody spoke
    turns: int
    longest_monologue_s: float
    interruptions_made: dict[str, int]     # by outcome: "successful", "unsuccessful"
    interrupted_by_other: int
    backchannels: int
    simultaneous_starts: int
    transition_overlaps: int
    pauses: Distribution               # count, median_s, p90_s, max_s
    response_latency: Distribution     # the gaps before this speaker's turns: count, median_s, p90_s
    fto: Distribution                  # floor-transfer offsets: count, median_s, p10_s, p90_s


@dataclass(frozen=True)
class SessionTotals:
    """Figures of the whole session, as ``summary.json`` ``session`` holds them."""

    duration_s: float
    speech_s: float
    silence_s: float
    overlap_s: float
    overlap_share_of_speech: float | None
    floor_changes: int
    switches_per_min: float | None
    interruptions: int
    backchannels: int
    simultaneous_starts: int
    transition_overlaps: int
    fto: Distribution


@dataclass(frozen=True)
class CoachingItem:
    """One active-listening item: the trainee's ``value`` against ``target``, and what to do.

    ``key`` names the item for code (``item`` is its English title in ``summary.json``);
    ``times`` lists the moments behind it where it has any.
    """

    key: CoachingKey
    item: str
    value: float | int
    target: dict[str, float]
    met: bool
    message: str
    times: list[dict[str, float | str]] | None = None
    median_response_s: float | None = None      # "leave space before answering" only

    def as_dict(self) -> dict:
        """The item as ``summary.json`` ``coaching`` lists it (``key`` is not part of the file)."""
        out: dict = {"item": self.item, "value": self.value, "target": self.target, "met": self.met}
        if self.key == "response_space":
            out["median_response_s"] = self.median_response_s
        if self.times is not None:
            out["times"] = self.times
        out["message"] = self.message
        return out


@dataclass(frozen=True)
class SessionFigures:
    """Every figure of a session: per speaker (channel order), the session totals and the coaching items
    (empty unless one trainee and one client are set)."""

    speakers: list[SpeakerFigures]
    session: SessionTotals
    coaching: list[CoachingItem]

    def coaching_item(self, key: CoachingKey) -> CoachingItem | None:
        return next((c for c in self.coaching if c.key == key), None)

    def as_dict(self) -> dict:
        """The ``speakers``, ``session`` and ``coaching`` blocks of ``summary.json``."""
        return {"speakers": [dataclasses.asdict(s) for s in self.speakers],
                "session": dataclasses.asdict(self.session),
                "coaching": [c.as_dict() for c in self.coaching]}

"""The look ``report.png`` and the live window share: colours, the timeline's lanes, title font and legend pieces.

A timeline has one lane per speaker, the first on top, lanes 1 apart; each speaker's bars
are ``BAR_HEIGHT`` tall on the lane, and the overlap shading spans every lane.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from talkbalance.core.wording import speaker_label

if TYPE_CHECKING:
    from matplotlib.patches import Patch

SPEAKER_COLOURS = ("#2b6cb0", "#dd6b20", "#2f855a", "#805ad5")
INK = "#1a202c"
MUTED = "#718096"
GRID_COLOUR = "#e2e8f0"
OVERLAP_COLOUR = "#e53e3e"
OVERLAP_ALPHA = 0.25
TARGET_COLOUR = "#276749"
TITLE_FONT: dict[str, Any] = {"fontsize": 13, "weight": "bold", "color": INK}   # titles, as keywords

BAR_HEIGHT = 0.5                       # of a timeline lane (lanes are 1 apart)
MARK_OFFSET = BAR_HEIGHT / 2 + 0.1     # event markers sit this far above/below the lane centre

# kind -> (legend label, marker, colour, size, filled); drawn below the actor's bar
SMALL_MARKS = {
    "backchannel": ("backchannel", "|", "#2f855a", 9, True),
    "simultaneous_start": ("simultaneous start", "D", "#6b46c1", 4, True),
    "transition_overlap": ("transition overlap", "o", "#319795", 5, False),
}


def speaker_colour(k: int) -> str:
    """Speaker ``k``'s colour (the colours repeat past the fourth speaker)."""
    return SPEAKER_COLOURS[k % len(SPEAKER_COLOURS)]


def lanes(n_speakers: int) -> list[int]:
    """The y of each speaker's lane: the first speaker on top."""
    return [n_speakers - 1 - k for k in range(n_speakers)]


def timeline_ylim(n_speakers: int) -> tuple[float, float]:
    """y limits of a timeline: room for the marks below the lowest lane and above the top one."""
    return -0.7, n_speakers - 0.25


def overlap_span(n_speakers: int) -> tuple[float, float]:
    """y extent of the overlap shading: every lane."""
    return -0.5, n_speakers - 0.5


def lane_label(name: str, role: str, two_lines: bool = False) -> str:
    """A lane's label, ``name (role)``; ``two_lines`` puts the role under the name."""
    label = speaker_label(name, role)
    return label.replace(" (", "\n(") if two_lines else label


def share_axis_label(first: str) -> str:
    """The share bar's axis: it reads the share of ``first``, whose bar starts at 0 (the trainee, if any)."""
    return f"{first}'s share of all talk time (%), from the left"


def small_mark_style(kind: str) -> dict[str, Any]:
    """The marker, size and colours of a ``SMALL_MARKS`` kind, as ``plot``/``Line2D`` keywords."""
    _, marker, colour, size, filled = SMALL_MARKS[kind]
    return {"marker": marker, "markersize": size, "color": colour, "markerfacecolor": colour if filled else "white"}


def overlap_handle() -> Patch:
    """The legend's proxy for the overlap shading (matplotlib is imported here: report.html uses this module too)."""
    from matplotlib.patches import Patch

    return Patch(facecolor=OVERLAP_COLOUR, alpha=OVERLAP_ALPHA, label="both speaking")

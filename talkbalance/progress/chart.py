"""progress.png: the trainee's figures over the sessions, one panel per figure, each session's target shaded.

Drawn on an Agg canvas (no pyplot, no global backend), in the look of ``report.style``; the x axis counts the
sessions in time order and names their dates. A point is green on target and red off it.
"""
from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

from talkbalance.progress.figures import HEALTHY_LATENCY_S, SessionRow, Targets
from talkbalance.report.png import MET_COLOUR, NOT_MET_COLOUR
from talkbalance.report.style import GRID_COLOUR, INK, MUTED, TARGET_COLOUR, TITLE_FONT, speaker_colour

SIZE_IN = (16, 9)
DPI = 100
TARGET_ALPHA = 0.14
ALL_TICKS_UP_TO = 12         # sessions; past that the x axis names some of them


@dataclass(frozen=True)
class Panel:
    """One figure over the sessions: its ``SessionRow`` attribute, title, y label, display scale, target band
    per session (``None`` for no upper bound) and the target in words (the latest session's)."""

    key: str
    title: str
    ylabel: str
    scale: float
    band: Callable[[SessionRow], tuple[float, float | None]]
    target: Callable[[Targets], str]


PANELS = (
    Panel("talk_share", "Trainee talk share", "% of all talk time", 100,
          lambda r: (r.targets.talk_share_min, r.targets.talk_share_max),
          lambda t: f"target {t.talk_share_min:.0%}–{t.talk_share_max:.0%}"),
    Panel("interruptions_per_10_min", "Interruptions", "of the client, per 10 minutes", 1,
          lambda r: (0.0, r.targets.max_interruptions * 600 / r.duration_s if r.duration_s else 0.0),
          lambda t: "target: none" if t.max_interruptions == 0 else f"target: at most {t.max_interruptions} per session"),
    Panel("quick_response_share", "Quick answers", "% of answers", 100,
          lambda r: (0.0, r.targets.max_quick_response_share),
          lambda t: f"target: at most {t.max_quick_response_share:.0%}"),
    Panel("backchannels_per_client_min", "Backchannels", "per minute of client speech", 1,
          lambda r: (r.targets.min_backchannels_per_client_min, None),
          lambda t: f"target: at least {t.min_backchannels_per_client_min:g}"),
    Panel("median_response_latency_s", "Median response latency", "seconds", 1, lambda r: HEALTHY_LATENCY_S,
          lambda t: f"healthy: {HEALTHY_LATENCY_S[0]:g}–{HEALTHY_LATENCY_S[1]:g} s"),
    Panel("longest_monologue_s", "Longest monologue", "seconds", 1, lambda r: (0.0, r.targets.monologue_alert_s),
          lambda t: f"target: under {t.monologue_alert_s:g} s"),
)


def progress_png(rows: list[SessionRow]) -> bytes:
    """progress.png as bytes, for the rows of one trainee in time order."""
    buf = io.BytesIO()
    progress_figure(rows).savefig(buf, dpi=DPI, format="png")
    return buf.getvalue()


def progress_figure(rows: list[SessionRow]) -> Figure:
    fig = Figure(figsize=SIZE_IN, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    first, last = rows[0].recorded_at.date(), rows[-1].recorded_at.date()
    span = f"{first:%d %b %Y}" if first == last else f"{first:%d %b %Y} to {last:%d %b %Y}"
    fig.suptitle(f"Active-listening practice of {rows[0].trainee}: {len(rows)} session{'s' * (len(rows) != 1)}, "
                 f"{span}", fontsize=17, weight="bold", color=INK, x=0.01, ha="left")
    for ax, panel in zip(fig.subplots(2, 3).flat, PANELS):
        _draw_panel(ax, panel, rows)
    fig.legend(handles=[Patch(facecolor=TARGET_COLOUR, alpha=TARGET_ALPHA * 2, label="target (each session's)"),
                        Line2D([], [], marker="o", linestyle="", color=MET_COLOUR, label="on target"),
                        Line2D([], [], marker="o", linestyle="", color=NOT_MET_COLOUR, label="off target")],
               loc="outside lower center", ncols=3, frameon=False, fontsize=11)
    return fig


def _draw_panel(ax: Axes, panel: Panel, rows: list[SessionRow]) -> None:
    """The panel's line over the sessions (x = 1, 2, ...), its target band as steps, and the axes."""
    xs = range(1, len(rows) + 1)
    values = [getattr(r, panel.key) for r in rows]
    scaled = [None if v is None else v * panel.scale for v in values]
    bands = [panel.band(r) for r in rows]
    shown = [v for v in scaled if v is not None]
    finite = [b * panel.scale for lo, hi in bands for b in (lo, hi) if b is not None]
    top = max(shown + finite + [1e-9]) * 1.2 or 1.0
    edges = [x + d for x in xs for d in (-0.5, 0.5)]
    lows = [lo * panel.scale for lo, _ in bands for _ in (0, 1)]
    highs = [(top if hi is None else hi * panel.scale) for _, hi in bands for _ in (0, 1)]
    ax.fill_between(edges, lows, highs, color=TARGET_COLOUR, alpha=TARGET_ALPHA, linewidth=0)
    ax.plot(edges, lows, color=TARGET_COLOUR, linewidth=1, alpha=0.6)
    if any(hi is not None for _, hi in bands):
        ax.plot(edges, highs, color=TARGET_COLOUR, linewidth=1, alpha=0.6)
    ax.plot(xs, [float("nan") if v is None else v for v in scaled], color=speaker_colour(0), linewidth=2, zorder=3)
    for x, v, (lo, hi) in zip(xs, scaled, bands):
        if v is not None:
            inside = lo * panel.scale <= v and (hi is None or v <= hi * panel.scale)
            ax.plot(x, v, marker="o", markersize=8, color=MET_COLOUR if inside else NOT_MET_COLOUR, zorder=4)
    if not shown:
        ax.text(0.5, 0.5, "no value in these sessions", transform=ax.transAxes, ha="center", color=MUTED)
    ax.set_title(panel.title, loc="left", **TITLE_FONT)
    ax.set_title(panel.target(rows[-1].targets), loc="right", fontsize=10.5, color=TARGET_COLOUR, weight="bold")
    ax.set_ylabel(panel.ylabel, color=INK)
    ax.set_ylim(0, top)
    ax.set_xlim(0.5, len(rows) + 0.5)
    ax.xaxis.set_major_locator(FixedLocator(list(xs)) if len(rows) <= ALL_TICKS_UP_TO
                               else MaxNLocator(nbins=ALL_TICKS_UP_TO, integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: _session_tick(rows, x)))
    ax.tick_params(axis="x", labelsize=9)
    ax.grid(axis="y", color=GRID_COLOUR)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _session_tick(rows: list[SessionRow], x: float) -> str:
    """``#2`` over the session's day, for a whole-numbered session."""
    k = round(x)
    if abs(x - k) > 1e-6 or not 1 <= k <= len(rows):
        return ""
    return f"#{k}\n{rows[k - 1].recorded_at:%d %b}"

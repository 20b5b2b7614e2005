"""The session picture ``report.png`` (OUTPUTS.md).

One 1600x1000 px image: on top a timeline of every speaker's talk spurts with
overlaps, interruptions, backchannels and the other overlap events marked;
below it the talk share, the pause and gap durations, and the floor-transfer
offsets, in the style of ``style`` (shared with the live window). Rendered on an Agg canvas directly (no pyplot, no global backend), so
it works without a display and leaves other matplotlib users alone.
"""
from __future__ import annotations

import io
import textwrap
from typing import Any, cast

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, MultipleLocator
from matplotlib.transforms import offset_copy

from talkbalance.core.figures import CoachingItem
from talkbalance.core.spurts import overlapping
from talkbalance.core.types import SessionResult
from talkbalance.core.wording import clock, plural, speaker_label
from talkbalance.report.style import (
    BAR_HEIGHT,
    GRID_COLOUR,
    INK,
    MARK_OFFSET,
    MUTED,
    OVERLAP_ALPHA,
    OVERLAP_COLOUR,
    SMALL_MARKS,
    TARGET_COLOUR,
    TITLE_FONT,
    lane_label,
    lanes,
    overlap_handle,
    overlap_span,
    share_axis_label,
    small_mark_style,
    speaker_colour,
    timeline_ylim,
)

SIZE_IN = (16, 10)
HEADER_IN = 1.1                        # inches of title and key figures above the panels
COACHING_COLUMNS_PT = (75, 280)        # where the coaching item names and findings start, after the verdict
COACHING_IN = 0.34                     # extra figure height per line of coaching (inches)
COACHING_PT = 11.5                     # coaching font size
COACHING_MARGINS_PT = 80               # the axes' left margin and a right margin, beside the findings' column
CHAR_EM = 0.6                          # a generous average character width, in ems (DejaVu Sans: about 0.53)
DPI = 100
ROW_RATIOS = (1.15, 1.0)               # heights of the timeline and of the row of panels under it
PANEL_RATIOS = (1.0, 1.1, 1.1)         # widths of the talk share, pauses and gaps, floor-transfer panels
MINUTE_TICKS_AFTER_S = 5 * 60          # longer sessions get mm:ss tick labels
MIN_LABEL_GAP = 0.06                   # "A→B" labels closer than this (share of the timeline) are skipped
MET_COLOUR = "#276749"
NOT_MET_COLOUR = "#c53030"

# boxplot's ``orientation`` arrived in matplotlib 3.10 (and ``vert`` is deprecated since 3.11)
HORIZONTAL_BOX = ({"orientation": "horizontal"}
                  if tuple(int(p) for p in matplotlib.__version__.split(".")[:2]) >= (3, 10) else {"vert": False})


def report_png(result: SessionResult) -> bytes:
    """report.png as bytes."""
    buf = io.BytesIO()
    report_figure(result).savefig(buf, dpi=DPI, format="png")
    return buf.getvalue()


def report_figure(result: SessionResult) -> Figure:
    """The report: header, timeline, talk share, pause/gap/FTO distributions and the coaching verdicts."""
    coaching = result.figures.coaching
    findings = [_wrap_finding(item.message) for item in coaching]
    coaching_lines = sum(len(f) for f in findings)
    height_in = SIZE_IN[1] + (COACHING_IN * (coaching_lines + 1.5) if coaching else 0.0)
    fig = Figure(figsize=(SIZE_IN[0], height_in), dpi=DPI)
    FigureCanvasAgg(fig)
    labels = [speaker_label(name, role) for name, role in zip(result.names, result.roles)]
    timeline, share, silences, fto = (fig.add_axes((0, 0, 1, 1)) for _ in range(4))

    _draw_header(fig, result, labels, height_in)
    _draw_timeline(timeline, result)
    _draw_talk_share(share, result, labels)
    _draw_silences(silences, result)
    _draw_fto(fto, result)
    coach = None
    if coaching:
        coach = fig.add_axes((0, 0, 1, 1))
        _draw_coaching(coach, result, coaching, findings)
    _arrange(fig, timeline, (share, silences, fto), coach, COACHING_IN * coaching_lines)
    return fig


def _arrange(fig: Figure, timeline: Axes, panels: tuple[Axes, Axes, Axes], coach: Axes | None,
             coach_in: float) -> None:
    """Place the axes (inches, from the top): the header, the timeline, the three panels in a row, the coaching.

    Margins are fixed but where y tick labels, y labels and texts wider than their panel go, which are
    measured: a hand-made layout costs a few text measurements, where a layout engine measures every text
    of the figure twice.
    """
    width_in, height_in = fig.get_size_inches()
    renderer = fig.canvas.get_renderer()        # type: ignore[attr-defined]  # an Agg canvas
    edge, title_in, axis_in, two_line_axis_in = 0.2, 0.42, 0.55, 0.75
    left_in = edge + _labels_in(renderer, timeline)
    timeline_top = HEADER_IN + title_in
    fixed = timeline_top + axis_in + title_in + two_line_axis_in + (title_in + coach_in if coach else 0.0) + edge
    timeline_in, panels_in = (height_in - fixed) * np.array(ROW_RATIOS) / sum(ROW_RATIOS)

    def place(ax: Axes, x_in: float, top_in: float, w_in: float, h_in: float) -> None:
        ax.set_position((x_in / width_in, 1 - (top_in + h_in) / height_in, w_in / width_in, h_in / height_in))

    place(timeline, left_in, timeline_top, width_in - left_in - edge, timeline_in)
    panels_top = timeline_top + timeline_in + axis_in + title_in
    x_in = left_in
    for ax, (gap, w_in) in zip(panels, _row_in(renderer, panels, width_in - left_in - edge)):
        x_in += gap
        place(ax, x_in, panels_top, w_in, panels_in)
        x_in += w_in
    if coach is not None:
        place(coach, left_in, panels_top + panels_in + two_line_axis_in + title_in, width_in - left_in - edge, coach_in)


def _row_in(renderer: Any, panels: tuple[Axes, ...], row_in: float) -> list[tuple[float, float]]:
    """The gap before and the width of each panel of a row ``row_in`` wide (inches; widths in ``PANEL_RATIOS``).

    A gap holds the next panel's y labels, and whatever of the panel before it runs on past its right edge (a
    title or a talk-share line wider than the panel); as the gaps grow the panels narrow, so it is found in a
    few rounds.
    """
    labels = [_labels_in(renderer, ax) for ax in panels]
    reaches = [_reach_in(renderer, ax) for ax in panels]
    ratios = np.array(PANEL_RATIOS) / sum(PANEL_RATIOS)
    base = [0.0] + [0.45 + label for label in labels[1:]]
    gaps = base
    for _ in range(3):
        widths = ratios * (row_in - sum(gaps))
        gaps = base[:1] + [max(gap, reach - w_in + label + 0.3)
                           for gap, reach, w_in, label in zip(base[1:], reaches, widths, labels[1:])]
    return [(gap, float(w_in)) for gap, w_in in zip(gaps, ratios * (row_in - sum(gaps)))]


def _text_in(renderer: Any, text: str, font: FontProperties) -> float:
    """Width of ``text``'s widest line (inches)."""
    return max(renderer.get_text_width_height_descent(line, font, ismath=False)[0] for line in text.split("\n")) / DPI


def _labels_in(renderer: Any, ax: Axes) -> float:
    """Width of ``ax``'s y tick labels and y label, with their padding (inches)."""
    ticks = [t for t in ax.get_yticklabels() if t.get_text()]
    widest = max((_text_in(renderer, t.get_text(), t.get_fontproperties()) for t in ticks), default=0.0)
    ylabel = ax.yaxis.label.get_fontproperties().get_size_in_points() / 72 * 1.4 if ax.get_ylabel() else 0.0
    return widest + ylabel + (0.12 if ticks else 0.0)


def _reach_in(renderer: Any, ax: Axes) -> float:
    """How far right of ``ax``'s left edge its title and left-aligned texts (the talk-share lines) reach (inches)."""
    title_font = FontProperties(size=TITLE_FONT["fontsize"], weight=TITLE_FONT["weight"])
    texts = [_text_in(renderer, t.get_text(), t.get_fontproperties()) for t in ax.texts
             if t.get_horizontalalignment() == "left"]
    return max([_text_in(renderer, ax.get_title(loc="left"), title_font), *texts])


# --- header -------------------------------------------------------------------------------


def _draw_header(fig: Figure, result: SessionResult, labels: list[str], height_in: float) -> None:
    """Title with the session length, and one line of key counts under it."""
    duration_s = result.seconds(result.duration_frames)
    fig.text(0.01, 1 - 0.25 / height_in, f"Session {clock(duration_s)}  ({duration_s:.1f} s)  —  " + "  ·  ".join(labels),
             fontsize=17, weight="bold", color=INK, va="center")
    for row, line in enumerate(_key_figures(result)):
        fig.text(0.01, 1 - (0.6 + 0.3 * row) / height_in, line, fontsize=11.5, color=INK, va="center")


def _key_figures(result: SessionResult) -> list[str]:
    """Interruptions made each way and backchannels made; the median response latency: two lines."""
    names, events = result.names, result.conversation.events
    ways = []
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            if i != j:
                made = [e for e in events if e.kind == "interruption" and e.speaker == i and e.other == j]
                won = sum(e.outcome == "successful" for e in made)
                ways.append(f"{a}→{b} {len(made)} ({won} successful)")
    backchannels = ", ".join(f"{a} {sum(e.kind == 'backchannel' and e.speaker == k for e in events)}"
                             for k, a in enumerate(names))
    latency = ", ".join(f"{s.name} {_fmt_s(s.response_latency['median_s'])}" for s in result.speakers)
    return [f"Interruptions made: {';  '.join(ways)}       Backchannels made: {backchannels}",
            f"Median response latency (the silent gap before a speaker comes in): {latency}"]


# --- timeline -----------------------------------------------------------------------------


def _draw_timeline(ax: Axes, result: SessionResult) -> None:
    """One lane per speaker with spurts, shaded overlaps and event markers."""
    n, fs, end_s = len(result.names), result.frame_s, _extent_s(result)
    lane = lanes(n)
    for k, spurts in enumerate(result.conversation.spurts):
        if spurts:
            ax.broken_barh([(s.start * fs, s.length * fs) for s in spurts],
                           (lane[k] - BAR_HEIGHT / 2, BAR_HEIGHT), facecolors=speaker_colour(k), linewidth=0)
    overlap = overlapping(result.conversation.spurts)
    if len(overlap):
        bottom, top = overlap_span(n)
        ax.broken_barh([(lo * fs, (hi - lo) * fs) for lo, hi in overlap.tolist()], (bottom, top - bottom),
                       facecolors=OVERLAP_COLOUR, alpha=OVERLAP_ALPHA, linewidth=0, zorder=3)
    _draw_interruptions(ax, result, lane, end_s)
    _draw_small_marks(ax, result, lane)

    ax.set_yticks(lane, [lane_label(name, role) for name, role in zip(result.names, result.roles)], fontsize=12)
    ax.set_ylim(*timeline_ylim(n))
    ax.tick_params(axis="y", length=0)
    _time_axis(ax, end_s)
    ax.grid(axis="x", color=GRID_COLOUR, linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title("Timeline", loc="left", **TITLE_FONT)
    ax.legend(handles=_timeline_legend(), loc="lower right", bbox_to_anchor=(1, 1), ncol=6,
              frameon=False, fontsize=10, handletextpad=0.4, columnspacing=1.4, borderaxespad=0.2)
    if not any(result.conversation.spurts):
        _note(ax, "no speech detected")


def _draw_interruptions(ax: Axes, result: SessionResult, lane: list[int], end_s: float) -> None:
    """A downward triangle above the interrupter's bar at the onset, filled when successful,
    labelled "A→B" where the labels of a lane do not run into each other."""
    fs, names = result.frame_s, result.names
    interruptions = [e for e in result.conversation.events if e.kind == "interruption"]
    for outcome, face in (("successful", INK), ("unsuccessful", "white")):
        chosen = [e for e in interruptions if e.outcome == outcome]
        if chosen:
            ax.plot([e.start * fs for e in chosen], [lane[e.speaker] + MARK_OFFSET for e in chosen],
                    linestyle="none", marker="v", markersize=9, markerfacecolor=face,
                    markeredgecolor=INK, markeredgewidth=1.2, zorder=5)
    last_label_s: dict[int, float] = {}
    for e in interruptions:
        x = e.start * fs
        if x - last_label_s.get(e.speaker, -end_s) < MIN_LABEL_GAP * end_s:
            continue
        last_label_s[e.speaker] = x
        ax.annotate(f"{names[e.speaker]}→{names[cast(int, e.other)]}", (x, lane[e.speaker] + MARK_OFFSET),
                    xytext=(0, 7), textcoords="offset points", ha="center", va="bottom",
                    fontsize=8.5, color=INK, zorder=5)


def _draw_small_marks(ax: Axes, result: SessionResult, lane: list[int]) -> None:
    """Backchannels, simultaneous starts and transition overlaps below the actor's bar."""
    fs = result.frame_s
    for kind in SMALL_MARKS:
        chosen = [e for e in result.conversation.events if e.kind == kind]
        if chosen:
            ax.plot([e.start * fs for e in chosen], [lane[e.speaker] - MARK_OFFSET for e in chosen],
                    linestyle="none", **small_mark_style(kind), markeredgewidth=1.3, zorder=5)


def _timeline_legend() -> list:
    """Proxy artists for the overlap shading and every event marker."""
    handles = [overlap_handle(),
               Line2D([], [], linestyle="none", marker="v", markersize=9, markerfacecolor=INK,
                      markeredgecolor=INK, label="interruption, successful"),
               Line2D([], [], linestyle="none", marker="v", markersize=9, markerfacecolor="white",
                      markeredgecolor=INK, markeredgewidth=1.2, label="interruption, unsuccessful")]
    for kind, (label, *_) in SMALL_MARKS.items():
        handles.append(Line2D([], [], linestyle="none", **small_mark_style(kind), markeredgewidth=1.3, label=label))
    return handles


def _time_axis(ax: Axes, end_s: float) -> None:
    """x from 0 to the end of the session: seconds, or mm:ss ticks past five minutes."""
    ax.set_xlim(0, end_s)
    if end_s <= MINUTE_TICKS_AFTER_S:
        ax.set_xlabel("time (s)")
        return
    step = next((s for s in (30, 60, 120, 300, 600, 900, 1800, 3600) if end_s / s <= 16), 7200)
    ax.xaxis.set_major_locator(MultipleLocator(step))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{int(x) // 60}:{int(x) % 60:02d}"))
    ax.set_xlabel("time (min:s)")


def _extent_s(result: SessionResult) -> float:
    """Seconds the timeline spans: the session, or the last spurt if that runs later; at least 1 s."""
    last = max((sp[-1].end for sp in result.conversation.spurts if sp), default=0)
    return max(result.seconds(max(result.duration_frames, last)), 1.0)


# --- talk share ---------------------------------------------------------------------------


def _draw_talk_share(ax: Axes, result: SessionResult, labels: list[str]) -> None:
    """A stacked 100 % bar (trainee first), the coaching target band, and per-speaker figures."""
    ax.set_title("Talk share", loc="left", **TITLE_FONT)
    shares = [s.talk_share for s in result.speakers]
    if not any(shares):
        _note(ax, "no speech: no talk share", clear=True)
        return
    trainee = result.roles.index("trainee") if "trainee" in result.roles else None
    order = sorted(range(len(shares)), key=lambda k: k != trainee)
    left = 0.0
    for k in order:
        width = 100 * (shares[k] or 0.0)
        ax.barh(0, width, left=left, height=0.6, color=speaker_colour(k), edgecolor="white", linewidth=1.5)
        if width >= 10:
            ax.text(left + width / 2, 0, f"{result.names[k]}\n{width:.0f} %", ha="center", va="center",
                    color="white", fontsize=12, weight="bold")
        left += width
    target = result.figures.coaching_item("talk_share")
    if trainee is not None and target is not None:
        lo, hi = 100 * target.target["min"], 100 * target.target["max"]
        ax.add_patch(Rectangle((lo, -0.42), hi - lo, 0.84, facecolor="none", edgecolor=TARGET_COLOUR,
                               hatch="//", linewidth=1.5, zorder=2.5))
        ax.text((lo + hi) / 2, 0.47, f"target for {result.names[trainee]}: {lo:.0f}–{hi:.0f} %",
                ha="center", va="bottom", fontsize=9.5, color=TARGET_COLOUR, weight="bold")
    for row, k in enumerate(range(len(shares))):
        ax.text(0, -0.75 - 0.33 * row, _share_line(result, k, labels[k]), ha="left", va="center",
                fontsize=10.5, color=speaker_colour(k))
    ax.set_xlim(0, 100)
    ax.set_ylim(-0.6 - 0.33 * len(shares) - 0.2, 0.85)
    ax.set_yticks([])
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel(share_axis_label(result.names[order[0]]))
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


def _share_line(result: SessionResult, k: int, label: str) -> str:
    """``A (trainee): talk 4:12 · 12 turns · longest 0:45``."""
    s = result.speakers[k]
    return (f"{label}: talk {clock(s.talk_time_s)}  ·  {plural(s.turns, 'turn')}"
            f"  ·  longest turn {clock(s.longest_monologue_s)}")


# --- pauses and gaps ----------------------------------------------------------------------


def _draw_silences(ax: Axes, result: SessionResult) -> None:
    """Box plot with every value as a dot: pauses and gaps (response latency) per speaker."""
    ax.set_title("Pauses and gaps (response latency)", loc="left", **TITLE_FONT)
    fs, events = result.frame_s, result.conversation.events
    rows = []
    for kind, what in (("pause", "pauses"), ("gap", "gaps")):
        for k, name in enumerate(result.names):
            values = [(e.end - e.start) * fs for e in events if e.kind == kind and e.speaker == k]
            figures = result.speakers[k]
            median = (figures.pauses if kind == "pause" else figures.response_latency)["median_s"]
            shown = f"median {median:.2f} s" if values and median is not None else "none"
            rows.append((f"{name} {what}\nn={len(values)}, {shown}", values, speaker_colour(k)))
    if not any(values for _, values, _ in rows):
        _note(ax, "no pauses or gaps", clear=True)
        return
    rng = np.random.default_rng(0)
    positions = list(range(len(rows), 0, -1))
    for pos, (_, values, colour) in zip(positions, rows):
        if not values:
            continue
        ax.boxplot([values], positions=[pos], widths=0.55, showfliers=False, **HORIZONTAL_BOX,
                   medianprops={"color": INK, "linewidth": 2}, boxprops={"color": colour},
                   whiskerprops={"color": colour}, capprops={"color": colour})
        ax.scatter(values, pos + rng.uniform(-0.18, 0.18, len(values)), s=12, color=colour,
                   alpha=0.5, linewidths=0, zorder=3)
    ax.set_yticks(positions, [label for label, _, _ in rows])
    ax.set_ylim(0.4, len(rows) + 0.6)
    ax.set_xlim(left=0)
    ax.set_xlabel("seconds")
    ax.grid(axis="x", color=GRID_COLOUR)
    ax.set_axisbelow(True)


# --- floor-transfer offsets ---------------------------------------------------------------


def _draw_fto(ax: Axes, result: SessionResult) -> None:
    """Histogram of floor-transfer offsets per incoming speaker, with 0 and the medians marked."""
    ax.set_title("Floor-transfer offsets", loc="left", **TITLE_FONT)
    fs = result.frame_s
    offsets = [[c.offset * fs for c in result.conversation.floor_changes if c.speaker == k]
               for k in range(len(result.names))]
    every = [v for values in offsets for v in values]
    if not every:
        _note(ax, "no floor changes", clear=True)
        return
    bins = np.histogram_bin_edges(every + [0.0], bins=int(np.clip(2 * np.sqrt(len(every)), 10, 40)))
    for k, values in enumerate(offsets):
        if not values:
            continue
        median = result.speakers[k].fto["median_s"]
        median = float(np.median(values)) if median is None else median
        ax.hist(values, bins=list(bins), histtype="stepfilled", alpha=0.45, color=speaker_colour(k),
                edgecolor=speaker_colour(k), linewidth=1.2,
                label=f"to {result.names[k]}: median {median:+.2f} s (n={len(values)})")
        ax.axvline(median, color=speaker_colour(k), linestyle="--", linewidth=2)
    ax.axvline(0, color=INK, linewidth=1.2)
    ax.set_ylim(top=ax.get_ylim()[1] * 1.3)               # headroom for the legend
    ax.legend(loc="upper left", fontsize=10, framealpha=0.9, edgecolor="none", title="incoming speaker",
              title_fontsize=10, alignment="left")
    ax.set_xlabel("new speaker's start − previous one's end, s\n(← overlap | gap →)")
    ax.set_ylabel("floor changes")
    ax.yaxis.get_major_locator().set_params(integer=True)   # type: ignore[call-arg]  # a MaxNLocator
    ax.grid(axis="y", color=GRID_COLOUR)
    ax.set_axisbelow(True)


# --- coaching -----------------------------------------------------------------------------


def _draw_coaching(ax: Axes, result: SessionResult, coaching: list[CoachingItem], findings: list[list[str]]) -> None:
    """Each coaching item: its verdict against the target, then what was found (``findings``: its lines)."""
    trainee = result.names[result.roles.index("trainee")] if "trainee" in result.roles else ""
    ax.set_axis_off()
    ax.set_title(f"Coaching for {trainee}", loc="left", **TITLE_FONT)
    step = 1 / sum(len(lines) for lines in findings)
    line = 0
    for item, lines in zip(coaching, findings):
        y = 1 - (line + len(lines) / 2) * step
        line += len(lines)
        verdict, colour = ("✓ met", MET_COLOUR) if item.met else ("✗ not met", NOT_MET_COLOUR)
        for x_pt, text, style in ((0, verdict, {"weight": "bold", "color": colour}),
                                  (COACHING_COLUMNS_PT[0], item.item, {"weight": "bold", "color": INK}),
                                  (COACHING_COLUMNS_PT[1], "\n".join(lines), {"color": INK})):
            ax.text(0, y, text, transform=offset_copy(ax.transAxes, cast(Figure, ax.figure), x=x_pt, units="points"),
                    fontsize=COACHING_PT, va="center", in_layout=False, **cast(dict[str, Any], style))


def _wrap_finding(message: str) -> list[str]:
    """A coaching finding in lines that fit between its column and the figure's right edge."""
    width_pt = SIZE_IN[0] * 72 - COACHING_COLUMNS_PT[1] - COACHING_MARGINS_PT
    return textwrap.wrap(message, width=int(width_pt / (CHAR_EM * COACHING_PT))) or [""]


# --- small helpers ------------------------------------------------------------------------


def _fmt_s(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} s"


def _note(ax: Axes, text: str, clear: bool = False) -> None:
    """A grey centred remark in place of data; ``clear`` drops the (meaningless) ticks."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", fontsize=13,
            color=MUTED, style="italic")
    if clear:
        ax.set_xticks([])
        ax.set_yticks([])

"""The live window of ``talkbalance live``: a matplotlib figure updated by blitting.

Shows the last ``window_s`` seconds as a scrolling timeline in relative time (now at
the right edge) with one lane per speaker, the talk share against the trainee's target
band, the running counters and timers (a column per speaker), and a red cue box while
the trainee has an alert. The axes, labels and legend are drawn once and cached. The
changing artists (a fixed pool, never new ones) form parts (``blit.Part``: the timeline,
the share bar, each panel text); each ``update`` redraws only the parts whose content
changed, each inside its own box (``blit.redraw``). Canvases that cannot blit draw in
full instead. Changing texts are drawn from cached bitmaps (``text_cache``). Drawing
follows the look of ``report.png`` (``report.style``). Main thread only.
"""
from __future__ import annotations

import itertools
import math
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends import backend_registry
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgba_array
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.transforms import Affine2D, Bbox, offset_copy

from talkbalance.core.wording import clock
from talkbalance.live.display.blit import Part, pixels, redraw
from talkbalance.live.display.text_cache import StampText, stamp_text
from talkbalance.live.view import Snapshot
from talkbalance.report.style import (
    BAR_HEIGHT,
    GRID_COLOUR,
    INK,
    MARK_OFFSET,
    MUTED,
    OVERLAP_ALPHA,
    OVERLAP_COLOUR,
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

SIZE_IN = (10, 5)
CUE_COLOUR = "#c53030"
PENDING_COLOUR = "#805ad5"     # an interruption whose outcome is still open
OUTCOMES = {                   # outcome -> (marker face, marker edge, label suffix)
    "successful": (INK, INK, ""),
    "unsuccessful": ("white", INK, ""),
    "": ("white", PENDING_COLOUR, " ?"),
}
LABEL_GAP = 0.12               # "A→B" labels are this share of the window apart at least (else skipped)
LABELS_PER_LANE = math.ceil(1 / LABEL_GAP) + 1
LABEL_ABOVE_MARK = 0.12        # lane units between an interruption mark and its label
NICE_STEPS_S = (1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600)
PANEL_X = 0.64                 # left edge of the counters (figure fraction)
COLUMNS_PT = (165, 250)        # right edges of the first and the last speaker's column of counts, from PANEL_X
ROWS_Y = (0.30, 0.245, 0.19, 0.13, 0.07, 0.025)   # names, interruptions, backchannels, silence, latency, dropped
SHARE_TEXT_MIN_PCT = 18        # narrower share bars carry no "A 12 %" text


def interactive_display_available() -> bool:
    """True if matplotlib can open a window here: a display exists and the resolved backend is interactive."""
    try:
        # resolving the backend (done on first use) already falls back to Agg when no display answers
        return backend_registry.resolve_backend(plt.get_backend())[1] not in (None, "headless")
    except Exception:
        return False


class LivePlot:
    """One figure showing the latest ``Snapshot``: ``update`` blits, ``wait`` repaints the window and keeps it
    responsive."""

    def __init__(self, first: Snapshot, title: str = "talkbalance live"):
        with plt.rc_context({"toolbar": "None"}):
            self.fig = plt.figure(figsize=SIZE_IN)
        canvas = self.fig.canvas
        canvas.manager.set_window_title(title)          # type: ignore[union-attr]  # (pyplot figures have one)
        self._blit = canvas.supports_blit
        self._background: np.ndarray | None = None     # the canvas without the changing artists: RGBA rows, top down
        self._names = first.names
        self._lanes = lanes(len(first.names))     # y of each speaker's lane
        self._window_s = first.window_s
        self._parts: list[Part] = []  # the changing artists, in parts, in drawing order
        self._build_timeline(first)
        self._build_share(first)
        self._build_panel(title)
        canvas.mpl_connect("draw_event", self._on_draw)
        canvas.mpl_connect("resize_event", self._on_resize)
        if type(canvas).required_interactive_framework is not None:
            canvas.manager.show()                       # type: ignore[union-attr]
        self.update(first)

    # --- public ----------------------------------------------------------------------------

    def update(self, snap: Snapshot) -> None:
        """Show ``snap``: redraw and blit the parts that changed; the window repaints when ``wait`` runs."""
        if self.closed:
            return
        changed = [part for part in self._parts if part.show(snap)]
        if self._background is None or not self._blit:
            self.fig.canvas.draw()     # full draw; _on_draw caches the new background
        else:
            redraw(self.fig.canvas, self._background, changed)

    def wait(self, seconds: float) -> None:
        """Run the GUI event loop for about ``seconds`` (just sleep once the window is closed)."""
        if self.closed:
            time.sleep(max(seconds, 0.0))
        elif seconds > 0:
            self.fig.canvas.start_event_loop(seconds)
        else:                          # start_event_loop(0) would run until the window closes
            self.fig.canvas.flush_events()

    @property
    def closed(self) -> bool:
        """The window was closed (by the user or ``close``)."""
        return not plt.fignum_exists(self.fig.number)

    def save(self, path) -> None:
        """Write the current view to a PNG (a full draw, the changing artists included)."""
        self.fig.savefig(Path(path), format="png")

    def close(self) -> None:
        plt.close(self.fig)

    # --- drawing machinery -----------------------------------------------------------------

    def _on_draw(self, event) -> None:
        """After a full draw: cache the background, then draw the changing artists over it."""
        canvas = self.fig.canvas
        if self._blit and not canvas.is_saving():
            self._background = np.array(canvas.buffer_rgba())      # type: ignore[attr-defined]  # (an Agg canvas)
            renderer = canvas.get_renderer()                        # type: ignore[attr-defined]
            for part in self._parts:
                part.draw(renderer)

    def _on_resize(self, event) -> None:
        self._background = None        # the next update draws in full and re-caches

    def _add_part(self, artists: list, shows, set_to, box) -> None:
        """Register changing artists as one part (see ``Part``): animated when blitting, drawn in the order added.

        Blitting draws these over the background, so their zorders (3 and up, above
        spines and grid) keep that stacking, and the order added follows zorder: a saved
        PNG then matches the window pixel for pixel. Parts must not overlap on screen.
        """
        for artist in artists:
            artist.set_animated(self._blit)
        self._parts.append(Part(artists, shows, set_to, box))

    def _add_text(self, text: StampText, shows) -> None:
        """A text that is a part of its own, showing the string ``shows(snap)``."""
        self._add_part([text], shows, text.set_text, text.pixel_box)

    # --- timeline --------------------------------------------------------------------------

    def _build_timeline(self, first: Snapshot) -> None:
        """Lanes, relative time axis and legend (static); spurts, overlaps and marks (changing)."""
        ax = self._timeline_ax = self.fig.add_axes((0.13, 0.44, 0.85, 0.42), label="timeline")
        # bars and marks are placed in session time: scrolling moves this translation only
        self._scroll = Affine2D()
        in_session_time = self._scroll + ax.transData
        # one collection: each speaker's spurts, then the overlaps shaded over them
        n = len(self._names)
        self._bar_colours = to_rgba_array([*map(speaker_colour, range(n)), OVERLAP_COLOUR], [1] * n + [OVERLAP_ALPHA])
        self._bar_ys = np.array([(y - BAR_HEIGHT / 2, y + BAR_HEIGHT / 2) for y in self._lanes] + [overlap_span(n)])
        self._bars = ax.add_collection(PolyCollection([], linewidths=0, zorder=3, transform=in_session_time))
        self._shown_bars: tuple | None = None
        self._backchannels = ax.plot([], [], linestyle="none", **small_mark_style("backchannel"), markeredgewidth=1.6,
                                     zorder=5, transform=in_session_time)[0]
        self._interruptions = {outcome: ax.plot([], [], linestyle="none", marker="v", markersize=9,
                                                markerfacecolor=face, markeredgecolor=edge, markeredgewidth=1.3,
                                                zorder=5, transform=in_session_time)[0]
                               for outcome, (face, edge, _) in OUTCOMES.items()}
        self._shown_marks = None
        self._mark_labels = [stamp_text(ax, 0, 0, "", ha="center", va="bottom", fontsize=8, zorder=6, clip_on=True,
                                   visible=False)
                             for _ in range(n * LABELS_PER_LANE)]
        self._add_part([self._bars, self._backchannels, *self._interruptions.values(), *self._mark_labels],
                       lambda s: (s.now_s, s.spurts, s.overlaps, s.marks), self._set_timeline, self._timeline_box)

        ax.set_xlim(-self._window_s, 0)
        ax.set_ylim(*timeline_ylim(n))
        step = next((s for s in NICE_STEPS_S if self._window_s / s <= 7), NICE_STEPS_S[-1])
        ticks = np.arange(-math.floor(self._window_s / step) * step, 0.5 * step, step)
        ax.set_xticks(ticks, [f"−{-t:g} s" if t else "now" for t in ticks], fontsize=9)
        ax.set_yticks(self._lanes, [lane_label(name, role, two_lines=True) for name, role in zip(first.names, first.roles)],
                      fontsize=10.5)
        for k, tick in enumerate(ax.get_yticklabels()):
            tick.set_color(speaker_colour(k))
        ax.tick_params(axis="y", length=0)
        ax.grid(axis="x", color=GRID_COLOUR, linewidth=0.8)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.legend(handles=_legend_handles(), loc="lower right", bbox_to_anchor=(1, 1), ncol=5, frameon=False,
                  fontsize=8.5, handletextpad=0.3, columnspacing=1.2, borderaxespad=0.2)

    def _set_timeline(self, shown: tuple) -> None:
        now, spurts, overlaps, marks = shown
        self._scroll.clear().translate(-now, 0)
        if (spurts, overlaps) != self._shown_bars:  # unchanged while nobody talks
            self._shown_bars = spurts, overlaps
            # rows (kind, start, end), kind a speaker's spurt, or len(names) an overlap: in drawing order
            overlap = len(self._names)
            rows = np.array(sorted((k, a, b) for k, a, b in spurts) + [(overlap, a, b) for a, b in overlaps]).reshape(-1, 3)
            kinds = rows[:, 0].astype(int)
            verts = np.empty((len(rows), 4, 2))
            verts[:, :, 0] = rows[:, [1, 1, 2, 2]]
            verts[:, :, 1] = self._bar_ys[kinds][:, [0, 1, 1, 0]]
            self._bars.set_verts(verts)                 # type: ignore[attr-defined]  # (a PolyCollection)
            self._bars.set_facecolor(self._bar_colours[kinds])
            self._bars.set_visible(len(rows) > 0)

        interruptions = [m for m in marks if m.kind == "interruption"]
        if marks != self._shown_marks:             # most frames only scroll them
            self._shown_marks = marks
            backchannels = [m for m in marks if m.kind == "backchannel"]
            _set_marks(self._backchannels, [m.start_s for m in backchannels],
                       [self._lanes[m.speaker] - MARK_OFFSET for m in backchannels])
            for outcome, line in self._interruptions.items():
                chosen = [m for m in interruptions if m.outcome == outcome]
                _set_marks(line, [m.start_s for m in chosen], [self._lanes[m.speaker] + MARK_OFFSET for m in chosen])

        labels = iter(self._mark_labels)
        gap = LABEL_GAP * self._window_s
        last_x: dict[int, float] = {}
        for m in sorted(interruptions, key=lambda m: -m.start_s):      # the newest keep their labels
            x = min(max(m.start_s - now, gap / 2 - self._window_s), -gap / 2)   # whole labels inside the axes
            if last_x.get(m.speaker, math.inf) - x < gap:
                continue
            last_x[m.speaker] = x
            text = next(labels)
            text.set_position((x, self._lanes[m.speaker] + MARK_OFFSET + LABEL_ABOVE_MARK))
            text.set_text(f"{self._names[m.speaker]}→{self._names[m.other]}{OUTCOMES[m.outcome][2]}")
            text.set_color(PENDING_COLOUR if m.outcome == "" else INK)
            text.set_visible(True)
        for text in labels:
            text.set_visible(False)

    def _timeline_box(self, renderer) -> tuple[int, int, int, int]:
        """Where the timeline's changing artists draw: they are clipped to the axes, and the lowest
        of them, the overlap shading, ends at the bottom of ``overlap_span``."""
        box = self._timeline_ax.bbox
        n = len(self._names)
        (lowest, _), (y0, y1) = overlap_span(n), timeline_ylim(n)
        bottom = box.y0 + box.height * (lowest - y0) / (y1 - y0)
        return pixels(Bbox.from_extents(box.x0, bottom, box.x1, box.y1))

    # --- talk share ------------------------------------------------------------------------

    def _build_share(self, first: Snapshot) -> None:
        """A 0–100 % bar read from the left as the trainee's share (channel 1's without a trainee), as in
        report.png, with the trainee's target band over it."""
        ax = self._share_ax = self.fig.add_axes((0.13, 0.13, 0.45, 0.1), label="share")
        self._share_order = sorted(range(len(first.names)), key=lambda k: k != first.trainee)   # the trainee first
        self._share_bars = ax.add_collection(PolyCollection([], facecolors=[speaker_colour(k) for k in
                                                                            self._share_order],
                                                            linewidths=0, zorder=3))
        band = []
        if first.share_band is not None and first.trainee is not None:
            lo, hi = (100 * v for v in first.share_band)
            band.append(ax.add_patch(Rectangle((lo, -0.42), hi - lo, 0.84, facecolor="none", hatch="//",
                                               edgecolor=TARGET_COLOUR, linewidth=1.5, zorder=4)))
            ax.text((lo + hi) / 2, 0.5, f"target for {first.names[first.trainee]}: {lo:.0f}–{hi:.0f} %",
                    ha="center", va="bottom", fontsize=8.5, color=TARGET_COLOUR, weight="bold")
        # the first bar's text at the left end, the last's at the right end, any others centred on their bar
        places = [(1.5, "left"), *[(50, "center")] * (len(first.names) - 2), (98.5, "right")]
        self._share_texts = [stamp_text(ax, x, 0, "", ha=ha, va="center", color="white", fontsize=9.5,
                                        weight="bold", zorder=5)
                             for x, ha in places]
        self._share_none = stamp_text(ax, 50, 0, "", ha="center", va="center", color=MUTED, fontsize=10,
                                      style="italic", zorder=5)
        # all are clipped to the axes; the band is redrawn over the bars
        self._add_part([self._share_bars, *band, *self._share_texts, self._share_none], self._share_view,
                       self._set_share, lambda renderer: pixels(ax.bbox))
        ax.set_xlim(0, 100)
        ax.set_ylim(-0.5, 0.5)
        ax.set_xticks(range(0, 101, 25), [f"{v} %" for v in range(0, 101, 25)], fontsize=9)
        ax.set_xlabel(share_axis_label(first.names[self._share_order[0]]), fontsize=8.5, color=MUTED, labelpad=2)
        ax.set_yticks([0], ["talk share"], fontsize=11)
        ax.tick_params(axis="y", length=0)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)

    def _share_view(self, snap: Snapshot) -> tuple[tuple[int, ...], tuple[str, ...]] | None:
        """What the share bar shows: the pixel columns where neighbouring bars meet (a finer share would
        not show, so most frames change nothing here) and the bars' texts; None before anyone talked."""
        if snap.share is None:
            return None
        pct = [100 * snap.share[k] for k in self._share_order]
        box = self._share_ax.bbox                            # x runs 0..100 across it
        meets = tuple(round(box.x0 + p / 100 * box.width) for p in itertools.accumulate(pct[:-1]))
        return meets, tuple(f"{self._names[k]} {p:.0f} %" if p >= SHARE_TEXT_MIN_PCT else ""
                            for k, p in zip(self._share_order, pct))

    def _set_share(self, view: tuple[tuple[int, ...], tuple[str, ...]] | None) -> None:
        meets, texts = view or (None, ("",) * len(self._share_texts))
        if meets is not None:
            box = self._share_ax.bbox
            xs = [0, *(100 * (meet - box.x0) / box.width for meet in meets), 100]
            spans = list(zip(xs[:-1], xs[1:]))
            self._share_bars.set_verts(_boxes(spans, -BAR_HEIGHT / 2, BAR_HEIGHT / 2))  # type: ignore[attr-defined]
            for text, (lo, hi) in zip(self._share_texts[1:-1], spans[1:-1]):
                text.set_x((lo + hi) / 2)
        self._share_bars.set_visible(meets is not None)
        for text, s in zip(self._share_texts, texts):
            text.set_text(s)
        self._share_none.set_text("" if view else "no speech yet")

    # --- text panel, header and cue --------------------------------------------------------

    def _build_panel(self, title: str) -> None:
        """An overlay axes in figure coordinates: header, cue box, session clock and the counters,
        with each speaker's counts in a column under their name. Each changing text is a part."""
        ax = self.fig.add_axes((0, 0, 1, 1), label="panel")
        ax.set_axis_off()
        ax.set_navigate(False)
        names = self._names
        ax.text(0.015, 0.955, title, **TITLE_FONT, va="center")
        self._add_text(stamp_text(ax, 0.985, 0.955, "", ha="right", va="center", fontsize=12, weight="bold",
                             color="white", bbox={"boxstyle": "round,pad=0.35", "facecolor": CUE_COLOUR,
                                                  "edgecolor": "none"}),
                       lambda s: "   ·   ".join(s.cues))                # no cues: an empty text, no box
        self._add_text(stamp_text(ax, 0.98, 0.355, "", ha="right", va="center", fontsize=10, color=MUTED),
                       lambda s: f"session {clock(s.now_s)}")

        def at_pt(x_pt: float):
            """Figure fraction in y, ``x_pt`` points right of the panel's left edge in x."""
            return offset_copy(ax.transAxes, self.fig, x=x_pt, units="points")

        first_pt, last_pt = COLUMNS_PT
        columns_pt = [first_pt + (last_pt - first_pt) * k / max(len(names) - 1, 1) for k in range(len(names))]
        for k, name in enumerate(names):
            ax.text(PANEL_X, ROWS_Y[0], name, transform=at_pt(columns_pt[k]), ha="right", va="center",
                    fontsize=10, weight="bold", color=speaker_colour(k))
        for y, label in zip(ROWS_Y[1:4], ("interruptions made", "backchannels made", "silence")):
            ax.text(PANEL_X, y, label, fontsize=10, color=INK, va="center")

        def count(y: float, k: int) -> StampText:
            return stamp_text(ax, PANEL_X, y, "", transform=at_pt(columns_pt[k]), ha="right", va="center", fontsize=11,
                         color=INK)

        for k in range(len(names)):
            self._add_text(count(ROWS_Y[1], k), lambda s, k=k: str(s.interruptions[k]))
            self._add_text(count(ROWS_Y[2], k), lambda s, k=k: str(s.backchannels[k]))
        # the running silence: only the number changes every frame, so it is a text of its own
        self._add_text(stamp_text(ax, PANEL_X, ROWS_Y[3], "", transform=at_pt(COLUMNS_PT[0]), ha="right", va="center",
                             fontsize=14, weight="bold", color=INK),
                       lambda s: "–" if s.silence_s <= 0 else f"{s.silence_s:.1f} s")
        self._add_text(stamp_text(ax, PANEL_X, ROWS_Y[3], "", transform=at_pt(COLUMNS_PT[0] + 5), va="center",
                             fontsize=10, color=INK),
                       lambda s: "" if s.silence_s <= 0 or s.last_speaker is None else f"after {names[s.last_speaker]}")
        self._add_text(stamp_text(ax, PANEL_X, ROWS_Y[4], "", fontsize=10, color=INK, va="center"),
                       lambda s: "last response: –" if s.last_latency_s is None else
                       f"last response: {names[s.last_responder]} after {s.last_latency_s:.2f} s")
        self._add_text(stamp_text(ax, PANEL_X, ROWS_Y[5], "", fontsize=9, color=CUE_COLOUR, va="center"),
                       lambda s: f"dropped audio blocks: {s.dropped_blocks}" if s.dropped_blocks else "")


def _set_marks(line: Line2D, xs: list[float], ys: list[float]) -> None:
    """Place a line's markers; a line without any is hidden, so it costs no drawing."""
    line.set_data(xs, ys)
    line.set_visible(bool(xs))


def _boxes(spans: list[tuple[float, float]], y0: float, y1: float) -> np.ndarray:
    """Rectangles (n, 4, 2) spanning ``spans`` in x and ``y0..y1``."""
    xs = np.asarray(spans, dtype=float).reshape(-1, 2)
    boxes = np.empty((len(xs), 4, 2))
    boxes[:, :, 0] = xs[:, [0, 0, 1, 1]]
    boxes[:, :, 1] = (y0, y1, y1, y0)
    return boxes


def _legend_handles() -> list:
    """Proxy artists for the overlap shading and the marks."""
    marks = [Line2D([], [], linestyle="none", marker="v", markersize=8, markerfacecolor=face,
                    markeredgecolor=edge, markeredgewidth=1.3,
                    label=f"interruption, {outcome or 'open'}")
             for outcome, (face, edge, _) in OUTCOMES.items()]
    return [overlap_handle(), *marks,
            Line2D([], [], linestyle="none", **small_mark_style("backchannel"), markeredgewidth=1.6, label="backchannel")]

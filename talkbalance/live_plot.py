"""The live window of ``talkbalance live``: a matplotlib figure updated by blitting.

Shows the last ``window_s`` seconds as a scrolling timeline in relative time (now at
the right edge), the talk share against the trainee's target band, the running
counters and timers, and a red cue box while the trainee has an alert. The axes,
labels and legend are drawn once and cached; each ``update`` restores that
background, redraws the changing artists (a fixed pool, never new ones) and blits;
canvases that cannot blit draw in full instead. Changing texts are drawn from cached
bitmaps (``_StampText``). Drawing follows the look of ``report.png``. Main thread only.
"""
from __future__ import annotations

import math
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends import backend_registry
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.collections import PolyCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.text import Text
from matplotlib.transforms import IdentityTransform, offset_copy

from talkbalance.live_view import Snapshot
from talkbalance.report import (BAR_HEIGHT, INK, MARK_OFFSET, MUTED, OVERLAP_COLOUR, SMALL_MARKS,
                                SPEAKER_COLOURS, TARGET_COLOUR, _clock, _label)

SIZE_IN = (10, 5)
CUE_COLOUR = "#c53030"
PENDING_COLOUR = "#805ad5"     # an interruption whose outcome is still open
OUTCOMES = {                   # outcome -> (marker face, marker edge, label suffix)
    "successful": (INK, INK, ""),
    "unsuccessful": ("white", INK, ""),
    "": ("white", PENDING_COLOUR, " ?"),
}
_, BACKCHANNEL_MARKER, BACKCHANNEL_COLOUR, BACKCHANNEL_SIZE, _ = SMALL_MARKS["backchannel"]
LANE = (1, 0)                  # y of each speaker's lane: the first speaker on top
LABEL_GAP = 0.12               # "A→B" labels are this share of the window apart at least (else skipped)
LABELS_PER_LANE = math.ceil(1 / LABEL_GAP) + 1
LABEL_ABOVE_MARK = 0.12        # lane units between an interruption mark and its label
NICE_STEPS_S = (1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600)
PANEL_X = 0.64                 # left edge of the counters (figure fraction)
COLUMNS_PT = (165, 250)        # right edges of each speaker's column of counts, from PANEL_X
ROWS_Y = (0.30, 0.245, 0.19, 0.13, 0.07, 0.025)   # names, interruptions, backchannels, silence, latency, dropped
SHARE_TEXT_MIN_PCT = 18        # narrower share bars carry no "A 12 %" text
STAMPS_KEPT = 256              # rendered strings each text keeps


def interactive_display_available() -> bool:
    """True if matplotlib can open a window here: a display exists and the resolved backend is interactive."""
    try:
        # resolving the backend (done on first use) already falls back to Agg when no display answers
        return backend_registry.resolve_backend(plt.get_backend())[1] not in (None, "headless")
    except Exception:
        return False


class LivePlot:
    """One figure showing the latest ``Snapshot``; ``update`` blits, ``wait`` keeps the window responsive."""

    def __init__(self, first: Snapshot, title: str = "talkbalance live"):
        with plt.rc_context({"toolbar": "None"}):
            self.fig = plt.figure(figsize=SIZE_IN)
        canvas = self.fig.canvas
        canvas.manager.set_window_title(title)
        self._blit = canvas.supports_blit
        self._background = None
        self._names = first.names
        self._window_s = first.window_s
        self._live: list = []          # the changing artists, in drawing order
        self._build_timeline(first)
        self._build_share(first)
        self._build_panel(title)
        canvas.mpl_connect("draw_event", self._on_draw)
        canvas.mpl_connect("resize_event", self._on_resize)
        if type(canvas).required_interactive_framework is not None:
            canvas.manager.show()
        self.update(first)

    # --- public ----------------------------------------------------------------------------

    def update(self, snap: Snapshot) -> None:
        """Show ``snap``: restore the cached background, redraw the changing artists, blit."""
        if self.closed:
            return
        self._set_timeline(snap)
        self._set_share(snap)
        self._set_panel(snap)
        canvas = self.fig.canvas
        if self._background is None or not self._blit:
            canvas.draw()              # full draw; _on_draw caches the new background
        else:
            canvas.restore_region(self._background)
            self._draw_live()
            canvas.blit(self.fig.bbox)
        canvas.flush_events()

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
        if self._blit and not self.fig.canvas.is_saving():
            self._background = self.fig.canvas.copy_from_bbox(self.fig.bbox)
            self._draw_live()

    def _on_resize(self, event) -> None:
        self._background = None        # the next update draws in full and re-caches

    def _draw_live(self) -> None:
        renderer = self.fig.canvas.get_renderer()
        for artist in self._live:
            if artist.get_visible():
                artist.draw(renderer)

    def _add(self, artist):
        """Register a changing artist: animated when blitting, drawn in the order added.

        Blitting draws these over the whole background, so their zorders (3 and up, above
        spines and grid) keep that stacking, and the order added follows zorder: a saved
        PNG then matches the window pixel for pixel.
        """
        artist.set_animated(self._blit)
        self._live.append(artist)
        return artist

    # --- timeline --------------------------------------------------------------------------

    def _build_timeline(self, first: Snapshot) -> None:
        """Lanes, relative time axis and legend (static); spurts, overlaps and marks (changing)."""
        ax = self.fig.add_axes((0.13, 0.44, 0.85, 0.42), label="timeline")
        self._spurts = [self._add(PolyCollection([], facecolors=SPEAKER_COLOURS[k], linewidths=0, zorder=3))
                        for k in (0, 1)]
        self._overlaps = self._add(PolyCollection([], facecolors=OVERLAP_COLOUR, alpha=0.25, linewidths=0,
                                                  zorder=4))
        for artist in self._spurts + [self._overlaps]:
            ax.add_collection(artist)
        self._backchannels = self._add(ax.plot([], [], linestyle="none", marker=BACKCHANNEL_MARKER,
                                               markersize=BACKCHANNEL_SIZE, color=BACKCHANNEL_COLOUR,
                                               markeredgewidth=1.6, zorder=5)[0])
        self._interruptions = {outcome: self._add(ax.plot([], [], linestyle="none", marker="v", markersize=9,
                                                          markerfacecolor=face, markeredgecolor=edge,
                                                          markeredgewidth=1.3, zorder=5)[0])
                               for outcome, (face, edge, _) in OUTCOMES.items()}
        self._mark_labels = [self._add(_text(ax, 0, 0, "", ha="center", va="bottom", fontsize=8, zorder=6,
                                             clip_on=True, visible=False))
                             for _ in range(2 * LABELS_PER_LANE)]

        ax.set_xlim(-self._window_s, 0)
        ax.set_ylim(-0.7, 1.75)
        step = next((s for s in NICE_STEPS_S if self._window_s / s <= 7), NICE_STEPS_S[-1])
        ticks = np.arange(-math.floor(self._window_s / step) * step, 0.5 * step, step)
        ax.set_xticks(ticks, [f"−{-t:g} s" if t else "now" for t in ticks], fontsize=9)
        ax.set_yticks(LANE, [_label(n, r).replace(" (", "\n(") for n, r in zip(first.names, first.roles)],
                      fontsize=10.5)
        for k, tick in enumerate(ax.get_yticklabels()):
            tick.set_color(SPEAKER_COLOURS[k])
        ax.tick_params(axis="y", length=0)
        ax.grid(axis="x", color="#e2e8f0", linewidth=0.8)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.legend(handles=_legend_handles(), loc="lower right", bbox_to_anchor=(1, 1), ncol=5, frameon=False,
                  fontsize=8.5, handletextpad=0.3, columnspacing=1.2, borderaxespad=0.2)

    def _set_timeline(self, snap: Snapshot) -> None:
        now = snap.now_s
        for k, bars in enumerate(self._spurts):
            bars.set_verts(_boxes([(a - now, b - now) for s, a, b in snap.spurts if s == k],
                                  LANE[k] - BAR_HEIGHT / 2, LANE[k] + BAR_HEIGHT / 2))
        self._overlaps.set_verts(_boxes([(a - now, b - now) for a, b in snap.overlaps], -0.5, 1.5))

        backchannels = [m for m in snap.marks if m.kind == "backchannel"]
        self._backchannels.set_data([m.start_s - now for m in backchannels],
                                    [LANE[m.speaker] - MARK_OFFSET for m in backchannels])
        interruptions = [m for m in snap.marks if m.kind == "interruption"]
        for outcome, line in self._interruptions.items():
            chosen = [m for m in interruptions if m.outcome == outcome]
            line.set_data([m.start_s - now for m in chosen], [LANE[m.speaker] + MARK_OFFSET for m in chosen])

        labels = iter(self._mark_labels)
        gap = LABEL_GAP * self._window_s
        last_x = {}
        for m in sorted(interruptions, key=lambda m: -m.start_s):      # the newest keep their labels
            x = min(max(m.start_s - now, gap / 2 - self._window_s), -gap / 2)   # whole labels inside the axes
            if last_x.get(m.speaker, math.inf) - x < gap:
                continue
            last_x[m.speaker] = x
            text = next(labels)
            text.set_position((x, LANE[m.speaker] + MARK_OFFSET + LABEL_ABOVE_MARK))
            text.set_text(f"{self._names[m.speaker]}→{self._names[m.other]}{OUTCOMES[m.outcome][2]}")
            text.set_color(PENDING_COLOUR if m.outcome == "" else INK)
            text.set_visible(True)
        for text in labels:
            text.set_visible(False)

    # --- talk share ------------------------------------------------------------------------

    def _build_share(self, first: Snapshot) -> None:
        """A 0–100 % bar, the first speaker's share from the left and the second's from the right."""
        ax = self.fig.add_axes((0.13, 0.1, 0.45, 0.12), label="share")
        self._share_bars = [self._add(ax.add_patch(Rectangle((0, -BAR_HEIGHT / 2), 0, BAR_HEIGHT, zorder=3,
                                                             facecolor=SPEAKER_COLOURS[k], linewidth=0)))
                            for k in (0, 1)]
        if first.share_band is not None and first.trainee is not None:
            lo, hi = (100 * v for v in first.share_band)
            left = lo if first.trainee == 0 else 100 - hi       # the second speaker's share counts from the right
            self._add(ax.add_patch(Rectangle((left, -0.42), hi - lo, 0.84, facecolor="none", hatch="//",
                                             edgecolor=TARGET_COLOUR, linewidth=1.5, zorder=4)))
            ax.text(left + (hi - lo) / 2, 0.5, f"target for {first.names[first.trainee]}: {lo:.0f}–{hi:.0f} %",
                    ha="center", va="bottom", fontsize=8.5, color=TARGET_COLOUR, weight="bold")
        self._share_texts = [self._add(_text(ax, x, 0, "", ha=ha, va="center", color="white", fontsize=9.5,
                                             weight="bold", zorder=5))
                             for x, ha in ((1.5, "left"), (98.5, "right"))]
        self._share_none = self._add(_text(ax, 50, 0, "", ha="center", va="center", color=MUTED,
                                           fontsize=10, style="italic", zorder=5))
        ax.set_xlim(0, 100)
        ax.set_ylim(-0.5, 0.5)
        ax.set_xticks(range(0, 101, 25), [f"{v} %" for v in range(0, 101, 25)], fontsize=9)
        ax.set_yticks([0], ["talk share"], fontsize=11)
        ax.tick_params(axis="y", length=0)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)

    def _set_share(self, snap: Snapshot) -> None:
        shares = snap.share or (0.0, 0.0)
        widths = [100 * s for s in shares]
        self._share_bars[0].set_width(widths[0])
        self._share_bars[1].set_x(100 - widths[1])
        self._share_bars[1].set_width(widths[1])
        for k, text in enumerate(self._share_texts):
            text.set_text(f"{self._names[k]} {widths[k]:.0f} %" if widths[k] >= SHARE_TEXT_MIN_PCT else "")
        self._share_none.set_text("" if snap.share else "no speech yet")

    # --- text panel, header and cue --------------------------------------------------------

    def _build_panel(self, title: str) -> None:
        """An overlay axes in figure coordinates: header, cue box, session clock and the counters,
        with each speaker's counts in a column under their name."""
        ax = self.fig.add_axes((0, 0, 1, 1), label="panel")
        ax.set_axis_off()
        ax.set_navigate(False)
        ax.text(0.015, 0.955, title, fontsize=13, weight="bold", color=INK, va="center")
        self._cue = self._add(_text(ax, 0.985, 0.955, "", ha="right", va="center", fontsize=12, weight="bold",
                                    color="white", bbox={"boxstyle": "round,pad=0.35", "facecolor": CUE_COLOUR,
                                                         "edgecolor": "none"}))
        self._clock = self._add(_text(ax, 0.98, 0.355, "", ha="right", va="center", fontsize=10, color=MUTED))

        def at_pt(x_pt: float):
            """Figure fraction in y, ``x_pt`` points right of the panel's left edge in x."""
            return offset_copy(ax.transAxes, self.fig, x=x_pt, units="points")

        for k, name in enumerate(self._names):
            ax.text(PANEL_X, ROWS_Y[0], name, transform=at_pt(COLUMNS_PT[k]), ha="right", va="center",
                    fontsize=10, weight="bold", color=SPEAKER_COLOURS[k])
        for y, label in zip(ROWS_Y[1:4], ("interruptions", "backchannels", "silence")):
            ax.text(PANEL_X, y, label, fontsize=10, color=INK, va="center")
        self._interruption_counts, self._backchannel_counts = (
            [self._add(_text(ax, PANEL_X, y, "", transform=at_pt(COLUMNS_PT[k]), ha="right", va="center",
                             fontsize=11, color=INK)) for k in (0, 1)]
            for y in ROWS_Y[1:3])
        # the running silence: only the number changes every frame, so it is a text of its own
        self._silence = self._add(_text(ax, PANEL_X, ROWS_Y[3], "", transform=at_pt(COLUMNS_PT[0]), ha="right",
                                        va="center", fontsize=14, weight="bold", color=INK))
        self._silence_after = self._add(_text(ax, PANEL_X, ROWS_Y[3], "", transform=at_pt(COLUMNS_PT[0] + 5),
                                              va="center", fontsize=10, color=INK))
        self._latency = self._add(_text(ax, PANEL_X, ROWS_Y[4], "", fontsize=10, color=INK, va="center"))
        self._dropped = self._add(_text(ax, PANEL_X, ROWS_Y[5], "", fontsize=9, color=CUE_COLOUR, va="center"))

    def _set_panel(self, snap: Snapshot) -> None:
        self._clock.set_text(f"session {_clock(snap.now_s)}")
        self._cue.set_text("   ·   ".join(snap.cues))            # no cues: an empty text, no box
        for k in (0, 1):
            self._interruption_counts[k].set_text(str(snap.interruptions[k]))
            self._backchannel_counts[k].set_text(str(snap.backchannels[k]))
        talking = snap.silence_s <= 0
        self._silence.set_text("–" if talking else f"{snap.silence_s:.1f} s")
        self._silence_after.set_text("" if talking or snap.last_speaker is None
                                     else f"after {self._names[snap.last_speaker]}")
        self._latency.set_text("last response: –" if snap.last_latency_s is None else
                               f"last response: {self._names[snap.last_responder]} after {snap.last_latency_s:.2f} s")
        self._dropped.set_text(f"dropped audio blocks: {snap.dropped_blocks}" if snap.dropped_blocks else "")


class _StampText(Text):
    """A ``Text`` that draws its string from a cached bitmap.

    matplotlib (3.11) renders text glyph by glyph, 3–7 ms a string here: the dozen
    texts redrawn every frame would cost several times the rest of the update. Only
    the string, colour and dpi key the cache; other properties must stay as created.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._stamps: dict = {}

    def draw(self, renderer) -> None:
        if not self.get_visible() or not self.get_text():
            return
        key = (self.get_text(), self.get_color(), renderer.dpi)
        if key not in self._stamps:
            if len(self._stamps) >= STAMPS_KEPT:
                self._stamps.clear()
            self._stamps[key] = self._render(renderer)
        image, dx, dy = self._stamps[key]
        x, y = np.round(self.get_transform().transform(self.get_unitless_position()))
        gc = renderer.new_gc()
        self._set_gc_clip(gc)
        renderer.draw_image(gc, x + dx, y + dy, image)
        gc.restore()
        self.stale = False

    def _render(self, renderer) -> tuple[np.ndarray, int, int]:
        """The text (and its box) drawn alone: RGBA rows bottom up, and its offset from the anchor pixel."""
        extent = self.get_window_extent(renderer)                  # the glyphs, without the box
        anchor = self.get_transform().transform(self.get_unitless_position())
        margin = int(2 * renderer.points_to_pixels(self.get_fontsize()))   # room for the box around them
        x0, y0 = (round(margin + a - e) for a, e in zip(anchor, extent.p0))
        scratch = RendererAgg(int(extent.width) + 2 * margin, int(extent.height) + 2 * margin, renderer.dpi)
        with self._cm_set(transform=IdentityTransform(), position=(x0, y0), clip_on=False):
            super().draw(scratch)
        rgba = np.asarray(scratch.buffer_rgba())
        rows = np.flatnonzero(rgba[..., 3].any(axis=1))
        cols = np.flatnonzero(rgba[..., 3].any(axis=0))
        top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        return rgba[top:bottom, left:right][::-1].copy(), left - x0, (rgba.shape[0] - bottom) - y0


def _text(ax, x: float, y: float, s: str, **kwargs) -> _StampText:
    """A cached-bitmap text added to ``ax`` (data coordinates unless ``transform`` is given)."""
    return ax.add_artist(_StampText(x, y, s, **kwargs))


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
    return [Patch(facecolor=OVERLAP_COLOUR, alpha=0.25, label="both speaking"), *marks,
            Line2D([], [], linestyle="none", marker=BACKCHANNEL_MARKER, markersize=BACKCHANNEL_SIZE,
                   color=BACKCHANNEL_COLOUR, markeredgewidth=1.6, label="backchannel")]

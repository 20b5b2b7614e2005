"""The live window of ``talkbalance live``: a matplotlib figure updated by blitting.

Shows the last ``window_s`` seconds as a scrolling timeline in relative time (now at
the right edge), the talk share against the trainee's target band, the running
counters and timers, and a red cue box while the trainee has an alert. The axes,
labels and legend are drawn once and cached. The changing artists (a fixed pool,
never new ones) form parts (``_Part``: the timeline, the share bar, each panel text);
each ``update`` redraws only the parts whose content changed, each inside its own
box: restore that box from the background, draw, blit it. Canvases that cannot blit
draw in full instead. Changing texts are drawn from cached bitmaps (``_StampText``).
Drawing follows the look of ``report.png``. Main thread only.
"""
from __future__ import annotations

import math
import time
from pathlib import Path
from typing import cast

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends import backend_registry
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgba_array
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Affine2D, Bbox, IdentityTransform, offset_copy

from talkbalance.core.wording import clock, speaker_label
from talkbalance.live.view import Snapshot
from talkbalance.report.png import (
    BAR_HEIGHT,
    INK,
    MARK_OFFSET,
    MUTED,
    OVERLAP_COLOUR,
    SMALL_MARKS,
    SPEAKER_COLOURS,
    TARGET_COLOUR,
    share_axis_label,
)

SIZE_IN = (10, 5)
CUE_COLOUR = "#c53030"
PENDING_COLOUR = "#805ad5"     # an interruption whose outcome is still open
OUTCOMES = {                   # outcome -> (marker face, marker edge, label suffix)
    "successful": (INK, INK, ""),
    "unsuccessful": ("white", INK, ""),
    "": ("white", PENDING_COLOUR, " ?"),
}
_, BACKCHANNEL_MARKER, BACKCHANNEL_COLOUR, BACKCHANNEL_SIZE, _filled = SMALL_MARKS["backchannel"]
LANE = (1, 0)                  # y of each speaker's lane: the first speaker on top
TIMELINE_Y = (-0.7, 1.75)      # y limits of the timeline
OVERLAP_Y = (-0.5, 1.5)        # the overlap shading spans both lanes; nothing changing reaches below it
LABEL_GAP = 0.12               # "A→B" labels are this share of the window apart at least (else skipped)
LABELS_PER_LANE = math.ceil(1 / LABEL_GAP) + 1
LABEL_ABOVE_MARK = 0.12        # lane units between an interruption mark and its label
NICE_STEPS_S = (1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600)
PANEL_X = 0.64                 # left edge of the counters (figure fraction)
COLUMNS_PT = (165, 250)        # right edges of each speaker's column of counts, from PANEL_X
ROWS_Y = (0.30, 0.245, 0.19, 0.13, 0.07, 0.025)   # names, interruptions, backchannels, silence, latency, dropped
SHARE_TEXT_MIN_PCT = 18        # narrower share bars carry no "A 12 %" text
STAMPS_KEPT = 256              # rendered strings each text keeps
BLIT_JOIN_PX = 50_000          # boxes are blitted as one when that adds fewer pixels (see _joined)
_UNSET = object()              # what a part showed before its first update


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
        self._window_s = first.window_s
        self._parts: list[_Part] = []  # the changing artists, in parts, in drawing order
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
            self._redraw(changed)

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

    def _redraw(self, parts: list[_Part]) -> None:
        """Restore the background in each part's box (old and new place), draw the parts, blit the boxes."""
        canvas = self.fig.canvas
        renderer = canvas.get_renderer()                            # type: ignore[attr-defined]  # (an Agg canvas)
        pixels = np.asarray(canvas.buffer_rgba())                   # type: ignore[attr-defined]
        height, width = pixels.shape[:2]
        background = cast(np.ndarray, self._background)      # cached: redraws come after a full draw
        boxes = []
        for part in parts:
            box = part.redraw_box(renderer)
            if box is None:
                continue
            x0, y0, x1, y1 = max(box[0], 0), max(box[1], 0), min(box[2], width), min(box[3], height)
            if x0 < x1 and y0 < y1:
                rows = slice(height - y1, height - y0)     # buffer rows run top down
                pixels[rows, x0:x1] = background[rows, x0:x1]
                boxes.append((x0, y0, x1, y1))
        for part in parts:
            part.draw(renderer)
        for box in _joined(boxes):
            canvas.blit(Bbox.from_extents(*box))

    def _add_part(self, artists: list, shows, set_to, box) -> None:
        """Register changing artists as one part (see ``_Part``): animated when blitting, drawn in the order added.

        Blitting draws these over the background, so their zorders (3 and up, above
        spines and grid) keep that stacking, and the order added follows zorder: a saved
        PNG then matches the window pixel for pixel. Parts must not overlap on screen.
        """
        for artist in artists:
            artist.set_animated(self._blit)
        self._parts.append(_Part(artists, shows, set_to, box))

    def _add_text(self, text: _StampText, shows) -> None:
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
        self._bar_colours = to_rgba_array([*SPEAKER_COLOURS[:2], OVERLAP_COLOUR], [1, 1, 0.25])
        self._bar_ys = np.array([(LANE[k] - BAR_HEIGHT / 2, LANE[k] + BAR_HEIGHT / 2) for k in (0, 1)] + [OVERLAP_Y])
        self._bars = ax.add_collection(PolyCollection([], linewidths=0, zorder=3, transform=in_session_time))
        self._shown_bars: tuple | None = None
        self._backchannels = ax.plot([], [], linestyle="none", marker=BACKCHANNEL_MARKER, markersize=BACKCHANNEL_SIZE,
                                     color=BACKCHANNEL_COLOUR, markeredgewidth=1.6, zorder=5,
                                     transform=in_session_time)[0]
        self._interruptions = {outcome: ax.plot([], [], linestyle="none", marker="v", markersize=9,
                                                markerfacecolor=face, markeredgecolor=edge, markeredgewidth=1.3,
                                                zorder=5, transform=in_session_time)[0]
                               for outcome, (face, edge, _) in OUTCOMES.items()}
        self._shown_marks = None
        self._mark_labels = [_text(ax, 0, 0, "", ha="center", va="bottom", fontsize=8, zorder=6, clip_on=True,
                                   visible=False)
                             for _ in range(2 * LABELS_PER_LANE)]
        self._add_part([self._bars, self._backchannels, *self._interruptions.values(), *self._mark_labels],
                       lambda s: (s.now_s, s.spurts, s.overlaps, s.marks), self._set_timeline, self._timeline_box)

        ax.set_xlim(-self._window_s, 0)
        ax.set_ylim(*TIMELINE_Y)
        step = next((s for s in NICE_STEPS_S if self._window_s / s <= 7), NICE_STEPS_S[-1])
        ticks = np.arange(-math.floor(self._window_s / step) * step, 0.5 * step, step)
        ax.set_xticks(ticks, [f"−{-t:g} s" if t else "now" for t in ticks], fontsize=9)
        ax.set_yticks(LANE, [speaker_label(n, r).replace(" (", "\n(") for n, r in zip(first.names, first.roles)],
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

    def _set_timeline(self, shown: tuple) -> None:
        now, spurts, overlaps, marks = shown
        self._scroll.clear().translate(-now, 0)
        if (spurts, overlaps) != self._shown_bars:  # unchanged while nobody talks
            self._shown_bars = spurts, overlaps
            # rows (kind, start, end), kind 0 or 1 a speaker's spurt, 2 an overlap: in drawing order
            rows = np.array(sorted((k, a, b) for k, a, b in spurts) + [(2, a, b) for a, b in overlaps]).reshape(-1, 3)
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
                       [LANE[m.speaker] - MARK_OFFSET for m in backchannels])
            for outcome, line in self._interruptions.items():
                chosen = [m for m in interruptions if m.outcome == outcome]
                _set_marks(line, [m.start_s for m in chosen], [LANE[m.speaker] + MARK_OFFSET for m in chosen])

        labels = iter(self._mark_labels)
        gap = LABEL_GAP * self._window_s
        last_x: dict[int, float] = {}
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

    def _timeline_box(self, renderer) -> tuple[int, int, int, int]:
        """Where the timeline's changing artists draw: they are clipped to the axes, and the lowest
        of them, the overlap shading, ends at ``OVERLAP_Y[0]``."""
        box = self._timeline_ax.bbox
        bottom = box.y0 + box.height * (OVERLAP_Y[0] - TIMELINE_Y[0]) / (TIMELINE_Y[1] - TIMELINE_Y[0])
        return _pixels(Bbox.from_extents(box.x0, bottom, box.x1, box.y1))

    # --- talk share ------------------------------------------------------------------------

    def _build_share(self, first: Snapshot) -> None:
        """A 0–100 % bar read from the left as the trainee's share (channel 1's without a trainee), as in
        report.png, with the trainee's target band over it."""
        ax = self._share_ax = self.fig.add_axes((0.13, 0.13, 0.45, 0.1), label="share")
        self._share_order = (first.trainee, 1 - first.trainee) if first.trainee is not None else (0, 1)
        self._share_bars = ax.add_collection(PolyCollection([], facecolors=[SPEAKER_COLOURS[k] for k in
                                                                            self._share_order],
                                                            linewidths=0, zorder=3))
        band = []
        if first.share_band is not None and first.trainee is not None:
            lo, hi = (100 * v for v in first.share_band)
            band.append(ax.add_patch(Rectangle((lo, -0.42), hi - lo, 0.84, facecolor="none", hatch="//",
                                               edgecolor=TARGET_COLOUR, linewidth=1.5, zorder=4)))
            ax.text((lo + hi) / 2, 0.5, f"target for {first.names[first.trainee]}: {lo:.0f}–{hi:.0f} %",
                    ha="center", va="bottom", fontsize=8.5, color=TARGET_COLOUR, weight="bold")
        self._share_texts = [_text(ax, x, 0, "", ha=ha, va="center", color="white", fontsize=9.5, weight="bold",
                                   zorder=5)
                             for x, ha in ((1.5, "left"), (98.5, "right"))]
        self._share_none = _text(ax, 50, 0, "", ha="center", va="center", color=MUTED, fontsize=10,
                                 style="italic", zorder=5)
        # all are clipped to the axes; the band is redrawn over the bars
        self._add_part([self._share_bars, *band, *self._share_texts, self._share_none], self._share_view,
                       self._set_share, lambda renderer: _pixels(ax.bbox))
        ax.set_xlim(0, 100)
        ax.set_ylim(-0.5, 0.5)
        ax.set_xticks(range(0, 101, 25), [f"{v} %" for v in range(0, 101, 25)], fontsize=9)
        ax.set_xlabel(share_axis_label(first.names[self._share_order[0]]), fontsize=8.5, color=MUTED, labelpad=2)
        ax.set_yticks([0], ["talk share"], fontsize=11)
        ax.tick_params(axis="y", length=0)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)

    def _share_view(self, snap: Snapshot) -> tuple[int, tuple[str, ...]] | None:
        """What the share bar shows: the pixel column where the bars meet (a finer share would not show,
        so most frames change nothing here) and the bars' texts; None before anyone talked."""
        if snap.share is None:
            return None
        pct = [100 * snap.share[k] for k in self._share_order]
        box = self._share_ax.bbox                            # x runs 0..100 across it
        meet = round(box.x0 + pct[0] / 100 * box.width)
        return meet, tuple(f"{self._names[k]} {p:.0f} %" if p >= SHARE_TEXT_MIN_PCT else ""
                           for k, p in zip(self._share_order, pct))

    def _set_share(self, view: tuple[int, tuple[str, str]] | None) -> None:
        meet, texts = view or (None, ("", ""))
        if meet is not None:
            box = self._share_ax.bbox
            x = 100 * (meet - box.x0) / box.width
            verts = _boxes([(0, x), (x, 100)], -BAR_HEIGHT / 2, BAR_HEIGHT / 2)
            self._share_bars.set_verts(verts)           # type: ignore[attr-defined]  # (a PolyCollection)
        self._share_bars.set_visible(meet is not None)
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
        ax.text(0.015, 0.955, title, fontsize=13, weight="bold", color=INK, va="center")
        self._add_text(_text(ax, 0.985, 0.955, "", ha="right", va="center", fontsize=12, weight="bold",
                             color="white", bbox={"boxstyle": "round,pad=0.35", "facecolor": CUE_COLOUR,
                                                  "edgecolor": "none"}),
                       lambda s: "   ·   ".join(s.cues))                # no cues: an empty text, no box
        self._add_text(_text(ax, 0.98, 0.355, "", ha="right", va="center", fontsize=10, color=MUTED),
                       lambda s: f"session {clock(s.now_s)}")

        def at_pt(x_pt: float):
            """Figure fraction in y, ``x_pt`` points right of the panel's left edge in x."""
            return offset_copy(ax.transAxes, self.fig, x=x_pt, units="points")

        for k, name in enumerate(names):
            ax.text(PANEL_X, ROWS_Y[0], name, transform=at_pt(COLUMNS_PT[k]), ha="right", va="center",
                    fontsize=10, weight="bold", color=SPEAKER_COLOURS[k])
        for y, label in zip(ROWS_Y[1:4], ("interruptions made", "backchannels made", "silence")):
            ax.text(PANEL_X, y, label, fontsize=10, color=INK, va="center")

        def count(y: float, k: int) -> _StampText:
            return _text(ax, PANEL_X, y, "", transform=at_pt(COLUMNS_PT[k]), ha="right", va="center", fontsize=11,
                         color=INK)

        for k in (0, 1):
            self._add_text(count(ROWS_Y[1], k), lambda s, k=k: str(s.interruptions[k]))
            self._add_text(count(ROWS_Y[2], k), lambda s, k=k: str(s.backchannels[k]))
        # the running silence: only the number changes every frame, so it is a text of its own
        self._add_text(_text(ax, PANEL_X, ROWS_Y[3], "", transform=at_pt(COLUMNS_PT[0]), ha="right", va="center",
                             fontsize=14, weight="bold", color=INK),
                       lambda s: "–" if s.silence_s <= 0 else f"{s.silence_s:.1f} s")
        self._add_text(_text(ax, PANEL_X, ROWS_Y[3], "", transform=at_pt(COLUMNS_PT[0] + 5), va="center",
                             fontsize=10, color=INK),
                       lambda s: "" if s.silence_s <= 0 or s.last_speaker is None else f"after {names[s.last_speaker]}")
        self._add_text(_text(ax, PANEL_X, ROWS_Y[4], "", fontsize=10, color=INK, va="center"),
                       lambda s: "last response: –" if s.last_latency_s is None else
                       f"last response: {names[s.last_responder]} after {s.last_latency_s:.2f} s")
        self._add_text(_text(ax, PANEL_X, ROWS_Y[5], "", fontsize=9, color=CUE_COLOUR, va="center"),
                       lambda s: f"dropped audio blocks: {s.dropped_blocks}" if s.dropped_blocks else "")


class _Part:
    """Changing artists set, drawn and blitted together, and only when what they show changes.

    ``shows(snap)`` is what they show of a snapshot (compared with ``==`` between frames),
    ``set_to`` sets the artists to that, and ``box(renderer)`` is where they draw: display
    pixels ``(x0, y0, x1, y1)``, or None when they draw nothing.
    """

    def __init__(self, artists: list, shows, set_to, box):
        self.artists, self.shows, self.set_to, self.box = artists, shows, set_to, box
        self.shown = _UNSET
        self.drawn = None              # the box of the last drawing

    def show(self, snap: Snapshot) -> bool:
        """Set the artists to ``snap``; True if what they show changed."""
        shown = self.shows(snap)
        if shown == self.shown:
            return False
        self.set_to(shown)
        self.shown = shown
        return True

    def redraw_box(self, renderer) -> tuple[int, int, int, int] | None:
        """The box to restore and blit before drawing again: where the artists were and where they will be."""
        old, new = self.drawn, self.box(renderer)
        return _union(old, new) if old and new else old or new

    def draw(self, renderer) -> None:
        for artist in self.artists:
            if artist.get_visible():
                artist.draw(renderer)
        self.drawn = self.box(renderer)


class _StampText(Text):
    """A ``Text`` that draws its string from a cached bitmap.

    matplotlib (3.11) renders text glyph by glyph, 3–7 ms a string here (still paid once
    for each new string, e.g. every second by the clock): drawing the texts that way
    would cost several times the rest of the update. Only the string, colour and dpi
    key the cache; other properties must stay as created.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._stamps: dict = {}

    def draw(self, renderer) -> None:
        stamp = self._stamp(renderer)
        if stamp is None:
            return
        image, x, y = stamp
        gc = renderer.new_gc()
        self._set_gc_clip(gc)                           # type: ignore[attr-defined]  # (matplotlib's private Artist API)
        renderer.draw_image(gc, x, y, image)
        gc.restore()
        self.stale = False

    def pixel_box(self, renderer) -> tuple[int, int, int, int] | None:
        """The display pixels ``draw`` covers, ``(x0, y0, x1, y1)``, or None when it draws nothing."""
        stamp = self._stamp(renderer)
        if stamp is None:
            return None
        image, x, y = stamp
        return x, y, x + image.shape[1], y + image.shape[0]

    def _stamp(self, renderer) -> tuple[np.ndarray, int, int] | None:
        """The bitmap and the display pixel of its lower left corner (None when nothing is drawn)."""
        if not self.get_visible() or not self.get_text():
            return None
        key = (self.get_text(), self.get_color(), renderer.dpi)
        if key not in self._stamps:
            if len(self._stamps) >= STAMPS_KEPT:
                self._stamps.clear()
            self._stamps[key] = self._render(renderer)
        image, dx, dy = self._stamps[key]
        x, y = np.round(self.get_transform().transform(self.get_unitless_position()))
        return image, int(x) + dx, int(y) + dy

    def _render(self, renderer) -> tuple[np.ndarray, int, int]:
        """The text (and its box) drawn alone: RGBA rows bottom up, and its offset from the anchor pixel."""
        extent = self.get_window_extent(renderer)                  # the glyphs, without the box
        anchor = self.get_transform().transform(self.get_unitless_position())
        margin = int(2 * renderer.points_to_pixels(self.get_fontsize()))   # room for the box around them
        x0, y0 = (round(margin + a - e) for a, e in zip(anchor, extent.p0))
        scratch = RendererAgg(int(extent.width) + 2 * margin, int(extent.height) + 2 * margin, renderer.dpi)
        with self._cm_set(transform=IdentityTransform(), position=(x0, y0), clip_on=False):  # type: ignore[attr-defined]
            super().draw(scratch)
        rgba = np.asarray(scratch.buffer_rgba())
        rows = np.flatnonzero(rgba[..., 3].any(axis=1))
        cols = np.flatnonzero(rgba[..., 3].any(axis=0))
        top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        return rgba[top:bottom, left:right][::-1].copy(), int(left - x0), int((rgba.shape[0] - bottom) - y0)


def _text(ax, x: float, y: float, s: str, **kwargs) -> _StampText:
    """A cached-bitmap text added to ``ax`` (data coordinates unless ``transform`` is given)."""
    return ax.add_artist(_StampText(x, y, s, **kwargs))


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


def _joined(boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """``boxes``, those close together joined: each blit costs a fixed amount besides its pixels
    (TkAgg on this figure: 0.4–0.6 ms, what 50000–70000 pixels take), so a join pays when it adds
    fewer than ``BLIT_JOIN_PX``."""
    joined: list[tuple[int, int, int, int]] = []
    for box in boxes:
        for k, other in enumerate(joined):
            union = _union(box, other)
            if _area(union) - _area(box) - _area(other) < BLIT_JOIN_PX:
                joined[k] = union
                break
        else:
            joined.append(box)
    return joined


def _union(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def _area(box: tuple[int, int, int, int]) -> int:
    return (box[2] - box[0]) * (box[3] - box[1])


def _pixels(bbox: Bbox) -> tuple[int, int, int, int]:
    """``bbox`` grown to whole display pixels."""
    return math.floor(bbox.x0), math.floor(bbox.y0), math.ceil(bbox.x1), math.ceil(bbox.y1)


def _legend_handles() -> list:
    """Proxy artists for the overlap shading and the marks."""
    marks = [Line2D([], [], linestyle="none", marker="v", markersize=8, markerfacecolor=face,
                    markeredgecolor=edge, markeredgewidth=1.3,
                    label=f"interruption, {outcome or 'open'}")
             for outcome, (face, edge, _) in OUTCOMES.items()]
    return [Patch(facecolor=OVERLAP_COLOUR, alpha=0.25, label="both speaking"), *marks,
            Line2D([], [], linestyle="none", marker=BACKCHANNEL_MARKER, markersize=BACKCHANNEL_SIZE,
                   color=BACKCHANNEL_COLOUR, markeredgewidth=1.6, label="backchannel")]

"""Texts drawn from cached bitmaps, for the live window's changing strings.

matplotlib (3.11) renders text glyph by glyph, 3–7 ms a string here (still paid once
for each new string, e.g. every second by the clock): drawing the changing texts that
way would cost several times the rest of a live update.
"""
from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.text import Text
from matplotlib.transforms import IdentityTransform

STAMPS_KEPT = 256              # rendered strings each text keeps


class StampText(Text):
    """A ``Text`` that draws its string from a cached bitmap.

    Only the string, colour and dpi key the cache; other properties must stay as created.
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


def stamp_text(ax, x: float, y: float, s: str, **kwargs) -> StampText:
    """A cached-bitmap text added to ``ax`` (data coordinates unless ``transform`` is given)."""
    return ax.add_artist(StampText(x, y, s, **kwargs))

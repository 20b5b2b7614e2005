"""Blitting a figure by parts: each part redraws and blits only its own box, and only when what it shows changed.

Boxes are display pixels ``(x0, y0, x1, y1)``, y up from the bottom of the canvas.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from matplotlib.transforms import Bbox

from talkbalance.live.view import Snapshot

Box = tuple[int, int, int, int]
BLIT_JOIN_PX = 50_000          # boxes are blitted as one when that adds fewer pixels (see joined)
_UNSET = object()              # what a part showed before its first update


class Part:
    """Changing artists set, drawn and blitted together, and only when what they show changes.

    ``shows(snap)`` is what they show of a snapshot (compared with ``==`` between frames),
    ``set_to`` sets the artists to that, and ``box(renderer)`` is where they draw: display
    pixels ``(x0, y0, x1, y1)``, or None when they draw nothing.
    """

    def __init__(self, artists: list, shows: Callable[[Snapshot], Any], set_to: Callable[[Any], None],
                 box: Callable[[Any], Box | None]):
        self.artists, self.shows, self.set_to, self.box = artists, shows, set_to, box
        self.shown = _UNSET
        self.drawn: Box | None = None          # the box of the last drawing

    def show(self, snap: Snapshot) -> bool:
        """Set the artists to ``snap``; True if what they show changed."""
        shown = self.shows(snap)
        if shown == self.shown:
            return False
        self.set_to(shown)
        self.shown = shown
        return True

    def redraw_box(self, renderer) -> Box | None:
        """The box to restore and blit before drawing again: where the artists were and where they will be."""
        old, new = self.drawn, self.box(renderer)
        return union(old, new) if old and new else old or new

    def draw(self, renderer) -> None:
        for artist in self.artists:
            if artist.get_visible():
                artist.draw(renderer)
        self.drawn = self.box(renderer)


def redraw(canvas, background: np.ndarray, parts: list[Part]) -> None:
    """Restore ``background`` (RGBA rows, top down) in each part's box (old and new place), draw the parts,
    blit the boxes."""
    renderer = canvas.get_renderer()
    pixels = np.asarray(canvas.buffer_rgba())
    height, width = pixels.shape[:2]
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
    for box in joined(boxes):
        canvas.blit(Bbox.from_extents(*box))


def joined(boxes: list[Box]) -> list[Box]:
    """``boxes``, those close together joined: each blit costs a fixed amount besides its pixels
    (TkAgg on the live figure: 0.4–0.6 ms, what 50000–70000 pixels take), so a join pays when it adds
    fewer than ``BLIT_JOIN_PX``."""
    out: list[Box] = []
    for box in boxes:
        for k, other in enumerate(out):
            both = union(box, other)
            if area(both) - area(box) - area(other) < BLIT_JOIN_PX:
                out[k] = both
                break
        else:
            out.append(box)
    return out


def union(a: Box, b: Box) -> Box:
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def area(box: Box) -> int:
    return (box[2] - box[0]) * (box[3] - box[1])


def pixels(bbox: Bbox) -> Box:
    """``bbox`` grown to whole display pixels."""
    return math.floor(bbox.x0), math.floor(bbox.y0), math.ceil(bbox.x1), math.ceil(bbox.y1)

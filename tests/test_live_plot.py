"""Tests for talkbalance.live.display.plot: the blitted live window.

Under Agg: hand-made snapshots with known spurts, overlap, marks, share and cue are
drawn, saved and read back pixel by pixel at the data positions where each thing
must (or must not) be; the blitted canvas must equal a full draw, and an update must
redraw and blit only what changed. Under Xvfb: the real TkAgg window is driven with
demo snapshots and the X display is screenshotted.
"""
from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import pickle
import shutil
import subprocess
import sys
import threading
import time

import matplotlib
import matplotlib.colors
import numpy as np
import pytest
import soundfile as sf
from conftest import DEMO, ROOT
from matplotlib.backend_bases import ResizeEvent
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image, features

from talkbalance.config import load_config
from talkbalance.core.engine import Engine
from talkbalance.live.display.plot import CUE_COLOUR, PENDING_COLOUR, LivePlot, interactive_display_available
from talkbalance.live.display.text_cache import stamp_text
from talkbalance.live.view import LiveView, Mark, Snapshot
from talkbalance.report.style import INK, MARK_OFFSET, OVERLAP_COLOUR, SMALL_MARKS, SPEAKER_COLOURS, TARGET_COLOUR

matplotlib.use("Agg")            # before any figure: the in-process tests draw off screen

A_RGB, B_RGB, INK_RGB, CUE_RGB, PENDING_RGB, TARGET_RGB, RED_RGB, GREEN_RGB = (
    np.array(matplotlib.colors.to_rgb(c)) * 255
    for c in (*SPEAKER_COLOURS[:2], INK, CUE_COLOUR, PENDING_COLOUR, TARGET_COLOUR, OVERLAP_COLOUR,
              SMALL_MARKS["backchannel"][2]))
WHITE = np.array([255.0, 255, 255])
LANE_Y = (1, 0)          # speaker A's lane on top

# now = 100 s, window 60 s: A talks -50..-40 and -30..-18 s, B -42..-36, -15..-5 and -2.5..0 s
# (relative), both at -42..-40; B interrupts A at -42 (successful), A interrupts B at -20 (unsuccessful),
# B's interruption at -2.5 is still open; A backchannels at -12.
HAND = Snapshot(
    names=("A", "B"), roles=("", ""), now_s=100.0, window_s=60.0,
    spurts=((0, 50.0, 60.0), (0, 70.0, 82.0), (1, 58.0, 64.0), (1, 85.0, 95.0), (1, 97.5, 100.0)),
    overlaps=((58.0, 60.0),),
    marks=(Mark("interruption", 1, 0, 58.0, "successful"), Mark("interruption", 0, 1, 80.0, "unsuccessful"),
           Mark("backchannel", 0, 1, 88.0, ""), Mark("interruption", 1, 0, 97.5, "")),
    talk_s=(22.0, 51.3), share=(0.3, 0.7), share_band=(0.2, 0.4), trainee=1,
    interruptions=(1, 2), backchannels=(1, 0), silence_s=1.3, last_speaker=0,
    last_latency_s=0.48, last_responder=1, cues=("A interrupted B", "A has talked for 35 s"), dropped_blocks=3,
)
QUIET = dataclasses.replace(HAND, cues=(), dropped_blocks=0, silence_s=0.0)


@pytest.fixture
def plot():
    p = LivePlot(HAND)
    yield p
    p.close()


@pytest.fixture(scope="module")
def demo_snapshots() -> list[Snapshot]:
    """Snapshots of the demo session at 10 per second of audio (every 5th 20 ms block)."""
    cfg = load_config(ROOT / "configs" / "peer-support.toml")
    x, sr = sf.read(DEMO / "practice_session.flac", dtype="int16")
    eng = Engine(cfg, sr)
    view = LiveView(eng)
    snaps = []
    for n, i in enumerate(range(0, len(x), 320)):
        eng.feed(x[i:i + 320])
        view.refresh()
        if n % 5 == 0:
            snaps.append(view.snapshot())
    return snaps


# --- helpers ------------------------------------------------------------------------------


def saved(plot: LivePlot, tmp_path, name="view.png") -> np.ndarray:
    path = tmp_path / name
    plot.save(path)
    return np.asarray(Image.open(path).convert("RGB")).astype(float)


def axes(plot: LivePlot, label: str):
    return next(ax for ax in plot.fig.axes if ax.get_label() == label)


def at(img: np.ndarray, ax, x: float, y: float, radius_px: int = 0) -> np.ndarray:
    """The pixels (n, 3) within ``radius_px`` of data point (x, y) of ``ax``."""
    px, py = ax.transData.transform((x, y))
    col, row = int(px), int(img.shape[0] - py)
    return img[row - radius_px:row + radius_px + 1, col - radius_px:col + radius_px + 1].reshape(-1, 3)


def near(pixels: np.ndarray, rgb: np.ndarray, tol: float = 4) -> np.ndarray:
    return np.abs(pixels - rgb).max(axis=-1) <= tol


def visible_texts(plot: LivePlot) -> list[str]:
    return [t.get_text() for t in plot.fig.findobj(Text) if t.get_visible() and t.get_text()]


def row_extent(img: np.ndarray, ax, y: float, rgb: np.ndarray) -> tuple[float, float]:
    """Data x of the first and last pixel of colour ``rgb`` on the row at data ``y`` inside ``ax``."""
    x0, x1 = ax.get_xlim()
    left, py = ax.transData.transform((x0, y))
    right, _ = ax.transData.transform((x1, y))
    row = img[int(img.shape[0] - py), int(left):int(right)]
    cols = np.flatnonzero(near(row, rgb, tol=6)) + int(left)
    inv = ax.transData.inverted()
    return inv.transform((cols[0], py))[0], inv.transform((cols[-1] + 1, py))[0]


# --- what is drawn where (Agg) ------------------------------------------------------------


def test_spurts_drawn_in_their_lane_at_their_relative_time(plot, tmp_path):
    img, tl = saved(plot, tmp_path), axes(plot, "timeline")
    assert img.shape == (500, 1000, 3)
    # A: -50..-40 and -30..-18 s (points off the 10 s grid lines)
    for x in (-48, -45, -25, -19):
        assert near(at(img, tl, x, LANE_Y[0]), A_RGB).all(), x
    for x in (-35, -11, -55):
        assert near(at(img, tl, x, LANE_Y[0]), WHITE).all(), x
    # B: -42..-36, -15..-5 and -2.5..0 s
    for x in (-38, -11, -6, -1):
        assert near(at(img, tl, x, LANE_Y[1]), B_RGB).all(), x
    for x in (-45, -32, -4):
        assert near(at(img, tl, x, LANE_Y[1]), WHITE).all(), x


def test_overlap_shaded_across_both_lanes(plot, tmp_path):
    img, tl = saved(plot, tmp_path), axes(plot, "timeline")
    shade = 0.25 * RED_RGB + 0.75 * WHITE
    assert near(at(img, tl, -41, 0.5), shade).all()                       # between the lanes
    assert near(at(img, tl, -41, LANE_Y[0]), 0.25 * RED_RGB + 0.75 * A_RGB).all()
    assert near(at(img, tl, -41, LANE_Y[1]), 0.25 * RED_RGB + 0.75 * B_RGB).all()
    assert near(at(img, tl, -38, 0.5), WHITE).all()                       # B alone: no shade


def test_interruption_marks_differ_by_outcome_and_backchannel_marked(plot, tmp_path):
    img, tl = saved(plot, tmp_path), axes(plot, "timeline")
    successful = at(img, tl, -42, LANE_Y[1] + MARK_OFFSET)                # B→A, above B's bar
    assert near(successful, INK_RGB, tol=30).all()                        # filled
    unsuccessful = at(img, tl, -20, LANE_Y[0] + MARK_OFFSET, radius_px=6)  # A→B, above A's bar
    assert near(at(img, tl, -20, LANE_Y[0] + MARK_OFFSET), WHITE).all()   # hollow
    assert near(unsuccessful, INK_RGB, tol=30).any()
    pending = at(img, tl, -2.5, LANE_Y[1] + MARK_OFFSET, radius_px=6)
    assert near(pending, PENDING_RGB, tol=30).any() and not near(pending, INK_RGB, tol=30).any()
    assert near(at(img, tl, -12, LANE_Y[0] - MARK_OFFSET, radius_px=3), GREEN_RGB, tol=30).any()
    assert not near(at(img, tl, -25, LANE_Y[0] - MARK_OFFSET, radius_px=3), GREEN_RGB, tol=30).any()
    assert {"B→A", "A→B", "B→A ?"} <= set(visible_texts(plot))


def test_interruption_labels_keep_apart_and_inside_the_timeline(tmp_path):
    # relative times: A interrupts at -59.5, -30, -28 and -20 s, B at -29 and -0.5 s
    marks = tuple(Mark("interruption", k, 1 - k, 100.0 + t, "successful")
                  for k, t in ((0, -59.5), (0, -30), (0, -28), (0, -20), (1, -29), (1, -0.5)))
    p = LivePlot(dataclasses.replace(HAND, marks=marks))
    saved(p, tmp_path)
    tl = axes(p, "timeline")
    labels = [t for t in tl.texts if t.get_visible() and "→" in t.get_text()]
    placed = sorted((t.get_text(), round(t.get_position()[0], 1)) for t in labels)
    # the newest first, 7.2 s (12 % of 60 s) apart per lane: A's -30 is too close to -28; the
    # labels at the ends are pulled in by half that, so they stay whole
    assert placed == [("A→B", -56.4), ("A→B", -28.0), ("A→B", -20.0), ("B→A", -29.0), ("B→A", -3.6)]
    for t in labels:
        extent = t.get_window_extent()
        assert tl.bbox.x0 <= extent.x0 and extent.x1 <= tl.bbox.x1
    p.close()


@pytest.mark.parametrize("trainee", [0, 1])
def test_share_bar_reads_the_trainees_share_from_the_left_whichever_channel(trainee, tmp_path):
    # A has 30 %, B 70 %; the bar starts with the trainee's share and the band sits at 20-40 % of that axis,
    # as in report.png, so a trainee on either channel reads their share against their target at a glance
    p = LivePlot(dataclasses.replace(HAND, trainee=trainee))
    img, ax = saved(p, tmp_path), axes(p, "share")
    mine, theirs = (A_RGB, B_RGB) if trainee == 0 else (B_RGB, A_RGB)
    share = HAND.share[trainee]
    m0, m1 = row_extent(img, ax, 0.15, mine)
    t0, t1 = row_extent(img, ax, 0.15, theirs)
    assert m0 == pytest.approx(0, abs=1) and t0 == pytest.approx(m1, abs=1) and t1 == pytest.approx(100, abs=1)
    assert (m1 - m0) / (t1 - m0) == pytest.approx(share, abs=0.01)
    assert row_extent(img, ax, 0.35, TARGET_RGB) == pytest.approx((20, 40), abs=1)   # above the bar
    texts = visible_texts(p)
    assert f"target for {HAND.names[trainee]}: 20–40 %" in texts
    assert f"{HAND.names[trainee]}'s share of all talk time (%), from the left" in texts
    assert f"{HAND.names[trainee]} {100 * share:.0f} %" in texts
    p.close()


def test_report_reads_the_share_bar_the_same_way(tmp_path):
    from test_report import result_from_spurts  # noqa: PLC0415

    from talkbalance.report.png import report_figure

    for trainee, roles in ((0, ("trainee", "client")), (1, ("client", "trainee"))):
        result = result_from_spurts([[(0, 3)], [(4, 11)]], 12, roles=roles)   # A 30 %, B 70 %
        fig = report_figure(result)
        texts = [t.get_text() for t in fig.findobj(Text)]
        assert f"{result.names[trainee]}'s share of all talk time (%), from the left" in texts
        assert f"target for {result.names[trainee]}: 20–40 %" in texts


def test_no_band_without_roles_and_no_bar_before_speech(tmp_path):
    p = LivePlot(dataclasses.replace(HAND, share=None, share_band=None, trainee=None))
    img, ax = saved(p, tmp_path), axes(p, "share")
    pixels = img[int(img.shape[0] - ax.bbox.y1):int(img.shape[0] - ax.bbox.y0), int(ax.bbox.x0):int(ax.bbox.x1)]
    pixels = pixels.reshape(-1, 3)
    assert not near(pixels, TARGET_RGB, tol=30).any()
    assert not near(pixels, A_RGB, tol=30).any() and not near(pixels, B_RGB, tol=30).any()
    assert "no speech yet" in visible_texts(p)
    p.close()


def test_cue_box_shown_only_while_there_are_cues(plot, tmp_path):
    img = saved(plot, tmp_path, "cue.png")
    assert near(img.reshape(-1, 3), CUE_RGB, tol=2).sum() > 3000
    assert "A interrupted B   ·   A has talked for 35 s" in visible_texts(plot)
    plot.update(QUIET)
    blitted = np.asarray(plot.fig.canvas.buffer_rgba())[..., :3].astype(float)   # before saving redraws it
    assert not near(blitted.reshape(-1, 3), CUE_RGB, tol=2).any()
    assert not near(saved(plot, tmp_path, "quiet.png").reshape(-1, 3), CUE_RGB, tol=2).any()


def panel_row(plot: LivePlot, first: str) -> list[Text]:
    """The texts shown on the counters panel's row that starts with ``first``, left to right."""
    texts = [t for t in axes(plot, "panel").texts if t.get_visible() and t.get_text()]
    y = next(t for t in texts if t.get_text() == first).get_position()[1]
    return sorted((t for t in texts if t.get_position()[1] == y), key=lambda t: t.get_window_extent().x0)


def test_panel_counts_in_each_speakers_column_and_timers(plot, tmp_path):
    saved(plot, tmp_path)                                      # lays the texts out
    names = panel_row(plot, "A")
    assert [t.get_text() for t in names] == ["A", "B"]
    assert [t.get_text() for t in panel_row(plot, "interruptions made")] == ["interruptions made", "1", "2"]
    assert [t.get_text() for t in panel_row(plot, "backchannels made")] == ["backchannels made", "1", "0"]
    assert [t.get_text() for t in panel_row(plot, "silence")] == ["silence", "1.3 s", "after A"]
    for row in ("interruptions made", "backchannels made"):              # each count right under its speaker's name
        counts = panel_row(plot, row)[1:]
        for name, count in zip(names, counts):
            assert count.get_window_extent().x1 == pytest.approx(name.get_window_extent().x1, abs=1)
    texts = visible_texts(plot)
    assert {"last response: B after 0.48 s", "dropped audio blocks: 3", "session 1:40"} <= set(texts)

    plot.update(dataclasses.replace(QUIET, last_latency_s=None, last_responder=None))
    saved(plot, tmp_path)
    assert [t.get_text() for t in panel_row(plot, "silence")] == ["silence", "–"]   # talking: no timer
    texts = visible_texts(plot)
    assert "last response: –" in texts
    assert not any("dropped" in t for t in texts)


def test_labels_of_lanes_carry_roles():
    p = LivePlot(dataclasses.replace(HAND, names=("Ann", "Bo"), roles=("trainee", "client")))
    assert [t.get_text() for t in axes(p, "timeline").get_yticklabels()] == ["Ann\n(trainee)", "Bo\n(client)"]
    p.close()


# three people (the engine takes two for now; the display takes any number): A talks -50..-40 s, B -35..-25 s,
# C -45..-42 and -20..-5 s; C interrupts A at -45, B backchannels at -15.
THREE = Snapshot(
    names=("A", "B", "C"), roles=("trainee", "client", ""), now_s=100.0, window_s=60.0,
    spurts=((0, 50.0, 60.0), (1, 65.0, 75.0), (2, 55.0, 58.0), (2, 80.0, 95.0)),
    overlaps=((55.0, 58.0),),
    marks=(Mark("interruption", 2, 0, 55.0, "successful"), Mark("backchannel", 1, 2, 85.0, "")),
    talk_s=(10.0, 10.0, 18.0), share=(10 / 38, 10 / 38, 18 / 38), share_band=(0.2, 0.4), trainee=0,
    interruptions=(0, 0, 1), backchannels=(0, 1, 0), silence_s=0.0, last_speaker=2,
    last_latency_s=0.48, last_responder=2, cues=(), dropped_blocks=0,
)


def test_three_people_get_three_lanes_columns_and_share_bars(tmp_path):
    p = LivePlot(THREE)
    img, tl, share = saved(p, tmp_path, "three.png"), axes(p, "timeline"), axes(p, "share")
    colours = [np.array(matplotlib.colors.to_rgb(c)) * 255 for c in SPEAKER_COLOURS[:3]]
    ticks = tl.get_yticklabels()
    assert list(tl.get_yticks()) == [2, 1, 0]                                  # the first speaker on top
    assert [t.get_text() for t in ticks] == ["A\n(trainee)", "B\n(client)", "C"]
    assert [t.get_color() for t in ticks] == list(SPEAKER_COLOURS[:3])
    for lane, talking, quiet, rgb in ((2, -48, -33, colours[0]), (1, -28, -12, colours[1]), (0, -12, -33, colours[2])):
        assert near(at(img, tl, talking, lane), rgb).all()
        assert near(at(img, tl, quiet, lane), WHITE).all()
    for lane, under in ((2, colours[0]), (1, WHITE), (0, colours[2])):          # the overlap shades every lane
        assert near(at(img, tl, -43.5, lane), 0.25 * RED_RGB + 0.75 * under).all()
    assert near(at(img, tl, -45, 0 + MARK_OFFSET), INK_RGB).all()              # C's interruption, above C's bar
    assert near(at(img, tl, -15, 1 - MARK_OFFSET, radius_px=3), GREEN_RGB, tol=30).any()   # B's backchannel
    assert "C→A" in visible_texts(p)

    for x, rgb in ((10, colours[0]), (45, colours[1]), (75, colours[2])):      # trainee first, then channel order
        assert near(at(img, share, x, -0.2), rgb).all()
    assert {"A 26 %", "B 26 %", "C 47 %"} <= set(visible_texts(p))

    names = panel_row(p, "A")
    assert [t.get_text() for t in names] == ["A", "B", "C"]
    assert [t.get_text() for t in panel_row(p, "interruptions made")] == ["interruptions made", "0", "0", "1"]
    assert [t.get_text() for t in panel_row(p, "backchannels made")] == ["backchannels made", "0", "1", "0"]
    right = axes(p, "panel").bbox.x1
    for row in ("interruptions made", "backchannels made"):
        for name, count in zip(names, panel_row(p, row)[1:]):
            assert count.get_window_extent().x1 == pytest.approx(name.get_window_extent().x1, abs=1)
            assert count.get_window_extent().x1 <= right
    assert all(b.get_window_extent().x0 - a.get_window_extent().x1 > 10 for a, b in zip(names, names[1:]))

    p.update(dataclasses.replace(THREE, now_s=101.0, share=(0.2, 0.3, 0.5), interruptions=(0, 4, 1)))   # blitted
    assert {"A 20 %", "B 30 %", "C 50 %"} <= set(visible_texts(p))
    assert np.array_equal(canvas_pixels(p), saved(p, tmp_path, "three_updated.png"))
    p.close()


# --- blitting (Agg) -----------------------------------------------------------------------


def test_cached_text_bitmaps_land_where_matplotlib_draws_text():
    def plain(ax, *args, **kwargs):
        return ax.add_artist(Text(*args, **kwargs))

    images = []
    for make in (plain, stamp_text):
        fig = Figure(figsize=(4, 2))                           # 400 x 200 px: anchors on whole pixels
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0, 0, 1, 1))
        make(ax, 0.25, 0.5, "A→B 12 %", transform=ax.transAxes, va="bottom", fontsize=10)
        make(ax, 0.95, 0.25, "a cue wider than half the figure", transform=ax.transAxes, ha="right",
             va="center", color="white", fontsize=12,
             bbox={"boxstyle": "round,pad=0.35", "facecolor": CUE_COLOUR, "edgecolor": "none"})
        make(ax, 0.75, 0.75, "1.3 s", transform=ax.transAxes, ha="right", va="top", weight="bold")
        for _ in range(2):                                     # the second draw uses the cached bitmaps
            fig.canvas.draw()
        images.append(np.asarray(fig.canvas.buffer_rgba()).copy())
    assert (images[0][..., :3] < 200).sum() > 300              # there is text to compare
    assert np.array_equal(*images)



def test_updates_blit_without_full_redraws_and_match_a_full_draw(plot, tmp_path):
    draws = []
    plot.fig.canvas.mpl_connect("draw_event", lambda event: draws.append(event))
    moved = dataclasses.replace(QUIET, now_s=104.0)
    plot.update(moved)
    plot.update(HAND)
    plot.update(moved)
    assert draws == []
    blitted = np.asarray(plot.fig.canvas.buffer_rgba())[..., :3].astype(float)
    assert np.array_equal(blitted, saved(plot, tmp_path))     # no leftovers from earlier frames, same stacking


def canvas_pixels(plot: LivePlot) -> np.ndarray:
    return np.asarray(plot.fig.canvas.buffer_rgba())[..., :3].astype(float)


def changed_box(before: np.ndarray, after: np.ndarray) -> tuple[int, int, int, int]:
    """The display pixel box (x0, y0, x1, y1), y up, around the pixels that differ."""
    rows, cols = np.nonzero((before != after).any(axis=-1))
    height = before.shape[0]
    return cols.min(), height - rows.max() - 1, cols.max() + 1, height - rows.min()


def inside(box, outer) -> bool:
    return outer[0] <= box[0] and outer[1] <= box[1] and box[2] <= outer[2] and box[3] <= outer[3]


def test_only_what_changed_is_redrawn_and_blitted(plot, tmp_path, monkeypatch):
    blits = []
    monkeypatch.setattr(plot.fig.canvas, "blit", lambda bbox=None: blits.append(tuple(bbox.extents)))
    draws = []
    plot.fig.canvas.mpl_connect("draw_event", lambda event: draws.append(event))
    before = canvas_pixels(plot)
    plot.update(HAND)                                          # the same again: nothing to do
    assert blits == [] and np.array_equal(canvas_pixels(plot), before)

    plot.update(dataclasses.replace(HAND, interruptions=(1, 7)))   # only B's interruption count changes
    after = canvas_pixels(plot)
    assert len(blits) == 1
    x0, y0, x1, y1 = blits[0]
    assert (x1 - x0) * (y1 - y0) < 1000                        # the count's own small box
    assert not np.array_equal(after, before)
    assert inside(changed_box(before, after), blits[0])        # the new count is drawn there, nothing else moved
    assert "7" in visible_texts(plot) and "2" not in [t.get_text() for t in panel_row(plot, "interruptions made")]

    blits.clear()
    plot.update(dataclasses.replace(HAND, interruptions=(1, 7), now_s=100.1))   # scrolls; the clock still 1:40
    tl = axes(plot, "timeline").bbox
    assert len(blits) == 1 and inside(blits[0], (tl.x0, tl.y0, tl.x1, tl.y1))

    blits.clear()                                              # a share change too small to move a pixel
    plot.update(dataclasses.replace(HAND, interruptions=(1, 7), now_s=100.1, share=(0.3001, 0.6999)))
    assert blits == []
    plot.update(dataclasses.replace(HAND, interruptions=(1, 7), now_s=100.1, share=(0.45, 0.55)))
    share = axes(plot, "share").bbox
    assert len(blits) == 1 and inside(blits[0], (share.x0 - 1, share.y0 - 1, share.x1 + 1, share.y1 + 1))
    assert {"A 45 %", "B 55 %"} <= set(visible_texts(plot))
    assert draws == []
    assert np.array_equal(canvas_pixels(plot), saved(plot, tmp_path))


def test_resize_recaches_the_background(plot, tmp_path):
    draws = []
    plot.fig.canvas.mpl_connect("draw_event", lambda event: draws.append(event))
    plot.fig.set_size_inches(8, 4)
    ResizeEvent("resize_event", plot.fig.canvas)._process()
    plot.update(QUIET)
    assert len(draws) == 1                                     # one full draw after the resize ...
    plot.update(HAND)
    assert len(draws) == 1                                     # ... then blitting again
    blitted = np.asarray(plot.fig.canvas.buffer_rgba())[..., :3].astype(float)
    assert blitted.shape == (400, 800, 3)
    assert np.array_equal(blitted, saved(plot, tmp_path))


def test_demo_updates_reuse_artists(demo_snapshots, tmp_path):
    snaps = demo_snapshots[::5][:200]
    p = LivePlot(snaps[0])
    artists = len(p.fig.findobj())
    for snap in snaps:
        p.update(snap)
    assert len(snaps) == 200 and len(p.fig.findobj()) == artists
    assert sum(len(v) for v in axes(p, "timeline").collections[0].get_paths()) > 0
    blitted = np.asarray(p.fig.canvas.buffer_rgba())[..., :3].astype(float)
    assert np.array_equal(blitted, saved(p, tmp_path))
    p.close()


def test_close_and_wait(plot):
    waiting = threading.Thread(target=plot.wait, args=(0.0,), daemon=True)
    waiting.start()
    waiting.join(timeout=1.0)
    if waiting.is_alive():                                     # an endless event loop: end it, then fail
        plot.fig.canvas.stop_event_loop()
        pytest.fail("wait(0) did not return")
    start = time.perf_counter()
    plot.wait(0.2)
    assert 0.15 < time.perf_counter() - start < 1.0
    assert not plot.closed
    plot.close()
    assert plot.closed
    plot.update(HAND)                                          # ignored once closed


def test_no_interactive_display_under_agg():
    assert interactive_display_available() is False


# --- a real window (TkAgg on Xvfb) --------------------------------------------------------

WINDOW_SCRIPT = r"""
import json, os, pickle, sys, time
import numpy as np
from PIL import Image, ImageGrab
import matplotlib
from talkbalance.live.display.plot import LivePlot, interactive_display_available

snaps = pickle.load(open(sys.argv[1], "rb"))
out = {"available": interactive_display_available(), "backend": matplotlib.get_backend()}
plot = LivePlot(snaps[0])
plot.wait(0.3)
draws = []
plot.fig.canvas.mpl_connect("draw_event", lambda event: draws.append(1))
times = []
for snap in snaps[1:]:
    start = time.perf_counter()
    plot.update(snap)
    times.append(time.perf_counter() - start)
    plot.wait(0.01)
plot.wait(0.05)                                            # update only blits: the event loop repaints
widget = plot.fig.canvas.get_tk_widget()
out.update(update_ms=[1000 * t for t in times], full_draws=len(draws),
           at=[widget.winfo_rootx(), widget.winfo_rooty()])
ImageGrab.grab(xdisplay=os.environ["DISPLAY"]).save(sys.argv[2])
Image.fromarray(np.asarray(plot.fig.canvas.buffer_rgba())[..., :3]).save(sys.argv[3])
window = plot.fig.canvas.manager.window
window.tk.call(window.protocol("WM_DELETE_WINDOW"))        # what the window's close button does
out["closed"] = plot.closed
print(json.dumps(out))
"""


def _env_without_display() -> dict:
    return {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "MPLBACKEND")}


@pytest.mark.parametrize("backend", [None, "TkAgg"])
def test_no_interactive_display_without_display(backend):
    env = _env_without_display() | ({"MPLBACKEND": backend} if backend else {})
    code = "from talkbalance.live.display.plot import interactive_display_available as f; print(f())"
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


def test_window_on_xvfb(demo_snapshots, tmp_path):
    if shutil.which("xvfb-run") is None:
        pytest.skip("xvfb-run not found: apt-get install -y xvfb")
    if importlib.util.find_spec("tkinter") is None:
        pytest.skip("tkinter is missing (apt-get install -y python3-tk), so matplotlib has no TkAgg")
    if not features.check("xcb"):
        pytest.skip("Pillow was built without XCB, so ImageGrab cannot screenshot an X display")
    snaps = demo_snapshots[600:651]                       # 5 s at 10 Hz, around 60-65 s into the demo
    (tmp_path / "snaps.pkl").write_bytes(pickle.dumps(snaps))
    screen, canvas = tmp_path / "screen.png", tmp_path / "canvas.png"
    proc = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", sys.executable, "-c", WINDOW_SCRIPT,
                           tmp_path / "snaps.pkl", screen, canvas],
                          env=_env_without_display(), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["available"] is True and out["backend"].lower() == "tkagg"
    assert out["full_draws"] == 0                          # every update went through the blit path
    assert out["closed"] is True
    print(f"TkAgg update: median {np.median(out['update_ms']):.1f} ms, max {max(out['update_ms']):.1f} ms")

    shot = np.asarray(Image.open(screen).convert("RGB")).astype(float)
    drawn = np.asarray(Image.open(canvas).convert("RGB")).astype(float)
    x, y = out["at"]
    on_screen = shot[y:y + drawn.shape[0], x:x + drawn.shape[1]]
    assert on_screen.shape == drawn.shape
    assert np.array_equal(on_screen, drawn)                # the display shows exactly the blitted frame
    for rgb in (A_RGB, B_RGB):
        assert near(on_screen.reshape(-1, 3), rgb, tol=2).sum() > 2000
    assert near(on_screen.reshape(-1, 3), CUE_RGB, tol=2).any() == bool(snaps[-1].cues)

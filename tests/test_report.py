"""Tests for talkbalance.report.png: render report.png for typical and degenerate sessions."""
from __future__ import annotations

import io

import matplotlib
import matplotlib.colors
import matplotlib.image
import matplotlib.text
import numpy as np
import pytest

from talkbalance.config import Config
from talkbalance.core.events import FrameRules, derive
from talkbalance.core.intervals import as_intervals
from talkbalance.core.metrics import summarize
from talkbalance.core.types import Conversation, Quality, SessionResult, Spurt
from talkbalance.report.png import report_figure, report_png
from talkbalance.report.style import SPEAKER_COLOURS

FRAME_S = 0.01
RULES = FrameRules(20, 100, 30)                # 0.2 s, 1.0 s, 0.3 s at 10 ms frames
WIDTH_PX, HEIGHT_PX = 1600, 1000
TIMELINE_ROWS = slice(120, 540)                # the timeline lanes, above the bottom panels (at ~600 px)


def _frames(seconds: float) -> int:
    return int(round(seconds / FRAME_S))


def result_from_spurts(raw: list[list[tuple[float, float]]], duration_s: float,
                       names=("A", "B"), roles=("", "")) -> SessionResult:
    """A SessionResult as the engine would build it, from each speaker's ``(start_s, end_s)`` spurts."""
    spurts = [[Spurt(k, int(lo), int(hi)) for lo, hi in as_intervals([(_frames(a), _frames(b)) for a, b in sp])]
              for k, sp in enumerate(raw)]
    conv = derive(spurts, RULES)
    duration = _frames(duration_s)
    summary = summarize(conv, list(names), list(roles), duration, FRAME_S, Config())
    return SessionResult(list(names), list(roles), FRAME_S, duration, conv, summary, Quality())


def synthetic_session(duration_s: float, seed: int = 0, **kwargs) -> SessionResult:
    """Alternating turns of a few spurts each, with backchannels, interruptions of both kinds,
    transition overlaps and the odd simultaneous start; speaker 0 talks less than speaker 1."""
    rng = np.random.default_rng(seed)
    raw: list[list[tuple[float, float]]] = [[], []]
    t, speaker = 0.5, 1
    while t < duration_s - 10:
        listener = 1 - speaker
        for _ in range(rng.integers(1, 4)):
            length = rng.uniform(0.8, 6.0) * (0.5 if speaker == 0 else 1.0)
            raw[speaker].append((t, t + length))
            if length > 2.5 and rng.random() < 0.6:
                at = t + rng.uniform(0.4, length - 1.0)
                raw[listener].append((at, at + rng.uniform(0.25, 0.6)))            # backchannel
            elif length > 4.0 and rng.random() < 0.4:
                raw[listener].append((t + 1.0, t + 2.5))                           # unsuccessful
            end = t + length
            t = end + rng.uniform(0.3, 1.2)
        t = end + rng.choice([rng.uniform(0.0, 1.0), rng.uniform(-0.8, -0.4), rng.uniform(-0.2, -0.05)],
                             p=[0.7, 0.15, 0.15])                                 # gap, interruption, transition
        if rng.random() < 0.05:
            raw[speaker].append((t + 0.05, t + 0.5))                               # simultaneous start
        speaker = listener
    return result_from_spurts(raw, duration_s, **kwargs)


def render(tmp_path, result: SessionResult) -> np.ndarray:
    """Write the report and read it back as an RGB(A) float array, checking the basics."""
    path = tmp_path / "report.png"
    path.write_bytes(report_png(result))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = matplotlib.image.imread(path)
    assert image.shape[1] == WIDTH_PX and image.shape[0] >= HEIGHT_PX
    assert image[..., :3].std() > 0.05, "the image is (nearly) blank"
    return image


def colour_pixels(image: np.ndarray, colour: str, rows: slice = TIMELINE_ROWS, tolerance: float = 0.06) -> int:
    """Pixels of ``image[rows]`` within ``tolerance`` (per channel) of ``colour``."""
    target = np.array(matplotlib.colors.to_rgb(colour))
    return int((np.abs(image[rows, :, :3] - target) < tolerance).all(axis=-1).sum())


def test_normal_session_with_every_event_kind(tmp_path):
    result = synthetic_session(180, seed=1, names=("trainee", "client"), roles=("trainee", "client"))
    kinds = {(e.kind, e.outcome) for e in result.conversation.events}
    assert {("interruption", "successful"), ("interruption", "unsuccessful"), ("backchannel", ""),
            ("transition_overlap", ""), ("pause", ""), ("gap", "")} <= kinds
    assert result.conversation.floor_changes
    render(tmp_path, result)


def test_no_text_is_cut_off_at_the_edges(monkeypatch):
    """Every text drawn (long coaching findings included) lies inside the picture, and the panels keep
    their width."""
    drawn = []
    draw = matplotlib.text.Text.draw

    def recording_draw(self, renderer):
        draw(self, renderer)
        if self.get_visible() and self.get_text().strip():
            drawn.append((self.get_text(), self.get_window_extent(renderer)))
    monkeypatch.setattr(matplotlib.text.Text, "draw", recording_draw)
    result = synthetic_session(180, seed=1, names=("trainee", "client"), roles=("trainee", "client"))
    assert max(len(item.message) for item in result.figures.coaching) > 140     # longer than one line
    fig = report_figure(result)
    fig.savefig(io.BytesIO(), format="png", dpi=fig.dpi)          # as report_png draws it
    assert len(drawn) > 30
    for text, box in drawn:
        assert box.x0 >= -1 and box.x1 <= fig.bbox.width + 1 and box.y0 >= -1 and box.y1 <= fig.bbox.height + 1, text
    talk_share = fig.axes[1].get_position()
    assert talk_share.width > 0.15, "the talk-share panel was squeezed"


@pytest.mark.parametrize("names", [("trainee", "client"), ("Alexandra", "Bartholomew")])
def test_panels_with_their_titles_and_labels_do_not_overlap(names):
    """The hand-made layout gives every panel room for its tick labels and a title longer than the panel."""
    fig = report_figure(synthetic_session(180, seed=1, names=names, roles=("trainee", "client")))
    renderer = fig.canvas.get_renderer()
    boxes = [ax.get_tightbbox(renderer) for ax in fig.axes[:4]]      # timeline, talk share, pauses and gaps, FTO
    for i, a in enumerate(boxes):
        for j, b in enumerate(boxes[i + 1:], i + 1):
            assert not a.overlaps(b), (i, j)
    positions = [ax.get_position() for ax in fig.axes]
    assert all(0 <= p.x0 < p.x1 <= 1 and 0 <= p.y0 < p.y1 <= 1 for p in positions)


def test_speaker_colours_appear_in_timeline(tmp_path):
    image = render(tmp_path, synthetic_session(120, seed=2))
    for colour in SPEAKER_COLOURS[:2]:
        assert colour_pixels(image, colour) > 5000, colour


def test_hand_built_interruptions_and_backchannels(tmp_path):
    result = result_from_spurts(
        [[(0.5, 8.0), (8.6, 9.2), (12.0, 16.0)],            # A: long turn; A interrupts B at 11.5-12.0 ...
         [(2.0, 2.5), (4.0, 6.0), (7.6, 12.5), (15.0, 15.4)]],  # B: backchannel, unsuccessful, successful
        duration_s=20)
    made = {(e.kind, e.speaker, e.outcome) for e in result.conversation.events}
    assert ("backchannel", 1, "") in made and ("interruption", 1, "unsuccessful") in made
    assert ("interruption", 1, "successful") in made and ("interruption", 0, "successful") in made
    render(tmp_path, result)


@pytest.mark.parametrize("duration_s", [0, 60])
def test_empty_session(tmp_path, duration_s):
    result = result_from_spurts([[], []], duration_s, roles=("trainee", "client"))
    image = render(tmp_path, result)
    for colour in SPEAKER_COLOURS[:2]:
        assert colour_pixels(image, colour) < 50


def test_one_silent_speaker(tmp_path):
    result = result_from_spurts([[(1, 4), (5, 9), (10.5, 30)], []], 40, roles=("client", "trainee"))
    assert result.conversation.floor_changes == []
    image = render(tmp_path, result)
    assert colour_pixels(image, SPEAKER_COLOURS[0]) > 5000
    assert colour_pixels(image, SPEAKER_COLOURS[1]) < 50


def test_spurts_without_events_or_floor_changes(tmp_path):
    spurts = [[Spurt(0, 100, 900)], [Spurt(1, 1200, 2000)]]
    conv = Conversation(spurts=spurts, events=[], turns=[], floor_changes=[])
    figures = summarize(conv, ["A", "B"], ["", ""], 2500, FRAME_S, Config())
    result = SessionResult(["A", "B"], ["", ""], FRAME_S, 2500, conv, figures, Quality())
    render(tmp_path, result)


def test_two_hour_session_with_thousands_of_spurts(tmp_path):
    result = synthetic_session(2 * 3600, seed=3)
    assert sum(len(sp) for sp in result.conversation.spurts) > 3000
    image = render(tmp_path, result)
    for colour in SPEAKER_COLOURS[:2]:
        assert colour_pixels(image, colour) > 5000, colour


def test_leaves_the_global_backend_alone(tmp_path):
    before = matplotlib.get_backend()
    report_png(synthetic_session(30, seed=4))
    assert matplotlib.get_backend() == before

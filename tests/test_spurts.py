"""Tests for talkbalance.core.spurts.SpurtTracker: frame decisions -> talk spurts.

Defaults used throughout (10 ms frames): min_pause = 20 frames (0.20 s),
min_spurt = 10 frames (0.10 s). Silences shorter than min_pause are bridged
first, then runs shorter than min_spurt are dropped. A silence of exactly
min_pause frames is not bridged; a run of exactly min_spurt frames is kept.

Timelines are written as strings of tokens: ``"50s 19_ 50s"`` means 50 speech
frames, 19 silent frames, 50 speech frames.
"""

from __future__ import annotations

import numpy as np
import pytest

from talkbalance.core.intervals import bridge, drop_short, runs
from talkbalance.core.spurts import SpurtTracker
from talkbalance.core.types import Spurt

PAUSE = 20
SPURT = 10


def tl(text: str) -> np.ndarray:
    """Frame mask from tokens like ``"50s 19_ 50s"`` (s = speech, _ = silence)."""
    parts = []
    for token in text.split():
        n, kind = int(token[:-1]), token[-1]
        assert kind in "s_", token
        parts.append(np.full(n, kind == "s", dtype=bool))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def track(mask: np.ndarray, chunks=None, speaker: int = 0, pause: int = PAUSE,
          spurt: int = SPURT) -> list[tuple[int, int]]:
    """Feed ``mask`` in chunks of the given sizes (default: one go); return (start, end) pairs."""
    tracker = SpurtTracker(speaker, pause, spurt)
    out: list[Spurt] = []
    if chunks is None:
        chunks = [len(mask)]
    pos = 0
    for n in chunks:
        out += tracker.push(mask[pos:pos + n])
        pos += n
    assert pos == len(mask), "chunk sizes must cover the mask"
    out += tracker.finish()
    assert all(s.speaker == speaker for s in out)
    return [(s.start, s.end) for s in out]


def frame_by_frame(mask: np.ndarray, **kw) -> list[tuple[int, int]]:
    return track(mask, [1] * len(mask), **kw)


def random_chunks(n: int, rng: np.random.Generator, max_chunk: int = 40) -> list[int]:
    """Random chunk sizes (zero-length chunks included) summing to ``n``."""
    sizes = []
    left = n
    while left > 0:
        k = int(min(left, rng.integers(0, max_chunk + 1)))
        sizes.append(k)
        left -= k
    return sizes


def all_ways(mask: np.ndarray, **kw) -> list[tuple[int, int]]:
    """Spurts from one go; asserts frame-by-frame and random chunkings give the same."""
    whole = track(mask, **kw)
    assert frame_by_frame(mask, **kw) == whole
    rng = np.random.default_rng(len(mask))
    for _ in range(5):
        assert track(mask, random_chunks(len(mask), rng), **kw) == whole
    return whole


# -- smoothing rules: min_pause ------------------------------------------------------------

class TestMinPause:
    def test_silence_of_19_frames_is_bridged(self):
        assert all_ways(tl("50s 19_ 50s")) == [(0, 119)]

    def test_silence_of_20_frames_is_not_bridged(self):
        assert all_ways(tl("50s 20_ 50s")) == [(0, 50), (70, 120)]

    def test_silence_of_21_frames_is_not_bridged(self):
        assert all_ways(tl("50s 21_ 50s")) == [(0, 50), (71, 121)]

    def test_one_frame_silence_is_bridged(self):
        assert all_ways(tl("30s 1_ 30s")) == [(0, 61)]

    def test_several_short_silences_chain(self):
        assert all_ways(tl("10_ 30s 19_ 30s 5_ 30s 19_ 30s 40_")) == [(10, 173)]

    def test_leading_and_trailing_silence_not_part_of_spurt(self):
        assert all_ways(tl("35_ 40s 60_")) == [(35, 75)]

    def test_custom_min_pause(self):
        # min_pause 5: a 4-frame silence is bridged, a 5-frame one is not.
        assert all_ways(tl("20s 4_ 20s 5_ 20s"), pause=5) == [(0, 44), (49, 69)]


# -- smoothing rules: min_spurt ------------------------------------------------------------

class TestMinSpurt:
    def test_run_of_9_frames_is_dropped(self):
        assert all_ways(tl("30_ 9s 30_")) == []

    def test_run_of_10_frames_is_kept(self):
        assert all_ways(tl("30_ 10s 30_")) == [(30, 40)]

    def test_run_of_11_frames_is_kept(self):
        assert all_ways(tl("30_ 11s 30_")) == [(30, 41)]

    def test_short_run_at_stream_start_and_end(self):
        assert all_ways(tl("9s 40_ 10s")) == [(49, 59)]
        assert all_ways(tl("10s 40_ 9s")) == [(0, 10)]

    def test_short_runs_between_spurts_are_dropped(self):
        assert all_ways(tl("50s 30_ 5s 30_ 50s")) == [(0, 50), (115, 165)]

    def test_custom_min_spurt(self):
        assert all_ways(tl("3s 30_ 4s 30_"), spurt=4) == [(33, 37)]


class TestBridgeBeforeDrop:
    def test_blips_bridged_into_a_spurt_are_kept(self):
        # Three 5-frame blips (each alone would be dropped) with 10-frame silences.
        assert all_ways(tl("20_ 5s 10_ 5s 10_ 5s 20_")) == [(20, 55)]

    def test_two_tiny_blips_bridged_reach_min_spurt(self):
        # 3 + 19 + 3 = 25 frames after bridging: kept.
        assert all_ways(tl("3s 19_ 3s")) == [(0, 25)]

    def test_two_tiny_blips_not_bridged_are_both_dropped(self):
        assert all_ways(tl("3s 20_ 3s")) == []

    def test_blips_bridged_to_exactly_min_spurt(self):
        # 1 + 8 + 1 = 10 frames: exactly min_spurt, kept.
        assert all_ways(tl("1s 8_ 1s 30_")) == [(0, 10)]
        # 1 + 7 + 1 = 9 frames: dropped.
        assert all_ways(tl("1s 7_ 1s 30_")) == []

    def test_blip_after_spurt_extends_it(self):
        assert all_ways(tl("50s 10_ 5s 40_")) == [(0, 65)]

    def test_blip_before_spurt_extends_it(self):
        assert all_ways(tl("20_ 5s 19_ 50s")) == [(20, 94)]

    def test_blip_far_from_spurt_does_not_bridge(self):
        # 25 frames to the blip, then 10 to the next speech: the blip joins the
        # second spurt, not the first.
        assert all_ways(tl("50s 25_ 5s 10_ 60s")) == [(0, 50), (75, 150)]


# -- a hand-written longer stream ---------------------------------------------------------

LONG = "15_ 40s 19_ 30s 20_ 9s 45_ 4s 12_ 4s 12_ 4s 60_ 100s 3_ 100s 21_ 10s 20_ 8s 19_"
#      0    15   55   74  104  124 133 178 182 194 198 210 214 274 374 377 477 498 508 528 536
LONG_SPURTS = [(15, 104), (178, 214), (274, 477), (498, 508)]


class TestLongStream:
    def test_one_go(self):
        assert track(tl(LONG)) == LONG_SPURTS

    def test_frame_by_frame(self):
        assert frame_by_frame(tl(LONG)) == LONG_SPURTS

    @pytest.mark.parametrize("size", [2, 3, 7, 10, 19, 20, 21, 64, 1000])
    def test_fixed_chunks(self, size):
        mask = tl(LONG)
        sizes = [size] * (len(mask) // size) + ([len(mask) % size] if len(mask) % size else [])
        assert track(mask, sizes) == LONG_SPURTS

    @pytest.mark.parametrize("seed", range(20))
    def test_random_chunks(self, seed):
        mask = tl(LONG)
        rng = np.random.default_rng(seed)
        assert track(mask, random_chunks(len(mask), rng)) == LONG_SPURTS

    def test_chunks_split_exactly_at_run_boundaries(self):
        sizes = [15, 40, 19, 30, 20, 9, 45, 4, 12, 4, 12, 4, 60, 100, 3, 100, 21, 10, 20, 8, 19]
        assert track(tl(LONG), sizes) == LONG_SPURTS

    def test_speaker_index_is_carried(self):
        assert track(tl(LONG), speaker=1) == LONG_SPURTS


# -- random masks: chunking never matters -------------------------------------------------

def reference(mask: np.ndarray, pause: int, spurt: int) -> list[tuple[int, int]]:
    """Batch smoothing with the interval helpers (bridge first, then drop)."""
    return [tuple(p) for p in drop_short(bridge(runs(mask), pause), spurt).tolist()]


@pytest.mark.parametrize("seed", range(30))
def test_random_masks_all_chunkings_agree(seed):
    rng = np.random.default_rng(1000 + seed)
    # Runs of random length so that silences/speech near the thresholds occur often.
    lengths = rng.integers(1, 35, size=60)
    mask = np.concatenate([np.full(n, i % 2 == int(seed % 2), dtype=bool) for i, n in enumerate(lengths)])
    whole = track(mask)
    assert whole == reference(mask, PAUSE, SPURT)
    assert frame_by_frame(mask) == whole
    for _ in range(5):
        assert track(mask, random_chunks(len(mask), rng)) == whole


@pytest.mark.parametrize("pause,spurt", [(1, 1), (1, 0), (5, 3), (20, 10), (50, 25)])
def test_random_masks_other_thresholds(pause, spurt):
    rng = np.random.default_rng(pause * 100 + spurt)
    mask = rng.random(800) < 0.55
    whole = track(mask, pause=pause, spurt=spurt)
    assert whole == reference(mask, pause, spurt)
    assert frame_by_frame(mask, pause=pause, spurt=spurt) == whole
    for _ in range(5):
        assert track(mask, random_chunks(len(mask), rng), pause=pause, spurt=spurt) == whole


@pytest.mark.parametrize("chunk", [1, 5, 10, 30])
def test_min_pause_zero_does_not_split_continuous_speech_at_chunk_edges(chunk):
    """min_pause_s = 0 is a valid config value (nothing is bridged).

    Continuous speech must still be one spurt however the stream is chunked:
    live and file analysis must give the same spurts.
    """
    mask = tl("30s 1_ 30s 5_")
    assert track(mask, pause=0, spurt=0) == [(0, 30), (31, 61)]
    sizes = [chunk] * (len(mask) // chunk) + ([len(mask) % chunk] if len(mask) % chunk else [])
    assert track(mask, sizes, pause=0, spurt=0) == [(0, 30), (31, 61)]
    assert track(mask, sizes, pause=0, spurt=10) == [(0, 30), (31, 61)]


# -- emission timing -----------------------------------------------------------------------

def emissions(mask: np.ndarray, pause: int = PAUSE, spurt: int = SPURT) -> list[tuple[int, tuple[int, int]]]:
    """Feed frame by frame; return (frames consumed when emitted, spurt) pairs."""
    tracker = SpurtTracker(0, pause, spurt)
    out = []
    for i in range(len(mask)):
        for s in tracker.push(mask[i:i + 1]):
            out.append((i + 1, (s.start, s.end)))
    for s in tracker.finish():
        out.append(("finish", (s.start, s.end)))
    return out


class TestEmissionTiming:
    def test_emitted_once_min_pause_silence_has_passed(self):
        # Spurt [0, 50); the 20th silent frame is frame 69, so it is final after 70 frames.
        assert emissions(tl("50s 40_")) == [(70, (0, 50))]

    def test_not_emitted_before_min_pause(self):
        tracker = SpurtTracker(0, PAUSE, SPURT)
        mask = tl("50s 40_")
        assert tracker.push(mask[:69]) == []              # 19 silent frames so far
        assert tracker.open_spurt == Spurt(0, 0, 50)
        assert tracker.push(mask[69:70]) == [Spurt(0, 0, 50)]
        assert tracker.open_spurt is None
        assert tracker.push(mask[70:]) == []
        assert tracker.finish() == []

    def test_19_frame_silence_then_speech_never_emits_in_between(self):
        assert emissions(tl("50s 19_ 50s 20_")) == [(139, (0, 119))]

    def test_each_spurt_emitted_at_its_own_time(self):
        # [0, 30) final at 50; [60, 80) final at 100; [130, 140) left open -> finish.
        assert emissions(tl("30s 30_ 20s 50_ 10s 5_")) == [
            (50, (0, 30)), (100, (60, 80)), ("finish", (130, 140))]

    def test_short_run_is_never_emitted(self):
        assert emissions(tl("9s 30_ 50s")) == [("finish", (39, 89))]

    def test_open_spurt_at_end_comes_from_finish(self):
        assert emissions(tl("10_ 40s")) == [("finish", (10, 50))]

    def test_open_spurt_with_short_trailing_silence_comes_from_finish(self):
        assert emissions(tl("40s 19_")) == [("finish", (0, 40))]

    def test_one_go_push_emits_if_trailing_silence_is_long_enough(self):
        tracker = SpurtTracker(0, PAUSE, SPURT)
        assert tracker.push(tl("50s 20_")) == [Spurt(0, 0, 50)]
        assert tracker.finish() == []

    def test_one_go_push_keeps_spurt_open_if_trailing_silence_short(self):
        tracker = SpurtTracker(0, PAUSE, SPURT)
        assert tracker.push(tl("50s 19_")) == []
        assert tracker.finish() == [Spurt(0, 0, 50)]

    def test_one_push_can_emit_several_spurts(self):
        tracker = SpurtTracker(1, PAUSE, SPURT)
        assert tracker.push(tl("20s 20_ 20s 30_ 20s")) == [Spurt(1, 0, 20), Spurt(1, 40, 60)]
        assert tracker.finish() == [Spurt(1, 90, 110)]


class TestTrackerState:
    def test_finish_with_nothing_pushed(self):
        assert SpurtTracker(0, PAUSE, SPURT).finish() == []

    def test_empty_push(self):
        tracker = SpurtTracker(0, PAUSE, SPURT)
        assert tracker.push(np.zeros(0, dtype=bool)) == []
        assert tracker.frontier == 0
        assert tracker.finish() == []

    def test_frontier_counts_frames(self):
        tracker = SpurtTracker(0, PAUSE, SPURT)
        tracker.push(tl("5_ 10s"))
        tracker.push(tl("7_"))
        assert tracker.frontier == 22

    def test_open_spurt_grows_while_speaking(self):
        tracker = SpurtTracker(1, PAUSE, SPURT)
        assert tracker.open_spurt is None
        tracker.push(tl("5_ 10s"))
        assert tracker.open_spurt == Spurt(1, 5, 15)
        tracker.push(tl("10_ 3s"))        # 10-frame silence: still bridged
        assert tracker.open_spurt == Spurt(1, 5, 28)

    def test_open_spurt_shows_a_short_run_before_it_is_dropped(self):
        tracker = SpurtTracker(0, PAUSE, SPURT)
        tracker.push(tl("4s"))
        assert tracker.open_spurt == Spurt(0, 0, 4)
        assert tracker.push(tl("20_")) == []
        assert tracker.open_spurt is None

    def test_integer_mask_accepted(self):
        tracker = SpurtTracker(0, PAUSE, SPURT)
        assert tracker.push(np.array([0] * 5 + [1] * 15 + [0] * 20)) == [Spurt(0, 5, 20)]


def test_overlapping_finds_frames_where_any_two_of_several_speakers_talk():
    from talkbalance.core.spurts import overlapping, timeline

    a = [Spurt(0, 0, 10), Spurt(0, 20, 30)]
    b = [Spurt(1, 5, 22)]
    c = [Spurt(2, 28, 40)]
    assert timeline(a).tolist() == [[0, 10], [20, 30]]
    assert overlapping([a, b, c]).tolist() == [[5, 10], [20, 22], [28, 30]]
    assert overlapping([a, b]).tolist() == [[5, 10], [20, 22]]
    assert overlapping([a]).tolist() == [] and overlapping([a, []]).tolist() == []

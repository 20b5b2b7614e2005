"""Tests for talkbalance.core.intervals: half-open integer interval sets [start, end).

Every expected value is written out by hand from the timeline in the test.
"""

from __future__ import annotations

import numpy as np
import pytest

from talkbalance.core.intervals import (
    EMPTY,
    as_intervals,
    bridge,
    complement,
    drop_short,
    intersection,
    runs,
    total,
    union,
)


def iv(*pairs) -> np.ndarray:
    """A literal interval set, e.g. iv((0, 10), (20, 30))."""
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


def assert_set(got: np.ndarray, *pairs) -> None:
    """``got`` is an (n, 2) int64 array equal to the literal ``pairs``."""
    assert isinstance(got, np.ndarray)
    assert got.dtype == np.int64
    assert got.shape == (len(pairs), 2)
    assert got.tolist() == [list(p) for p in pairs]


# -- runs ---------------------------------------------------------------------------------

class TestRuns:
    def test_empty_mask_gives_empty_set(self):
        assert_set(runs(np.zeros(0, dtype=bool)))

    def test_all_false_gives_empty_set(self):
        assert_set(runs(np.zeros(7, dtype=bool)))

    def test_all_true_is_one_run(self):
        assert_set(runs(np.ones(5, dtype=bool)), (0, 5))

    def test_single_true_frame(self):
        assert_set(runs(np.array([0, 0, 1, 0], dtype=bool)), (2, 3))

    def test_runs_touching_both_edges(self):
        mask = np.array([1, 1, 0, 0, 1, 0, 1, 1, 1], dtype=bool)
        assert_set(runs(mask), (0, 2), (4, 5), (6, 9))

    def test_runs_inside(self):
        mask = np.array([0, 1, 1, 1, 0, 0, 1, 1, 0], dtype=bool)
        assert_set(runs(mask), (1, 4), (6, 8))

    def test_offset_shifts_every_run(self):
        mask = np.array([1, 1, 0, 0, 1, 0, 1, 1, 1], dtype=bool)
        assert_set(runs(mask, offset=100), (100, 102), (104, 105), (106, 109))

    def test_offset_on_empty_mask(self):
        assert_set(runs(np.zeros(0, dtype=bool), offset=50))

    def test_accepts_int_and_list_masks(self):
        assert_set(runs([0, 3, 1, 0, 0, 2]), (1, 3), (5, 6))


# -- bridge -------------------------------------------------------------------------------

class TestBridge:
    # Gap = next start - previous end. Bridged when gap < max_gap.

    def test_gap_below_threshold_is_bridged(self):
        assert_set(bridge(iv((0, 10), (29, 40)), 20), (0, 40))          # gap 19

    def test_gap_at_threshold_is_not_bridged(self):
        assert_set(bridge(iv((0, 10), (30, 40)), 20), (0, 10), (30, 40))  # gap 20

    def test_gap_above_threshold_is_not_bridged(self):
        assert_set(bridge(iv((0, 10), (31, 40)), 20), (0, 10), (31, 40))  # gap 21

    def test_chain_of_short_gaps_becomes_one_interval(self):
        assert_set(bridge(iv((0, 10), (15, 20), (25, 30)), 6), (0, 30))

    def test_only_short_gaps_bridged_in_a_mix(self):
        got = bridge(iv((0, 10), (15, 20), (40, 50), (55, 60)), 6)
        assert_set(got, (0, 20), (40, 60))

    @pytest.mark.parametrize("max_gap", [0, 1, 5])
    def test_touching_intervals_always_merge(self, max_gap):
        assert_set(bridge(iv((0, 10), (10, 20)), max_gap), (0, 20))

    def test_max_gap_zero_keeps_a_one_frame_gap(self):
        assert_set(bridge(iv((0, 10), (11, 20)), 0), (0, 10), (11, 20))

    def test_max_gap_one_keeps_a_one_frame_gap(self):
        assert_set(bridge(iv((0, 10), (11, 20)), 1), (0, 10), (11, 20))

    def test_max_gap_two_bridges_a_one_frame_gap(self):
        assert_set(bridge(iv((0, 10), (11, 20)), 2), (0, 20))

    def test_overlapping_intervals_merge(self):
        assert_set(bridge(iv((0, 30), (10, 20), (25, 40)), 0), (0, 40))

    def test_nested_interval_does_not_shorten_the_reach(self):
        # (5, 10) lies inside (0, 30); the gap to (35, 40) is measured from 30.
        assert_set(bridge(iv((0, 30), (5, 10), (35, 40)), 0), (0, 30), (35, 40))
        assert_set(bridge(iv((0, 30), (5, 10), (35, 40)), 5), (0, 30), (35, 40))   # gap 5, not < 5
        assert_set(bridge(iv((0, 30), (5, 10), (35, 40)), 6), (0, 40))             # gap 5 < 6

    def test_empty_input(self):
        assert_set(bridge(EMPTY, 20))

    def test_single_interval_is_returned_as_a_copy(self):
        src = iv((3, 8))
        got = bridge(src, 20)
        assert_set(got, (3, 8))
        got[0, 0] = 99
        assert src.tolist() == [[3, 8]]


# -- drop_short ---------------------------------------------------------------------------

class TestDropShort:
    def test_boundary(self):
        got = drop_short(iv((0, 9), (20, 30), (40, 51)), 10)   # lengths 9, 10, 11
        assert_set(got, (20, 30), (40, 51))

    def test_min_length_zero_keeps_all(self):
        assert_set(drop_short(iv((0, 1), (5, 6)), 0), (0, 1), (5, 6))

    def test_all_dropped(self):
        assert_set(drop_short(iv((0, 5), (10, 14)), 10))

    def test_empty_input(self):
        assert_set(drop_short(EMPTY, 10))


# -- as_intervals -------------------------------------------------------------------------

class TestAsIntervals:
    def test_empty_list(self):
        assert_set(as_intervals([]))

    def test_unsorted_input_is_sorted(self):
        assert_set(as_intervals([(50, 60), (0, 10), (20, 30)]), (0, 10), (20, 30), (50, 60))

    def test_unsorted_overlapping_input_is_merged(self):
        assert_set(as_intervals([(50, 60), (0, 10), (5, 20)]), (0, 20), (50, 60))

    def test_touching_pairs_merge(self):
        assert_set(as_intervals([(10, 20), (0, 10)]), (0, 20))

    def test_gap_of_one_frame_stays(self):
        assert_set(as_intervals([(0, 10), (11, 20)]), (0, 10), (11, 20))

    def test_empty_and_reversed_pairs_dropped(self):
        assert_set(as_intervals([(30, 30), (40, 35), (0, 5)]), (0, 5))

    def test_only_empty_pairs(self):
        assert_set(as_intervals([(3, 3), (9, 2)]))

    def test_numpy_input(self):
        assert_set(as_intervals(np.array([[20, 25], [0, 4]])), (0, 4), (20, 25))

    def test_generator_input(self):
        assert_set(as_intervals((s, s + 5) for s in (30, 0, 10)), (0, 5), (10, 15), (30, 35))

    def test_nested_pairs(self):
        assert_set(as_intervals([(5, 10), (0, 30), (12, 14)]), (0, 30))


# -- union / intersection / complement / total --------------------------------------------

class TestUnion:
    def test_overlapping_sets(self):
        assert_set(union(iv((0, 10), (20, 30)), iv((5, 25))), (0, 30))

    def test_disjoint_sets_interleave(self):
        assert_set(union(iv((0, 10), (40, 50)), iv((20, 30))), (0, 10), (20, 30), (40, 50))

    def test_touching_sets_merge(self):
        assert_set(union(iv((0, 10)), iv((10, 20))), (0, 20))

    def test_with_empty(self):
        assert_set(union(iv((0, 10), (20, 30)), EMPTY), (0, 10), (20, 30))
        assert_set(union(EMPTY, iv((5, 7))), (5, 7))

    def test_both_empty(self):
        assert_set(union(EMPTY, EMPTY))

    def test_identical_sets(self):
        assert_set(union(iv((0, 10)), iv((0, 10))), (0, 10))


class TestIntersection:
    def test_two_partly_overlapping_sets(self):
        a = iv((0, 10), (20, 30))
        b = iv((5, 25), (28, 40))
        assert_set(intersection(a, b), (5, 10), (20, 25), (28, 30))
        assert_set(intersection(b, a), (5, 10), (20, 25), (28, 30))

    def test_touching_sets_have_no_intersection(self):
        assert_set(intersection(iv((0, 10)), iv((10, 20))))

    def test_disjoint(self):
        assert_set(intersection(iv((0, 10), (30, 40)), iv((15, 25), (45, 50))))

    def test_one_long_interval_covering_several(self):
        assert_set(intersection(iv((0, 100)), iv((10, 20), (30, 40))), (10, 20), (30, 40))
        assert_set(intersection(iv((10, 20), (30, 40)), iv((0, 100))), (10, 20), (30, 40))

    def test_equal_ends(self):
        assert_set(intersection(iv((0, 10), (20, 30)), iv((5, 10), (25, 30))), (5, 10), (25, 30))

    def test_identical(self):
        assert_set(intersection(iv((0, 10), (20, 30)), iv((0, 10), (20, 30))), (0, 10), (20, 30))

    def test_with_empty(self):
        assert_set(intersection(iv((0, 10)), EMPTY))
        assert_set(intersection(EMPTY, iv((0, 10))))
        assert_set(intersection(EMPTY, EMPTY))


class TestComplement:
    def test_holes_and_ends(self):
        assert_set(complement(iv((10, 20), (30, 40)), 0, 50), (0, 10), (20, 30), (40, 50))

    def test_range_equal_to_speech_bounds_gives_inner_holes_only(self):
        assert_set(complement(iv((10, 20), (30, 40)), 10, 40), (20, 30))

    def test_intervals_clipped_to_range(self):
        assert_set(complement(iv((0, 20), (30, 60)), 10, 50), (20, 30))

    def test_intervals_outside_range_ignored(self):
        assert_set(complement(iv((0, 5), (60, 70)), 10, 50), (10, 50))

    def test_touching_range_edges_ignored(self):
        # (0, 10) ends where the range starts, (50, 60) starts where it ends.
        assert_set(complement(iv((0, 10), (50, 60)), 10, 50), (10, 50))

    def test_full_cover_gives_empty(self):
        assert_set(complement(iv((0, 100)), 10, 50))

    def test_empty_set_gives_whole_range(self):
        assert_set(complement(EMPTY, 3, 8), (3, 8))

    def test_empty_range(self):
        assert_set(complement(EMPTY, 5, 5))
        assert_set(complement(iv((0, 10)), 5, 5))


class TestTotal:
    def test_empty(self):
        assert total(EMPTY) == 0
        assert isinstance(total(EMPTY), int)

    def test_sum_of_lengths(self):
        got = total(iv((0, 10), (20, 25)))
        assert got == 15
        assert isinstance(got, int)

    def test_consistency_of_set_operations(self):
        a = iv((0, 10), (20, 30))
        b = iv((5, 25))
        # |a| + |b| = |a u b| + |a n b|: 20 + 20 = 30 + 10
        assert total(union(a, b)) == 30
        assert total(intersection(a, b)) == 10
        # the complement of a u b inside [0, 40) is [30, 40)
        assert total(complement(union(a, b), 0, 40)) == 10

"""Tests for talkbalance.core.events: overlaps, silences, turns and floor changes.

Speaker A is channel 0, speaker B is channel 1. Frames are 10 ms; the default
thresholds in frames are simultaneous_start = 20, backchannel_max = 100,
min_interruption_overlap = 30. Every expected event is worked out by hand.
"""

from __future__ import annotations

import pytest

from talkbalance.config import Config
from talkbalance.core.events import (
    FrameRules,
    classify_overlap,
    derive,
    floor_turns,
    overlap_events,
    silence_events,
)
from talkbalance.core.types import Event, FloorChange, Spurt, Turn
from talkbalance.core.units import to_frames

RULES = FrameRules(simultaneous_start=20, backchannel_max=100, min_interruption_overlap=30)


def A(start: int, end: int) -> Spurt:
    return Spurt(0, start, end)


def B(start: int, end: int) -> Spurt:
    return Spurt(1, start, end)


def spurts(a: list[Spurt], b: list[Spurt]) -> list[list[Spurt]]:
    return [a, b]


def overlaps(a, b) -> list[Event]:
    return sorted(overlap_events(spurts(a, b), RULES), key=lambda e: (e.start, e.end, e.speaker))


def silences(a, b) -> list[Event]:
    return sorted(silence_events(spurts(a, b)), key=lambda e: e.start)


# -- rules in frames -----------------------------------------------------------------------

def test_default_rules_in_frames():
    assert FrameRules.from_config(Config(), 0.01) == RULES
    assert FrameRules.from_config(Config(), 0.02) == FrameRules(10, 50, 15)


@pytest.mark.parametrize("seconds,frame_s,frames", [(0.2, 0.01, 20), (1.0, 0.01, 100), (0.3, 0.01, 30),
                                                    (0.3, 0.02, 15), (0.2, 0.03, 7), (0.0, 0.01, 0)])
def test_to_frames_rounds(seconds, frame_s, frames):
    assert to_frames(seconds, frame_s) == frames


# -- overlap classes -----------------------------------------------------------------------

class TestSimultaneousStart:
    def test_start_20_frames_later_is_simultaneous(self):
        assert overlaps([A(0, 500)], [B(20, 300)]) == [Event("simultaneous_start", 20, 300, 1, 0)]

    def test_start_21_frames_later_is_not_simultaneous(self):
        # B lies inside A and lasts 279 > 100 frames: unsuccessful interruption.
        assert overlaps([A(0, 500)], [B(21, 300)]) == [Event("interruption", 21, 300, 1, 0, "unsuccessful")]

    def test_end_is_min_of_both_ends(self):
        # Y outlasts X: the overlap ends when X ends.
        assert overlaps([A(0, 200)], [B(10, 400)]) == [Event("simultaneous_start", 10, 200, 1, 0)]

    def test_short_y_inside_x_is_simultaneous_not_backchannel(self):
        assert overlaps([A(0, 500)], [B(5, 50)]) == [Event("simultaneous_start", 5, 50, 1, 0)]

    def test_channel_0_can_be_the_actor(self):
        assert overlaps([A(115, 300)], [B(100, 400)]) == [Event("simultaneous_start", 115, 300, 0, 1)]

    def test_tie_is_one_event_with_later_channel_as_actor(self):
        assert overlaps([A(100, 300)], [B(100, 250)]) == [Event("simultaneous_start", 100, 250, 1, 0)]
        assert overlaps([A(100, 250)], [B(100, 300)]) == [Event("simultaneous_start", 100, 250, 1, 0)]

    def test_tie_with_equal_ends(self):
        assert overlaps([A(100, 300)], [B(100, 300)]) == [Event("simultaneous_start", 100, 300, 1, 0)]


class TestBackchannelAndUnsuccessful:
    def test_inside_and_100_frames_long_is_backchannel(self):
        assert overlaps([A(0, 500)], [B(100, 200)]) == [Event("backchannel", 100, 200, 1, 0)]

    def test_inside_and_101_frames_long_is_unsuccessful_interruption(self):
        assert overlaps([A(0, 500)], [B(100, 201)]) == [Event("interruption", 100, 201, 1, 0, "unsuccessful")]

    def test_ending_with_x_counts_as_inside_backchannel(self):
        assert overlaps([A(0, 500)], [B(400, 500)]) == [Event("backchannel", 400, 500, 1, 0)]

    def test_ending_with_x_counts_as_inside_unsuccessful(self):
        assert overlaps([A(0, 500)], [B(300, 500)]) == [Event("interruption", 300, 500, 1, 0, "unsuccessful")]

    def test_backchannel_by_channel_0(self):
        assert overlaps([A(250, 280)], [B(0, 600)]) == [Event("backchannel", 250, 280, 0, 1)]

    def test_several_backchannels_in_one_spurt(self):
        assert overlaps([A(0, 1000)], [B(100, 150), B(400, 420), B(700, 800)]) == [
            Event("backchannel", 100, 150, 1, 0),
            Event("backchannel", 400, 420, 1, 0),
            Event("backchannel", 700, 800, 1, 0),
        ]


class TestSuccessfulAndTransition:
    def test_overlap_31_frames_is_successful(self):
        assert overlaps([A(0, 500)], [B(469, 700)]) == [Event("interruption", 469, 500, 1, 0, "successful")]

    def test_overlap_30_frames_is_successful(self):
        assert overlaps([A(0, 500)], [B(470, 700)]) == [Event("interruption", 470, 500, 1, 0, "successful")]

    def test_overlap_29_frames_is_transition_overlap(self):
        assert overlaps([A(0, 500)], [B(471, 700)]) == [Event("transition_overlap", 471, 500, 1, 0)]

    def test_y_ending_one_frame_after_x_is_not_inside(self):
        # Y ends at 501 > 500: it outlasted X; overlap 400 frames -> successful.
        assert overlaps([A(0, 500)], [B(100, 501)]) == [Event("interruption", 100, 500, 1, 0, "successful")]

    def test_short_y_outlasting_x_is_transition_not_backchannel(self):
        assert overlaps([A(0, 500)], [B(490, 530)]) == [Event("transition_overlap", 490, 500, 1, 0)]


class TestNoOverlap:
    def test_start_at_partner_end_is_no_overlap(self):
        assert overlaps([A(0, 100)], [B(100, 200)]) == []

    def test_start_one_frame_before_partner_end_is_an_overlap(self):
        assert overlaps([A(0, 100)], [B(99, 200)]) == [Event("transition_overlap", 99, 100, 1, 0)]

    def test_silence_between(self):
        assert overlaps([A(0, 100), A(300, 400)], [B(150, 250)]) == []

    def test_empty(self):
        assert overlaps([], []) == []
        assert overlaps([A(0, 100)], []) == []


def test_classify_overlap_directly():
    x, y = A(0, 500), B(250, 300)
    assert classify_overlap(x, y, RULES) == Event("backchannel", 250, 300, 1, 0)
    strict = FrameRules(simultaneous_start=0, backchannel_max=10, min_interruption_overlap=300)
    assert classify_overlap(x, y, strict) == Event("interruption", 250, 300, 1, 0, "unsuccessful")
    assert classify_overlap(A(0, 500), B(1, 600), strict) == Event("interruption", 1, 500, 1, 0, "successful")
    assert classify_overlap(A(0, 500), B(201, 600), strict) == Event("transition_overlap", 201, 500, 1, 0)


def test_long_y_spanning_several_x_spurts():
    a = [A(0, 200), A(300, 400), A(500, 600), A(700, 900)]
    b = [B(100, 800)]
    # B starts inside A(0,200), outlasts it by overlap 100 -> successful.
    # A(300,400), A(500,600) start inside B, 100 frames, end inside -> A's backchannels.
    # A(700,900) starts inside B, outlasts it, overlap 100 -> A's successful interruption.
    assert overlaps(a, b) == [
        Event("interruption", 100, 200, 1, 0, "successful"),
        Event("backchannel", 300, 400, 0, 1),
        Event("backchannel", 500, 600, 0, 1),
        Event("interruption", 700, 800, 0, 1, "successful"),
    ]
    assert silences(a, b) == []
    turns, changes = floor_turns(spurts(a, b))
    assert turns == [Turn(0, 0, 200), Turn(1, 100, 800), Turn(0, 700, 900)]
    assert changes == [FloorChange(1, 0, 100, -100), FloorChange(0, 1, 700, -100)]


# -- silences ------------------------------------------------------------------------------

class TestSilences:
    def test_pauses_and_gaps(self):
        a = [A(0, 100), A(150, 250), A(560, 600)]
        b = [B(300, 400), B(430, 500)]
        assert silences(a, b) == [
            Event("pause", 100, 150, 0),
            Event("gap", 250, 300, 1, 0),
            Event("pause", 400, 430, 1),
            Event("gap", 500, 560, 0, 1),
        ]

    def test_pause_has_no_other(self):
        (ev,) = silences([A(0, 100), A(130, 200)], [])
        assert ev.other is None and ev.outcome == ""

    def test_leading_and_trailing_silence_ignored(self):
        assert silences([A(100, 200)], [B(300, 400)]) == [Event("gap", 200, 300, 1, 0)]

    def test_single_spurt_has_no_silence_events(self):
        assert silences([A(100, 200)], []) == []

    def test_no_speech(self):
        assert silences([], []) == []

    def test_overlapping_speech_leaves_no_silence(self):
        assert silences([A(0, 200)], [B(150, 300)]) == []

    def test_both_end_together_then_b_resumes_is_b_pause(self):
        # B's backchannel ends with A's spurt; B speaks first after: B on both sides.
        assert silences([A(0, 200)], [B(150, 200), B(260, 400)]) == [Event("pause", 200, 260, 1)]

    def test_both_end_together_then_a_resumes_is_a_pause(self):
        assert silences([A(0, 200), A(260, 400)], [B(150, 200)]) == [Event("pause", 200, 260, 0)]

    def test_a_before_both_start_together_is_a_pause(self):
        assert silences([A(0, 100), A(150, 300)], [B(150, 200)]) == [Event("pause", 100, 150, 0)]

    def test_b_before_both_start_together_is_b_pause(self):
        assert silences([A(150, 300)], [B(0, 100), B(150, 200)]) == [Event("pause", 100, 150, 1)]

    def test_both_sides_both_speakers_lowest_channel(self):
        assert silences([A(0, 100), A(150, 300)], [B(50, 100), B(150, 200)]) == [Event("pause", 100, 150, 0)]

    def test_gap_after_a_backchannel_inside(self):
        # B's backchannel ended earlier; A spoke last; B answers after the silence.
        assert silences([A(0, 300)], [B(100, 150), B(350, 500)]) == [Event("gap", 300, 350, 1, 0)]

    def test_one_frame_silences(self):
        assert silences([A(0, 100), A(201, 300)], [B(101, 200)]) == [
            Event("gap", 100, 101, 1, 0),
            Event("gap", 200, 201, 0, 1),
        ]


# -- floor: turns and floor changes --------------------------------------------------------

class TestFloor:
    def test_gap_transition_positive_fto(self):
        s = spurts([A(0, 100)], [B(150, 300)])
        assert floor_turns(s) == ([Turn(0, 0, 100), Turn(1, 150, 300)], [FloorChange(1, 0, 150, 50)])

    def test_immediate_transition_zero_fto(self):
        s = spurts([A(0, 100)], [B(100, 300)])
        assert floor_turns(s) == ([Turn(0, 0, 100), Turn(1, 100, 300)], [FloorChange(1, 0, 100, 0)])

    def test_overlapping_transition_negative_fto(self):
        s = spurts([A(0, 100)], [B(80, 300)])
        assert floor_turns(s) == ([Turn(0, 0, 100), Turn(1, 80, 300)], [FloorChange(1, 0, 80, -20)])

    def test_successful_interruption_takes_the_floor(self):
        s = spurts([A(0, 500)], [B(400, 800)])
        assert floor_turns(s) == ([Turn(0, 0, 500), Turn(1, 400, 800)], [FloorChange(1, 0, 400, -100)])

    def test_backchannel_is_no_floor_change(self):
        s = spurts([A(0, 300), A(400, 600)], [B(100, 150)])
        assert floor_turns(s) == ([Turn(0, 0, 600)], [])

    def test_unsuccessful_interruption_is_no_floor_change(self):
        s = spurts([A(0, 500)], [B(100, 300)])
        assert floor_turns(s) == ([Turn(0, 0, 500)], [])

    def test_spurt_ending_with_holder_is_no_floor_change(self):
        s = spurts([A(0, 500)], [B(400, 500)])
        assert floor_turns(s) == ([Turn(0, 0, 500)], [])

    def test_short_response_in_silence_takes_the_floor(self):
        # B's 20-frame "yes" in the silence: B is the only one speaking, so B takes the floor.
        s = spurts([A(0, 100), A(200, 300)], [B(150, 170)])
        assert floor_turns(s) == (
            [Turn(0, 0, 100), Turn(1, 150, 170), Turn(0, 200, 300)],
            [FloorChange(1, 0, 150, 50), FloorChange(0, 1, 200, 30)],
        )

    def test_first_floor_taking_is_not_a_change(self):
        s = spurts([], [B(50, 100), B(150, 300)])
        assert floor_turns(s) == ([Turn(1, 50, 300)], [])

    def test_no_speech(self):
        assert floor_turns(spurts([], [])) == ([], [])

    def test_turn_spans_inner_pauses_and_partner_backchannels(self):
        a = [A(0, 300), A(350, 500)]
        b = [B(100, 150), B(600, 800)]
        assert floor_turns(spurts(a, b)) == (
            [Turn(0, 0, 500), Turn(1, 600, 800)],
            [FloorChange(1, 0, 600, 100)],
        )

    def test_simultaneous_start_then_one_stops(self):
        # Both start at 200; A stops at 250 and B is alone: B takes the floor with its
        # spurt that started at 200; A's last spurt ended at 250.
        a = [A(0, 100), A(200, 250)]
        b = [B(200, 400)]
        assert floor_turns(spurts(a, b)) == (
            [Turn(0, 0, 250), Turn(1, 200, 400)],
            [FloorChange(1, 0, 200, -50)],
        )

    def test_everyone_always_overlapping_gives_no_turn(self):
        assert floor_turns(spurts([A(0, 100)], [B(0, 100)])) == ([], [])

    def test_last_turn_ends_at_holders_last_spurt(self):
        # B's backchannel at the very end does not extend A's turn.
        a = [A(0, 100), A(150, 300)]
        b = [B(250, 280)]
        assert floor_turns(spurts(a, b)) == ([Turn(0, 0, 300)], [])

    def test_several_changes(self):
        a = [A(0, 200), A(420, 600), A(900, 1000)]
        b = [B(250, 400), B(590, 850)]
        #  A(0,200) -> B at 250 (+50) -> A at 420 (+20) -> B at 590 (-10) -> A at 900 (+50)
        assert floor_turns(spurts(a, b)) == (
            [Turn(0, 0, 200), Turn(1, 250, 400), Turn(0, 420, 600), Turn(1, 590, 850), Turn(0, 900, 1000)],
            [FloorChange(1, 0, 250, 50), FloorChange(0, 1, 420, 20),
             FloorChange(1, 0, 590, -10), FloorChange(0, 1, 900, 50)],
        )


# -- derive: everything together -----------------------------------------------------------

def test_derive_combines_and_sorts_events():
    a = [A(0, 300), A(350, 600), A(850, 900)]
    b = [B(250, 280), B(560, 800)]
    conv = derive(spurts(a, b), RULES)
    assert conv.spurts == spurts(a, b)
    assert conv.events == [
        Event("backchannel", 250, 280, 1, 0),
        Event("pause", 300, 350, 0),
        Event("interruption", 560, 600, 1, 0, "successful"),
        Event("gap", 800, 850, 0, 1),
    ]
    assert conv.turns == [Turn(0, 0, 600), Turn(1, 560, 800), Turn(0, 850, 900)]
    assert conv.floor_changes == [FloorChange(1, 0, 560, -40), FloorChange(0, 1, 850, 50)]


def test_derive_pause_before_a_tie_start():
    # A pauses, then A and B start together at 200 (one simultaneous start, actor B),
    # then B answers after A's spurt with a gap.
    a = [A(0, 100), A(200, 400)]
    b = [B(200, 250), B(500, 600)]
    conv = derive(spurts(a, b), RULES)
    assert conv.events == [
        Event("pause", 100, 200, 0),
        Event("simultaneous_start", 200, 250, 1, 0),
        Event("gap", 400, 500, 1, 0),
    ]

"""Tests for talkbalance.core.metrics: per-speaker and session figures and the coaching block.

Speaker A is channel 0, speaker B is channel 1; frames are 10 ms (frame_s = 0.01),
so 100 frames = 1 s. Conversations are built from hand-written spurts through
``events.derive`` with the default thresholds (20 / 100 / 30 frames); every
expected figure is worked out by hand in the comments.
"""

from __future__ import annotations

import dataclasses

import pytest

from talkbalance.config import Coaching, Config
from talkbalance.core.events import FrameRules, derive
from talkbalance.core.metrics import distribution, summarize
from talkbalance.core.types import Spurt

FRAME_S = 0.01
RULES = FrameRules(simultaneous_start=20, backchannel_max=100, min_interruption_overlap=30)
CFG = Config()


def A(start: int, end: int) -> Spurt:
    return Spurt(0, start, end)


def B(start: int, end: int) -> Spurt:
    return Spurt(1, start, end)


def summary(a, b, duration, roles=("", ""), cfg=CFG, names=("A", "B")) -> dict:
    """The figures as summary.json shows them."""
    conv = derive([list(a), list(b)], RULES)
    return summarize(conv, list(names), list(roles), duration, FRAME_S, cfg).as_dict()


def coaching_items(a, b, duration, roles=("trainee", "client"), cfg=CFG) -> dict:
    items = summary(a, b, duration, roles, cfg)["coaching"]
    return {item["item"]: item for item in items}


NONE2 = {"count": 0, "median_s": None, "p90_s": None}
NONE3 = {"count": 0, "median_s": None, "p90_s": None, "max_s": None}
NONE_FTO = {"count": 0, "median_s": None, "p10_s": None, "p90_s": None}


# -- distribution helper -------------------------------------------------------------------

class TestDistribution:
    def test_empty_gives_none(self):
        assert distribution([], 50, 90) == NONE2
        assert distribution([], 50, 10, 90) == NONE_FTO
        assert distribution([], 50, 90, 100) == NONE3

    def test_numpy_linear_percentiles(self):
        # [1, 2, 3, 4]: p50 = 2.5, p10 at index 0.3 -> 1.3, p90 at index 2.7 -> 3.7
        assert distribution([4.0, 1.0, 3.0, 2.0], 50, 10, 90) == {
            "count": 4, "median_s": 2.5, "p10_s": 1.3, "p90_s": 3.7}

    def test_max(self):
        assert distribution([0.3, 1.0, 0.5], 50, 90, 100) == {
            "count": 3, "median_s": 0.5, "p90_s": 0.9, "max_s": 1.0}

    def test_single_value(self):
        assert distribution([0.25], 50, 10, 90) == {"count": 1, "median_s": 0.25, "p10_s": 0.25, "p90_s": 0.25}

    def test_rounded_to_milliseconds(self):
        assert distribution([0.1234, 0.1238], 50) == {"count": 2, "median_s": 0.124}   # 0.1236


# -- a small mixed conversation -----------------------------------------------------------

# A [0,300)   B [250,280) backchannel (30 frames inside A)
# A pause [300,350)
# A [350,600) B [560,800) successful interruption by B (overlap 40 frames)
# gap [800,850): A answers after 0.5 s
# A [850,900), then trailing silence to 1000.
MIXED_A = [A(0, 300), A(350, 600), A(850, 900)]
MIXED_B = [B(250, 280), B(560, 800)]
MIXED_DURATION = 1000


@pytest.fixture
def mixed() -> dict:
    return summary(MIXED_A, MIXED_B, MIXED_DURATION)


class TestMixedConversation:
    def test_identity_fields(self, mixed):
        a, b = mixed["speakers"]
        assert (a["name"], a["channel"], a["role"]) == ("A", 1, "")
        assert (b["name"], b["channel"], b["role"]) == ("B", 2, "")

    def test_talk_time_counts_overlap_for_both(self, mixed):
        a, b = mixed["speakers"]
        assert a["talk_time_s"] == 6.0         # 300 + 250 + 50 frames
        assert b["talk_time_s"] == 2.7         # 30 + 240 frames

    def test_talk_share(self, mixed):
        a, b = mixed["speakers"]
        assert a["talk_share"] == 0.6897       # 600 / 870
        assert b["talk_share"] == 0.3103       # 270 / 870

    def test_session_time_split(self, mixed):
        s = mixed["session"]
        assert s["duration_s"] == 10.0
        assert s["speech_s"] == 8.0            # union [0,300) [350,800) [850,900)
        assert s["silence_s"] == 2.0           # 50 + 50 + 100 trailing frames
        assert s["overlap_s"] == 0.7           # 30 + 40 frames
        assert s["overlap_share_of_speech"] == 0.0875

    def test_floor(self, mixed):
        a, b = mixed["speakers"]
        s = mixed["session"]
        # turns: A [0,600), B [560,800), A [850,900)
        assert (a["turns"], b["turns"]) == (2, 1)
        assert a["longest_monologue_s"] == 6.0
        assert b["longest_monologue_s"] == 2.4
        assert s["floor_changes"] == 2
        assert s["switches_per_min"] == 12.0   # 2 changes in 10 s

    def test_event_counts(self, mixed):
        a, b = mixed["speakers"]
        s = mixed["session"]
        assert a["interruptions_made"] == {"successful": 0, "unsuccessful": 0}
        assert b["interruptions_made"] == {"successful": 1, "unsuccessful": 0}
        assert a["interrupted_by_other"] == 1
        assert b["interrupted_by_other"] == 0
        assert (a["backchannels"], b["backchannels"]) == (0, 1)
        assert (a["simultaneous_starts"], b["simultaneous_starts"]) == (0, 0)
        assert (a["transition_overlaps"], b["transition_overlaps"]) == (0, 0)
        assert (s["interruptions"], s["backchannels"], s["simultaneous_starts"], s["transition_overlaps"]) == (1, 1, 0, 0)

    def test_distributions(self, mixed):
        a, b = mixed["speakers"]
        assert a["pauses"] == {"count": 1, "median_s": 0.5, "p90_s": 0.5, "max_s": 0.5}
        assert b["pauses"] == NONE3
        assert a["response_latency"] == {"count": 1, "median_s": 0.5, "p90_s": 0.5}
        assert b["response_latency"] == NONE2
        # FTO: B came in at 560 while A ended at 600 (-0.4 s); A at 850 after B ended at 800 (+0.5 s)
        assert a["fto"] == {"count": 1, "median_s": 0.5, "p10_s": 0.5, "p90_s": 0.5}
        assert b["fto"] == {"count": 1, "median_s": -0.4, "p10_s": -0.4, "p90_s": -0.4}
        # session [-0.4, 0.5]: median 0.05, p10 = -0.4 + 0.1*0.9, p90 = -0.4 + 0.9*0.9
        assert mixed["session"]["fto"] == {"count": 2, "median_s": 0.05, "p10_s": -0.31, "p90_s": 0.41}

    def test_no_coaching_without_roles(self, mixed):
        assert mixed["coaching"] == []


# -- more figures ---------------------------------------------------------------------------

def test_overlap_counted_for_both_speakers():
    s = summary([A(0, 200)], [B(100, 300)], 400)
    a, b = s["speakers"]
    assert (a["talk_time_s"], b["talk_time_s"]) == (2.0, 2.0)
    assert (a["talk_share"], b["talk_share"]) == (0.5, 0.5)
    assert s["session"]["speech_s"] == 3.0
    assert s["session"]["overlap_s"] == 1.0
    assert s["session"]["silence_s"] == 1.0
    assert s["session"]["overlap_share_of_speech"] == 0.3333


def test_pause_latency_and_fto_distributions_per_speaker():
    # A pauses of 30, 50, 100 frames, then alternating answers with gaps of
    # 20 (B), 40 (A), 60 (B), 100 (A), 10 (B) frames.
    a = [A(0, 100), A(130, 200), A(250, 300), A(400, 500), A(640, 700), A(900, 1000)]
    b = [B(520, 600), B(760, 800), B(1010, 1100)]
    s = summary(a, b, 1100)
    sa, sb = s["speakers"]
    assert sa["pauses"] == {"count": 3, "median_s": 0.5, "p90_s": 0.9, "max_s": 1.0}
    assert sb["pauses"] == NONE3
    assert sa["response_latency"] == {"count": 2, "median_s": 0.7, "p90_s": 0.94}     # [0.4, 1.0]
    assert sb["response_latency"] == {"count": 3, "median_s": 0.2, "p90_s": 0.52}    # [0.1, 0.2, 0.6]
    assert sa["fto"] == {"count": 2, "median_s": 0.7, "p10_s": 0.46, "p90_s": 0.94}
    assert sb["fto"] == {"count": 3, "median_s": 0.2, "p10_s": 0.12, "p90_s": 0.52}
    assert s["session"]["fto"] == {"count": 5, "median_s": 0.4, "p10_s": 0.14, "p90_s": 0.84}
    assert s["session"]["floor_changes"] == 5
    assert s["session"]["switches_per_min"] == 27.273     # 5 / (11 s / 60)
    assert (sa["turns"], sb["turns"]) == (3, 3)
    assert sa["longest_monologue_s"] == 5.0               # [0, 500)


def test_interruption_counts_both_directions():
    # B: unsuccessful [100,300) inside A, backchannel [400,450), successful [950,1200) (overlap 50).
    # A: unsuccessful [1050,1180) inside B (130 frames).
    a = [A(0, 1000), A(1050, 1180)]
    b = [B(100, 300), B(400, 450), B(950, 1200)]
    s = summary(a, b, 1300)
    sa, sb = s["speakers"]
    assert sb["interruptions_made"] == {"successful": 1, "unsuccessful": 1}
    assert sa["interruptions_made"] == {"successful": 0, "unsuccessful": 1}
    assert sa["interrupted_by_other"] == 2
    assert sb["interrupted_by_other"] == 1
    assert (sa["backchannels"], sb["backchannels"]) == (0, 1)
    assert s["session"]["interruptions"] == 3
    assert s["session"]["backchannels"] == 1


def test_simultaneous_and_transition_counts():
    # B starts 10 frames after A (simultaneous); later B comes in 10 frames before A ends (transition).
    s = summary([A(0, 500), A(600, 800)], [B(10, 100), B(790, 900)], 900)
    sa, sb = s["speakers"]
    assert (sa["simultaneous_starts"], sb["simultaneous_starts"]) == (0, 1)
    assert (sa["transition_overlaps"], sb["transition_overlaps"]) == (0, 1)
    assert s["session"]["simultaneous_starts"] == 1
    assert s["session"]["transition_overlaps"] == 1
    assert s["session"]["interruptions"] == 0


def test_switches_per_minute_over_a_minute():
    # 3 floor changes in 60 s.
    s = summary([A(0, 1000), A(3000, 4000)], [B(1500, 2500), B(5000, 6000)], 6000)
    assert s["session"]["floor_changes"] == 3
    assert s["session"]["switches_per_min"] == 3.0


def test_empty_conversation():
    s = summary([], [], 500)
    a, b = s["speakers"]
    assert a["talk_time_s"] == 0.0 and a["talk_share"] is None and b["talk_share"] is None
    assert a["turns"] == 0 and a["longest_monologue_s"] == 0.0
    assert a["pauses"] == NONE3 and a["response_latency"] == NONE2 and a["fto"] == NONE_FTO
    sess = s["session"]
    assert (sess["duration_s"], sess["speech_s"], sess["silence_s"], sess["overlap_s"]) == (5.0, 0.0, 5.0, 0.0)
    assert sess["overlap_share_of_speech"] is None
    assert sess["floor_changes"] == 0
    assert sess["switches_per_min"] == 0.0
    assert sess["fto"] == NONE_FTO


def test_zero_duration_has_no_switch_rate():
    assert summary([], [], 0)["session"]["switches_per_min"] is None


def test_one_silent_speaker():
    s = summary([A(100, 400)], [], 500)
    a, b = s["speakers"]
    assert (a["talk_share"], b["talk_share"]) == (1.0, 0.0)
    assert (a["turns"], a["longest_monologue_s"]) == (1, 3.0)
    assert s["session"]["silence_s"] == 2.0


# -- coaching -------------------------------------------------------------------------------

class TestCoachingPresence:
    @pytest.mark.parametrize("roles", [("", ""), ("trainee", ""), ("", "client"),
                                       ("trainee", "trainee"), ("client", "client")])
    def test_no_coaching_without_one_trainee_and_one_client(self, roles):
        assert summary([A(0, 400)], [B(500, 1100)], 1200, roles)["coaching"] == []

    @pytest.mark.parametrize("roles", [("trainee", "client"), ("client", "trainee")])
    def test_items_in_order(self, roles):
        items = summary([A(0, 400)], [B(500, 1100)], 1200, roles)["coaching"]
        assert [i["item"] for i in items] == [
            "let the client talk", "avoid interruptions", "leave space before answering",
            "don't monologue", "show you are listening"]
        assert all(isinstance(i["met"], bool) and i["message"] for i in items)

    def test_roles_shown_per_speaker(self):
        a, b = summary([A(0, 400)], [B(500, 1100)], 1200, ("client", "trainee"))["speakers"]
        assert (a["role"], b["role"]) == ("client", "trainee")


class TestTalkShareItem:
    @pytest.mark.parametrize("a,b,share,met", [
        ([A(0, 400)], [B(500, 1100)], 0.4, True),      # 400 / 1000: exactly the maximum
        ([A(0, 401)], [B(500, 1099)], 0.401, False),   # 401 / 1000
        ([A(0, 200)], [B(300, 1100)], 0.2, True),      # 200 / 1000: exactly the minimum
        ([A(0, 199)], [B(300, 1101)], 0.199, False),   # 199 / 1000
        ([A(0, 300)], [B(400, 1100)], 0.3, True),
    ])
    def test_band_boundaries(self, a, b, share, met):
        item = coaching_items(a, b, 1200)["let the client talk"]
        assert item["value"] == share
        assert item["met"] is met
        assert item["target"] == {"min": 0.2, "max": 0.4}

    def test_trainee_on_channel_2(self):
        item = coaching_items([A(0, 600)], [B(700, 1100)], 1200, ("client", "trainee"))["let the client talk"]
        assert (item["value"], item["met"]) == (0.4, True)

    def test_overlap_counts_for_the_trainee_too(self):
        # trainee 500 frames, client 500 frames, 100 overlapping: share 0.5
        item = coaching_items([A(0, 500)], [B(400, 900)], 1000)["let the client talk"]
        assert (item["value"], item["met"]) == (0.5, False)

    def test_nobody_talks(self):
        item = coaching_items([], [], 1000)["let the client talk"]
        assert (item["value"], item["met"]) == (0.0, False)


class TestInterruptionsItem:
    def test_trainee_interruptions_listed_with_times(self):
        # client A, trainee B: unsuccessful at 2.0 s (200 frames inside A),
        # successful at 9.0 s (B outlasts A, overlap 100 frames).
        item = coaching_items([A(0, 1000)], [B(200, 400), B(900, 1200)], 1300,
                              ("client", "trainee"))["avoid interruptions"]
        assert item["value"] == 2
        assert item["met"] is False
        assert item["target"] == {"max": 0}
        assert item["times"] == [{"start_s": 2.0, "outcome": "unsuccessful"},
                                 {"start_s": 9.0, "outcome": "successful"}]

    def test_backchannels_and_transitions_are_not_interruptions(self):
        # trainee B: backchannel [200,300), transition overlap [980,1200) (overlap 20)
        item = coaching_items([A(0, 1000)], [B(200, 300), B(980, 1200)], 1300,
                              ("client", "trainee"))["avoid interruptions"]
        assert (item["value"], item["met"], item["times"]) == (0, True, [])

    def test_client_interrupting_the_trainee_does_not_count(self):
        item = coaching_items([A(0, 1000)], [B(200, 400)], 1100)["avoid interruptions"]
        assert (item["value"], item["met"]) == (0, True)

    def test_custom_allowance(self):
        cfg = dataclasses.replace(Config(), coaching=Coaching(max_trainee_interruptions=1))
        items = coaching_items([A(0, 1000)], [B(200, 400)], 1100, ("client", "trainee"), cfg)
        assert (items["avoid interruptions"]["value"], items["avoid interruptions"]["met"]) == (1, True)
        items = coaching_items([A(0, 1000)], [B(200, 400), B(600, 800)], 1100, ("client", "trainee"), cfg)
        assert (items["avoid interruptions"]["value"], items["avoid interruptions"]["met"]) == (2, False)


class TestLeaveSpaceItem:
    def test_quick_and_overlapping_responses_flagged(self):
        # trainee A answers client B four times, offsets +20, +19, -10, +100 frames.
        a = [A(120, 200), A(419, 500), A(690, 800), A(1100, 1200)]
        b = [B(0, 100), B(300, 400), B(600, 700), B(900, 1000)]
        item = coaching_items(a, b, 1300)["leave space before answering"]
        assert item["value"] == 0.5          # 2 of 4 quick: +19 and -10 (not +20)
        assert item["met"] is False
        assert item["target"] == {"max_share": 0.25, "quick_response_s": 0.2}
        assert item["times"] == [{"start_s": 4.19, "offset_s": 0.19}, {"start_s": 6.9, "offset_s": -0.1}]
        assert item["median_response_s"] == 0.195   # median of -0.1, 0.19, 0.2, 1.0

    def test_share_exactly_at_limit_is_met(self):
        # offsets +19 (quick), +20, +50, +100: 1 of 4 = 0.25
        a = [A(119, 200), A(420, 500), A(750, 800), A(1100, 1200)]
        b = [B(0, 100), B(300, 400), B(600, 700), B(900, 1000)]
        item = coaching_items(a, b, 1300)["leave space before answering"]
        assert (item["value"], item["met"]) == (0.25, True)
        assert item["times"] == [{"start_s": 1.19, "offset_s": 0.19}]

    def test_offset_of_exactly_quick_response_is_not_quick(self):
        item = coaching_items([A(120, 200)], [B(0, 100)], 300)["leave space before answering"]
        assert (item["value"], item["met"], item["times"]) == (0.0, True, [])

    def test_configured_threshold_boundary_is_exact(self):
        """quick_response_s = 0.14 s is 14 frames; a response 14 frames (0.14 s) after the
        client stopped is not "less than 0.14 s" and must not be flagged, one of 13 frames is."""
        cfg = dataclasses.replace(Config(), coaching=Coaching(quick_response_s=0.14))
        item = coaching_items([A(114, 200)], [B(0, 100)], 300, cfg=cfg)["leave space before answering"]
        assert (item["value"], item["met"], item["times"]) == (0.0, True, [])
        item = coaching_items([A(113, 200)], [B(0, 100)], 300, cfg=cfg)["leave space before answering"]
        assert (item["value"], item["met"]) == (1.0, False)
        assert item["times"] == [{"start_s": 1.13, "offset_s": 0.13}]

    def test_client_responses_are_not_counted(self):
        # Only the client takes the floor from the trainee (offset +5): no trainee responses.
        item = coaching_items([A(0, 100)], [B(105, 300)], 400)["leave space before answering"]
        assert (item["value"], item["met"], item["times"]) == (0.0, True, [])
        assert item["median_response_s"] is None


class TestMonologueItem:
    def test_turn_of_exactly_30_s_is_met(self):
        # trainee A holds the floor [0, 3000) with an inner pause: 30.00 s
        items = coaching_items([A(0, 1500), A(1550, 3000)], [B(3100, 3300)], 3400)
        item = items["don't monologue"]
        assert (item["value"], item["met"], item["times"]) == (0, True, [])
        assert item["target"] == {"max": 0, "monologue_alert_s": 30.0}

    def test_turn_of_30_01_s_is_not_met(self):
        items = coaching_items([A(0, 1500), A(1550, 3001)], [B(3101, 3300)], 3400)
        item = items["don't monologue"]
        assert (item["value"], item["met"]) == (1, False)
        assert item["times"] == [{"start_s": 0.0, "length_s": 30.01}]

    def test_configured_threshold_boundary_is_exact(self):
        """monologue_alert_s = 10.2 s is 1020 frames: a turn of exactly 10.20 s is not
        longer than the alert, one of 10.21 s is."""
        cfg = dataclasses.replace(Config(), coaching=Coaching(monologue_alert_s=10.2))
        item = coaching_items([A(0, 1020)], [B(1100, 1200)], 1300, cfg=cfg)["don't monologue"]
        assert (item["value"], item["met"], item["times"]) == (0, True, [])
        item = coaching_items([A(0, 1021)], [B(1100, 1200)], 1300, cfg=cfg)["don't monologue"]
        assert (item["value"], item["met"]) == (1, False)
        assert item["times"] == [{"start_s": 0.0, "length_s": 10.21}]

    def test_client_backchannel_does_not_break_a_monologue(self):
        item = coaching_items([A(0, 3500)], [B(1000, 1050)], 3600)["don't monologue"]
        assert (item["value"], item["met"]) == (1, False)
        assert item["times"] == [{"start_s": 0.0, "length_s": 35.0}]

    def test_client_monologue_does_not_count(self):
        item = coaching_items([A(4100, 4200)], [B(0, 4000)], 4300)["don't monologue"]
        assert (item["value"], item["met"]) == (0, True)


class TestListeningItem:
    def test_one_backchannel_per_client_minute_is_met(self):
        # client A speaks 60 s; trainee B one backchannel.
        item = coaching_items([A(0, 6000)], [B(1000, 1050)], 6000, ("client", "trainee"))["show you are listening"]
        assert (item["value"], item["met"]) == (1.0, True)
        assert item["target"] == {"min": 1.0}

    def test_two_minutes_two_backchannels_met(self):
        item = coaching_items([A(0, 12000)], [B(1000, 1050), B(5000, 5050)], 12000,
                              ("client", "trainee"))["show you are listening"]
        assert (item["value"], item["met"]) == (1.0, True)

    def test_two_minutes_one_backchannel_not_met(self):
        item = coaching_items([A(0, 12000)], [B(1000, 1050)], 12000, ("client", "trainee"))["show you are listening"]
        assert (item["value"], item["met"]) == (0.5, False)

    def test_just_under_the_rate_is_not_met(self):
        # 2 backchannels over 121 s of client speech: 0.992 per minute
        item = coaching_items([A(0, 12100)], [B(1000, 1050), B(5000, 5050)], 12100,
                              ("client", "trainee"))["show you are listening"]
        assert (item["value"], item["met"]) == (0.992, False)

    def test_unsuccessful_interruptions_are_not_backchannels(self):
        item = coaching_items([A(0, 6000)], [B(1000, 1200)], 6000, ("client", "trainee"))["show you are listening"]
        assert (item["value"], item["met"]) == (0.0, False)

    def test_client_silent(self):
        item = coaching_items([A(0, 500)], [], 600)["show you are listening"]
        assert (item["value"], item["met"]) == (0.0, False)


def test_typed_figures_are_the_summary_values():
    """The typed figures hold the very values summary.json shows, and the coaching items are found by key."""
    conv = derive([[A(0, 300), A(350, 600)], [B(280, 320), B(620, 900)]], RULES)
    figures = summarize(conv, ["A", "B"], ["trainee", "client"], 1000, FRAME_S, CFG)
    shown = figures.as_dict()
    assert [s.talk_share for s in figures.speakers] == [s["talk_share"] for s in shown["speakers"]]
    assert figures.session.overlap_s == shown["session"]["overlap_s"]
    band = figures.coaching_item("talk_share")
    assert band is not None and band.target == {"min": 0.2, "max": 0.4} and band.item == "let the client talk"
    assert [c.key for c in figures.coaching] == ["talk_share", "interruptions", "response_space", "monologue", "listening"]
    assert [list(c) for c in shown["coaching"]][2] == ["item", "value", "target", "met", "median_response_s", "times",
                                                       "message"]
    assert summarize(conv, ["A", "B"], ["", ""], 1000, FRAME_S, CFG).coaching_item("talk_share") is None

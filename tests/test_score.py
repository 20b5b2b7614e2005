"""The benchmark scorer (benchmarks/score.py): hand-computed cases and a check against pyannote.metrics."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from benchmarks.score import match_onsets, prf, score, summarize
from talkbalance.core.events import FrameRules, derive
from talkbalance.core.types import Conversation, Event, Spurt

RULES = FrameRules(20, 100, 30)
approx = pytest.approx


def spurts(*per_speaker) -> list[list[Spurt]]:
    return [[Spurt(k, a, b) for a, b in pairs] for k, pairs in enumerate(per_speaker)]


def conv(s0=(), s1=()) -> Conversation:
    """A derived conversation from ``(start, end)`` frame pairs per speaker."""
    return derive(spurts(s0, s1), RULES)


def events_only(*events) -> Conversation:
    return Conversation(spurts=[[], []], events=list(events), turns=[], floor_changes=[])


def assert_prf(block, p, r, f):
    assert (block["precision"], block["recall"], block["f1"]) == (approx(p), approx(r), approx(f))


# --- prf ---------------------------------------------------------------------------------------

def test_prf_definitions_and_zero_cases():
    assert prf(90, 20, 10) == (approx(90 / 110), approx(90 / 100), approx(180 / 210))
    assert prf(0, 0, 0) == (1.0, 1.0, 1.0)
    assert prf(0, 5, 0) == (0.0, 1.0, 0.0)   # pure false alarm
    assert prf(0, 0, 5) == (1.0, 0.0, 0.0)   # everything missed


# --- perfect hypothesis ------------------------------------------------------------------------

RICH = dict(s0=[(0, 300), (330, 600), (900, 1500)],
            s1=[(100, 150), (650, 880), (1000, 1200), (1450, 1800)])


def test_rich_reference_has_every_event_kind():
    c = conv(**RICH)
    kinds = {(e.kind, e.outcome) for e in c.events}
    assert {("backchannel", ""), ("pause", ""), ("gap", ""),
            ("interruption", "successful"), ("interruption", "unsuccessful")} <= kinds
    assert c.floor_changes


def test_perfect_hypothesis_scores_one_and_zero_errors():
    ref, hyp = conv(**RICH), conv(**RICH)
    s = score(ref, hyp, n_frames=2000)
    for k in (0, 1):
        f = s["speakers"][k]["frames"]
        assert f["fp"] == f["fn"] == 0 and f["tp"] > 0
        assert_prf(f, 1, 1, 1)
        assert s["speakers"][k]["crosstalk"]["rate"] == 0.0
    assert s["overlap"]["tp"] > 0
    assert_prf(s["overlap"], 1, 1, 1)
    for cat, block in s["events"].items():
        assert block["tp"] > 0, cat
        assert block["fp"] == block["fn"] == 0
        assert_prf(block, 1, 1, 1)
    assert s["talk_share"]["error_pp"] == 0.0
    for item in ("pause", "gap", "fto"):
        assert s["medians"][item]["error_s"] == 0.0
    summary = summarize([s, s])
    assert summary["talk_share_error_pp"] == {"mean": 0.0, "max": 0.0, "n": 2}
    assert_prf(summary["speakers"][0]["frames"], 1, 1, 1)


# --- frames ------------------------------------------------------------------------------------

def test_missed_and_extra_frames_exact():
    # speaker 0: reference 0-100, hypothesis 10-120 -> 90 TP, 20 FP (100-120), 10 FN (0-10)
    s = score(conv(s0=[(0, 100)]), conv(s0=[(10, 120)]), n_frames=200)
    f0 = s["speakers"][0]["frames"]
    assert (f0["tp"], f0["fp"], f0["fn"], f0["ref"], f0["hyp"]) == (90, 20, 10, 100, 110)
    assert_prf(f0, 90 / 110, 90 / 100, 2 * 0.9 * (9 / 11) / (0.9 + 9 / 11))
    # speaker 1 silent on both sides: nothing to detect, nothing detected
    f1 = s["speakers"][1]["frames"]
    assert (f1["tp"], f1["fp"], f1["fn"]) == (0, 0, 0)
    assert_prf(f1, 1, 1, 1)


def test_frames_are_clipped_to_n_frames():
    s = score(conv(s0=[(0, 100)]), conv(s0=[(0, 150)]), n_frames=120)
    f0 = s["speakers"][0]["frames"]
    assert (f0["tp"], f0["fp"], f0["fn"]) == (100, 20, 0)


# --- crosstalk ---------------------------------------------------------------------------------

def test_crosstalk_false_alarm_rate():
    # reference: speaker 1 alone 0-100, both 100-150 (overlap frames are not "partner only")
    ref = conv(s0=[(100, 150)], s1=[(0, 150)])
    # hypothesis marks speaker 0 active during 30 of the 100 partner-only frames
    hyp = conv(s0=[(20, 50), (100, 150)], s1=[(0, 150)])
    s = score(ref, hyp, n_frames=200)
    ct0 = s["speakers"][0]["crosstalk"]
    assert (ct0["fa"], ct0["partner_only"]) == (30, 100)
    assert ct0["rate"] == approx(0.30)
    # speaker 1 is never absent while speaker 0 talks: rate undefined
    assert s["speakers"][1]["crosstalk"] == {"fa": 0, "partner_only": 0, "rate": None}


# --- overlap -----------------------------------------------------------------------------------

def test_overlap_prf():
    ref = conv(s0=[(0, 200)], s1=[(150, 300)])   # overlap 150-200 (50 frames)
    hyp = conv(s0=[(0, 180)], s1=[(140, 300)])   # overlap 140-180 (40 frames)
    o = score(ref, hyp, n_frames=400)["overlap"]
    # TP 150-180 = 30, FP 140-150 = 10, FN 180-200 = 20
    assert (o["tp"], o["fp"], o["fn"], o["ref"], o["hyp"]) == (30, 10, 20, 50, 40)
    assert_prf(o, 0.75, 0.6, 2 / 3)


# --- events ------------------------------------------------------------------------------------

def bc(start, speaker=1):
    return Event("backchannel", start, start + 20, speaker, 1 - speaker)


@pytest.mark.parametrize("hyp_start, matched", [(150, True), (50, True), (151, False), (49, False), (100, True)])
def test_event_tolerance_boundary(hyp_start, matched):
    # 50 frames = 0.50 s matches, 51 frames = 0.51 s does not (either direction)
    s = score(events_only(bc(100)), events_only(bc(hyp_start)), n_frames=1000)
    b = s["events"]["backchannel"]
    assert (b["tp"], b["fp"], b["fn"]) == ((1, 0, 0) if matched else (0, 1, 1))


def test_event_wrong_actor_never_matches():
    s = score(events_only(bc(100, speaker=1)), events_only(bc(100, speaker=0)), n_frames=1000)
    b = s["events"]["backchannel"]
    assert (b["tp"], b["fp"], b["fn"]) == (0, 1, 1)


def test_event_matching_is_one_to_one():
    s = score(events_only(bc(100)), events_only(bc(100), bc(110)), n_frames=1000)
    b = s["events"]["backchannel"]
    assert (b["tp"], b["fp"], b["fn"]) == (1, 1, 0)
    assert_prf(b, 0.5, 1.0, 2 / 3)


def test_event_matching_is_maximal():
    # closest-first greedy would pair 60<->40 and leave two unmatched; the optimum pairs 0<->40, 60<->100
    assert match_onsets([0, 60], [40, 100], 50) == 2
    s = score(events_only(bc(0), bc(60)), events_only(bc(40), bc(100)), n_frames=1000)
    assert s["events"]["backchannel"]["tp"] == 2


def test_event_kind_and_outcome():
    ref = events_only(Event("interruption", 500, 600, 0, 1, "successful"))
    hyp = events_only(Event("interruption", 520, 600, 0, 1, "unsuccessful"), bc(500, speaker=0))
    ev = score(ref, hyp, n_frames=1000)["events"]
    counts = {c: (b["tp"], b["fp"], b["fn"]) for c, b in ev.items()}
    assert counts == {
        "interruption": (1, 0, 0),                 # outcome need not match
        "interruption_successful": (0, 0, 1),
        "interruption_unsuccessful": (0, 1, 0),
        "backchannel": (0, 1, 0),                  # a backchannel never matches an interruption
    }
    assert_prf(ev["interruption_successful"], 1.0, 0.0, 0.0)
    assert_prf(ev["interruption_unsuccessful"], 0.0, 1.0, 0.0)


# --- talk share --------------------------------------------------------------------------------

def test_talk_share_error_exact():
    ref = conv(s0=[(0, 300)], s1=[(400, 500)])              # share(0) = 300/400 = 0.75
    hyp = conv(s0=[(0, 100), (150, 250)], s1=[(400, 600)])  # share(0) = 200/400 = 0.50
    ts = score(ref, hyp, n_frames=700)["talk_share"]
    assert ts["ref"] == approx(0.75) and ts["hyp"] == approx(0.5)
    assert ts["error_pp"] == approx(25.0)


def test_talk_share_undefined_without_talk():
    ts = score(conv(s0=[(0, 300)]), conv(), n_frames=400)["talk_share"]
    assert ts["hyp"] is None and ts["error_pp"] is None


# --- medians -----------------------------------------------------------------------------------

def test_median_errors_exact():
    # reference: pauses 30, 60 (median 45); gaps 40, 20 (median 30); FTOs 40, 20 (median 30)
    ref = conv(s0=[(0, 100), (130, 200), (260, 300), (420, 500)], s1=[(340, 400)])
    # hypothesis: pauses 20, 60 (median 40); gaps 30, 50 (median 40); FTOs 30, 50 (median 40)
    hyp = conv(s0=[(0, 100), (120, 200), (260, 300), (450, 500)], s1=[(330, 400)])
    assert sorted(e.end - e.start for e in ref.events if e.kind == "gap") == [20, 40]
    assert sorted(c.offset for c in hyp.floor_changes) == [30, 50]
    m = score(ref, hyp, n_frames=600)["medians"]
    assert (m["pause"]["ref_s"], m["pause"]["hyp_s"]) == (approx(0.45), approx(0.40))
    assert m["pause"]["error_s"] == approx(-0.05)
    assert m["gap"]["error_s"] == approx(0.10)
    assert m["fto"]["error_s"] == approx(0.10)


def test_median_fto_pools_negative_offsets():
    # 0 -> 1 with a 50-frame overlap (FTO -50), 1 -> 0 after a 30-frame gap (FTO +30): median -10
    ref = conv(s0=[(0, 200), (380, 450)], s1=[(150, 350)])
    hyp = conv(s0=[(0, 200), (370, 450)], s1=[(150, 350)])   # FTOs -50, +20: median -15
    m = score(ref, hyp, n_frames=500)["medians"]["fto"]
    assert (m["ref_s"], m["hyp_s"], m["error_s"]) == (approx(-0.10), approx(-0.15), approx(-0.05))


def test_median_error_none_when_a_side_has_none():
    ref = conv(s0=[(0, 100), (130, 200)])                   # one pause, no gap, no floor change
    hyp = conv(s0=[(0, 200)])                               # no pause
    m = score(ref, hyp, n_frames=300)["medians"]
    assert m["pause"]["ref_s"] == approx(0.30) and m["pause"]["hyp_s"] is None
    assert all(m[i]["error_s"] is None for i in ("pause", "gap", "fto"))
    summary = summarize([score(ref, hyp, n_frames=300)])
    assert summary["median_abs_error_s"]["pause"] == {"mean": None, "max": None, "n": 0}


# --- summarize ---------------------------------------------------------------------------------

def test_summarize_micro_averages_counts():
    # A: speaker 0 TP 90, FP 20, FN 10; talk share 100/200 vs 110/210
    a = score(conv(s0=[(0, 100)], s1=[(200, 300)]), conv(s0=[(10, 120)], s1=[(200, 300)]), n_frames=400)
    # B: speaker 0 TP 10, FP 90, FN 0; talk share 10/110 vs 100/200
    b = score(conv(s0=[(0, 10)], s1=[(200, 300)]), conv(s0=[(0, 100)], s1=[(200, 300)]), n_frames=400)
    out = summarize([a, b])
    assert out["n_conversations"] == 2
    f0 = out["speakers"][0]["frames"]
    assert (f0["tp"], f0["fp"], f0["fn"], f0["ref"], f0["hyp"]) == (100, 110, 10, 110, 210)
    assert_prf(f0, 100 / 210, 100 / 110, 200 / 320)
    mean_of_f1 = (a["speakers"][0]["frames"]["f1"] + b["speakers"][0]["frames"]["f1"]) / 2
    assert abs(f0["f1"] - mean_of_f1) > 0.05                 # not the mean of per-conversation F1s
    ct = out["speakers"][0]["crosstalk"]
    assert (ct["fa"], ct["partner_only"], ct["rate"]) == (0, 200, 0.0)
    err_a, err_b = abs(110 / 210 - 0.5) * 100, abs(0.5 - 10 / 110) * 100
    assert out["talk_share_error_pp"] == {"mean": approx((err_a + err_b) / 2), "max": approx(err_b), "n": 2}


def test_summarize_events_and_signed_median_errors():
    ea = score(events_only(bc(100)), events_only(bc(100), bc(400)), n_frames=1000)       # 1 TP 1 FP
    eb = score(events_only(bc(100), bc(700)), events_only(bc(300)), n_frames=1000)      # 0 TP 1 FP 2 FN
    e = summarize([ea, eb])["events"]["backchannel"]
    assert (e["tp"], e["fp"], e["fn"]) == (1, 2, 2)
    assert_prf(e, 1 / 3, 1 / 3, 1 / 3)
    # median errors of opposite signs: absolute values averaged
    ref = conv(s0=[(0, 100), (130, 200)])
    up = score(ref, conv(s0=[(0, 100), (150, 200)]), n_frames=300)      # +0.20 s
    down = score(ref, conv(s0=[(0, 100), (120, 200)]), n_frames=300)    # -0.10 s
    assert up["medians"]["pause"]["error_s"] == approx(0.20)
    assert down["medians"]["pause"]["error_s"] == approx(-0.10)
    stats = summarize([up, down])["median_abs_error_s"]["pause"]
    assert stats == {"mean": approx(0.15), "max": approx(0.20), "n": 2}


# --- independent check against pyannote.metrics ------------------------------------------------

def random_spurts(rng, n_frames, count):
    """``count`` non-overlapping, non-touching spurts on the integer frame grid."""
    cuts = np.sort(rng.choice(np.arange(1, n_frames), size=2 * count, replace=False))
    return [(int(a), int(b)) for a, b in cuts.reshape(-1, 2)]


def jittered(rng, pairs, n_frames, extra):
    """A plausible system output: boundaries moved, some spurts dropped, some added (may overlap)."""
    out = []
    for a, b in pairs:
        if rng.random() < 0.15:
            continue
        a2, b2 = a + int(rng.integers(-15, 16)), b + int(rng.integers(-15, 16))
        a2, b2 = max(a2, 0), min(b2, n_frames)
        if b2 > a2:
            out.append((a2, b2))
    out += random_spurts(rng, n_frames, extra)
    return sorted(out)


CASES = [(seed, 3000, 12, 4) for seed in range(6)] + [(100, 1500, 3, 0), (101, 800, 1, 2)]


@pytest.mark.parametrize("seed, n_frames, count, extra", CASES)
def test_frame_scores_agree_with_pyannote(seed, n_frames, count, extra):
    pytest.importorskip("pyannote.core", reason="pyannote.core is needed for the independent check")
    detection = pytest.importorskip("pyannote.metrics.detection",
                                    reason="pyannote.metrics is needed for the independent check")
    from pyannote.core import Annotation, Segment, Timeline

    frame_s = 0.01
    rng = np.random.default_rng(seed)
    ref_pairs = [random_spurts(rng, n_frames, count) for _ in (0, 1)]
    hyp_pairs = [jittered(rng, ref_pairs[k], n_frames, extra) for k in (0, 1)]
    if seed == 100:
        hyp_pairs[1] = []                       # nothing detected: precision 1, recall 0
    ours = score(Conversation(spurts(*ref_pairs), [], [], []), Conversation(spurts(*hyp_pairs), [], [], []),
                 n_frames=n_frames, frame_s=frame_s)

    def annotation(pairs):
        ann = Annotation()
        for i, (a, b) in enumerate(pairs):
            ann[Segment(a * frame_s, b * frame_s), i] = "speech"
        return ann

    uem = Timeline([Segment(0, n_frames * frame_s)])
    kw = dict(collar=0.0, skip_overlap=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k in (0, 1):
            ref, hyp = annotation(ref_pairs[k]), annotation(hyp_pairs[k])
            precision = detection.DetectionPrecision(**kw)(ref, hyp, uem=uem)
            recall = detection.DetectionRecall(**kw)(ref, hyp, uem=uem)
            der = detection.DetectionErrorRate(**kw)(ref, hyp, uem=uem, detailed=True)
            f = ours["speakers"][k]["frames"]
            assert f["precision"] == approx(precision, abs=1e-6)
            assert f["recall"] == approx(recall, abs=1e-6)
            assert f["fp"] * frame_s == approx(der["false alarm"], abs=1e-6)
            assert f["fn"] * frame_s == approx(der["miss"], abs=1e-6)
            assert f["ref"] * frame_s == approx(der["total"], abs=1e-6)

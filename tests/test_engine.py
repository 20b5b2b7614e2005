"""The streaming core on real signals: stream parity, crosstalk rejection, double talk, quality."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import soundfile as sf
import soxr
from conftest import DEMO, headset_mix

from talkbalance.config import Config
from talkbalance.core.engine import Engine
from talkbalance.core.intervals import as_intervals, intersection, total


def run(signal: np.ndarray, rate_hz: int, cfg: Config = Config(), block_sizes=None):
    """Feed ``signal`` (n, 2) in the given block sizes (cycled), or in one go."""
    engine = Engine(cfg, rate_hz)
    if block_sizes is None:
        engine.feed(signal)
    else:
        i, k = 0, 0
        while i < len(signal):
            n = block_sizes[k % len(block_sizes)]
            engine.feed(signal[i:i + n])
            i, k = i + n, k + 1
    return engine.finish()


def fingerprint(result):
    return (result.conversation.spurts, result.conversation.events, result.conversation.turns,
            result.conversation.floor_changes, result.figures)


@pytest.fixture(scope="module")
def demo_excerpt():
    audio, sr = sf.read(DEMO / "practice_session.flac", dtype="int16", frames=16000 * 45)
    return audio, sr


def test_stream_parity_any_block_sizes(demo_excerpt):
    audio, sr = demo_excerpt
    whole = fingerprint(run(audio, sr))
    rng = np.random.default_rng(1)
    assert len(whole[0][0]) > 3 and len(whole[0][1]) > 3, "the excerpt must contain speech of both people"
    for sizes in ([1, 7, 159, 161, 4999], [160] * 3 + [80], list(rng.integers(1, 20000, 50)), [len(audio) - 1, 1]):
        assert fingerprint(run(audio, sr, block_sizes=sizes)) == whole
    # the first decisions wait until both voices are learned (here within 20 s), then come all at once:
    # the block sizes cut across that moment too
    engine = Engine(Config(), sr)
    engine.feed(audio[:sr * 3])
    assert engine.learning and engine.frames_done == 0
    engine.feed(audio[sr * 3:sr * 20])
    assert not engine.learning and engine.frames_done > 1500


def test_stream_parity_through_resampler(demo_excerpt):
    audio, sr = demo_excerpt
    at_44k = soxr.resample(audio.astype(np.float32) / 32768, sr, 44100)
    whole = fingerprint(run(at_44k, 44100))
    rng = np.random.default_rng(2)
    assert fingerprint(run(at_44k, 44100, block_sizes=list(rng.integers(1, 9000, 40)))) == whole
    # and resampled audio gives nearly the same spurts as the original rate
    native = run(audio, sr).conversation.spurts
    for k in (0, 1):
        a = as_intervals([(s.start, s.end) for s in native[k]])
        b = as_intervals([(s.start, s.end) for s in whole[0][k]])
        assert total(intersection(a, b)) >= 0.97 * max(total(a), total(b))


def activity(spurts) -> np.ndarray:
    return as_intervals([(s.start, s.end) for s in spurts])


def reference_activity(clean: np.ndarray) -> np.ndarray:
    """Frames (10 ms) where a clean voice is above -50 dBFS, smoothed like the engine."""
    from talkbalance.core.intervals import bridge, drop_short, runs
    n = len(clean) // 160
    rms_db = 10 * np.log10((clean[:n * 160].reshape(n, 160) ** 2).mean(axis=1) + 1e-12)
    return drop_short(bridge(runs(rms_db > -50), 20), 10)


def false_alarm_frames(own: np.ndarray, partner_ref: np.ndarray, own_ref: np.ndarray) -> tuple[int, int]:
    """(frames marked active where only the partner speaks, frames where only the partner speaks)."""
    from talkbalance.core.intervals import complement
    end = int(max(partner_ref[-1, 1], own_ref[-1, 1] if len(own_ref) else 0))
    partner_only = intersection(partner_ref, complement(own_ref, 0, end))
    return total(intersection(own, partner_only)), total(partner_only)


def overlap_events(result):
    return [(e.kind, e.speaker, e.outcome, e.start * result.frame_s) for e in result.conversation.events
            if e.kind not in ("pause", "gap")]


def scripted_events():
    """The overlaps the demo script placed (recordings/demo/reference_events.csv), channel-indexed."""
    import csv
    with open(DEMO / "reference_events.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    index = {"trainee": 0, "client": 1}
    return [(r["kind"], index[r["speaker"]], r["outcome"], float(r["start_s"])) for r in rows]


def same_event(a, b, tolerance_s=0.3):
    return a[:3] == b[:3] and abs(a[3] - b[3]) <= tolerance_s


@pytest.mark.parametrize("bleed_db", [-12, -18, -24, -30])
@pytest.mark.parametrize("gains_db", [(0.0, -10.0), (-10.0, 3.0)])
def test_bleed_makes_no_false_speech_or_overlaps(demo_clean, bleed_db, gains_db):
    voices, sr = demo_clean
    clean_result = run(np.stack(voices, axis=1), sr)
    result = run(headset_mix(voices, bleed_db, gains_db=gains_db), sr)
    refs = [reference_activity(v) for v in voices]
    for k in (0, 1):
        fa, n = false_alarm_frames(activity(result.conversation.spurts[k]), refs[1 - k], refs[k])
        assert fa <= 0.02 * n, f"channel {k + 1}: {fa} of {n} partner-only frames marked as own speech"
    # the scripted overlap events (kind, actor, outcome, onset within 0.3 s) are all found, and bleed adds
    # none, from the very start of the session
    found = overlap_events(result)
    expected = scripted_events()
    unmatched = [e for e in expected if not any(same_event(e, f) for f in found)]
    extra = [f for f in found if not any(same_event(e, f) for e in expected)]
    assert unmatched == [] and extra == []
    shares = [s.talk_share for s in result.speakers]
    clean_shares = [s.talk_share for s in clean_result.speakers]
    assert abs(shares[0] - clean_shares[0]) <= 0.02


def test_naive_vad_fails_on_bleed_so_the_gate_matters(demo_clean):
    """Without crosstalk rejection the same mix produces false speech: the test above has teeth."""
    voices, sr = demo_clean
    naive = dataclasses.replace(Config(), crosstalk=dataclasses.replace(Config().crosstalk, enabled=False))
    result = run(headset_mix(voices, -12, gains_db=(0.0, -10.0)), sr, cfg=naive)
    refs = [reference_activity(v) for v in voices]
    fa, n = false_alarm_frames(activity(result.conversation.spurts[1]), refs[0], refs[1])
    assert fa > 0.2 * n


def test_double_talk_survives_bleed(demo_clean):
    """Both people talking at once (client's speech laid over the trainee's) is found on both channels."""
    voices, sr = demo_clean
    a, b = voices
    # move a 6 s stretch of client speech over trainee speech
    ref_a, ref_b = reference_activity(a), reference_activity(b)
    longest_a = ref_a[np.argmax(ref_a[:, 1] - ref_a[:, 0])]
    src = ref_b[np.argmax(ref_b[:, 1] - ref_b[:, 0])]
    length = min(longest_a[1] - longest_a[0], src[1] - src[0], 300) * 160
    b2 = b.copy()
    start = longest_a[0] * 160
    b2[start:start + length] += b[src[0] * 160:src[0] * 160 + length]
    result = run(headset_mix([a, b2], -18), sr)
    both = intersection(activity(result.conversation.spurts[0]), activity(result.conversation.spurts[1]))
    window = as_intervals([(longest_a[0], longest_a[0] + length // 160)])
    assert total(intersection(both, window)) >= 0.6 * (length // 160)


def test_silent_and_clipped_channels_are_reported(demo_clean):
    voices, sr = demo_clean
    stereo = np.stack([np.clip(voices[0] * 20, -1, 1), np.zeros_like(voices[1])], axis=1)
    result = run(stereo, sr, cfg=Config().with_speakers(names=("trainee", "client")))
    assert result.quality.silent_channels == ["client"]
    assert result.quality.clipped_share[0] > 0.01 and result.quality.clipped_share[1] == 0
    assert any("clips" in w for w in result.quality.warnings)
    assert any("silent" in w for w in result.quality.warnings)
    assert result.conversation.spurts[1] == []


def test_the_same_signal_on_both_channels_is_noticed(demo_clean):
    (a, b), sr = demo_clean
    n = 10 * sr
    mixed = np.stack([a[:n] + b[:n], a[:n] + b[:n]], axis=1)             # a mixed recording copied to both channels
    engine = Engine(Config(), sr)
    engine.feed(mixed)
    assert any("very same signal in 100%" in w for w in engine.finish().quality.warnings)
    assert not engine.channels_differed

    two_mics = np.stack([a[:n], b[:n]], axis=1)
    engine = Engine(Config(), 48000)                                       # resampled on the way in
    engine.feed(soxr.resample(np.concatenate((two_mics, mixed)), sr, 48000))
    assert engine.channels_differed
    assert engine.same_since_frame == pytest.approx(1000, abs=3)           # the last 10 s
    sounding = (np.abs(mixed[:len(mixed) // 160 * 160, 0]).reshape(-1, 160) > 0).any(axis=1).sum()
    assert engine.same_run_frames == pytest.approx(sounding, abs=3)
    assert not any("same signal" in w for w in engine.finish().quality.warnings)   # half the session: not warned

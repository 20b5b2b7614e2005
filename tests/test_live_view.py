"""Live view: interruptions flagged before their spurts end, the event log as it settles, snapshots.

Rules as in test_events: 10 ms frames, simultaneous_start 20, backchannel_max 100,
min_interruption_overlap 30 frames. Speaker A is channel 0, B channel 1.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import soundfile as sf
from conftest import DEMO, ROOT

from talkbalance.config import Config, load_config
from talkbalance.core.engine import Engine
from talkbalance.core.events import FrameRules, pending_overlaps, settled_frame
from talkbalance.core.types import Event, Spurt
from talkbalance.live.view import LiveView

RULES = FrameRules(simultaneous_start=20, backchannel_max=100, min_interruption_overlap=30)


def A(start, end):
    return Spurt(0, start, end)


def B(start, end):
    return Spurt(1, start, end)


# -- interruptions certain before the spurts are final ---------------------------------------

def test_short_spurt_ended_inside_running_partner_is_a_backchannel_at_once():
    assert pending_overlaps([[], [B(200, 260)]], [A(0, 300), None], RULES) == [Event("backchannel", 200, 260, 1, 0)]


def test_short_spurt_ended_after_partner_last_spoke_is_undecided():
    # A's open spurt last had speech at 250; B ended at 260: A may have stopped (transition) or go on.
    assert pending_overlaps([[], [B(200, 260)]], [A(0, 250), None], RULES) == []


def test_open_overlap_is_not_yet_an_interruption_while_it_could_be_a_backchannel():
    # B has talked 0.9 s inside A's running spurt: it may still end as a backchannel.
    assert pending_overlaps([[], []], [A(0, 500), B(200, 290)], RULES) == []


def test_open_overlap_longer_than_a_backchannel_is_an_interruption_with_open_outcome():
    # B has talked 1.01 s inside A's running spurt: whatever happens next, it is an interruption.
    assert pending_overlaps([[], []], [A(0, 500), B(200, 301)], RULES) == [
        Event("interruption", 200, 301, 1, 0, "")]


def test_partner_finished_while_interrupter_talks_on_is_successful_at_once():
    # A's spurt ended (final) at 260, 0.6 s after B came in; B is still talking.
    assert pending_overlaps([[A(0, 260)], []], [None, B(200, 280)], RULES) == [
        Event("interruption", 200, 260, 1, 0, "successful")]


def test_partner_finished_soon_after_is_a_transition_not_an_interruption():
    assert pending_overlaps([[A(0, 220)], []], [None, B(200, 280)], RULES) == []


def test_final_long_spurt_inside_running_partner_is_unsuccessful():
    # B's 1.5 s spurt is final and lies inside A's spurt, which is still running.
    assert pending_overlaps([[], [B(200, 350)]], [A(0, 400), None], RULES) == [
        Event("interruption", 200, 350, 1, 0, "unsuccessful")]


def test_simultaneous_start_is_never_flagged():
    assert pending_overlaps([[], []], [A(0, 500), B(10, 400)], RULES) == []


def test_both_final_is_left_to_derive():
    assert pending_overlaps([[A(0, 500)], [B(200, 400)]], [None, None], RULES) == []


# -- settling ---------------------------------------------------------------------------------

def test_settled_frame_stops_at_an_open_silence():
    # A's spurt ended at 100; nobody talks since: the silence may still become a pause or a gap.
    assert settled_frame([[A(0, 100)], []], horizon=180) == 100


def test_settled_frame_is_the_horizon_inside_speech():
    # B's open spurt starts at 150 (the horizon) while A's final spurt runs to 200.
    assert settled_frame([[A(0, 200)], [B(50, 120)]], horizon=150) == 150


def test_settled_frame_ignores_final_spurts_after_the_horizon():
    # A is still open from 100; B's final spurt [200, 300) could yet be split from A's earlier speech.
    assert settled_frame([[A(0, 10)], [B(200, 300)]], horizon=100) == 10


def _stream(cfg: Config, audio: np.ndarray, rate: int, sizes) -> tuple[list[Event], list, Engine]:
    engine = Engine(cfg, rate)
    view = LiveView(engine)
    logged, snaps, i = [], [], 0
    for n in sizes:
        if i >= len(audio):
            break
        engine.feed(audio[i:i + n])
        i += n
        logged += view.refresh()
        snaps.append(view.snapshot())
    return logged, snaps, engine


@pytest.fixture(scope="module")
def demo():
    audio, rate = sf.read(DEMO / "practice_session.flac", dtype="int16")
    return audio, rate


def test_event_log_is_always_a_prefix_of_the_final_events(demo):
    audio, rate = demo
    rng = np.random.default_rng(3)
    cfg = load_config(ROOT / "configs" / "peer-support.toml")
    logged, _, engine = _stream(cfg, audio, rate, rng.integers(1, 4000, size=len(audio)))
    final = engine.finish().conversation.events
    assert len(logged) >= len(final) - 2          # everything but the tail settles during the session
    assert logged == final[:len(logged)]


def test_event_log_prefix_holds_at_every_step(demo):
    audio, rate = demo
    cfg = load_config(ROOT / "configs" / "peer-support.toml")
    engine = Engine(cfg, rate)
    view = LiveView(engine)
    steps = []
    for i in range(0, len(audio), 8000):
        engine.feed(audio[i:i + 8000])
        steps.append(list(view.refresh()))
    final = engine.finish().conversation.events
    logged = [e for step in steps for e in step]
    assert logged == final[:len(logged)]
    assert sum(1 for step in steps if step) > 10        # events reach the log as the session runs


def test_snapshots_follow_the_session(demo):
    audio, rate = demo
    cfg = load_config(ROOT / "configs" / "peer-support.toml")
    _, snaps, engine = _stream(cfg, audio, rate, [320] * (len(audio) // 320 + 1))
    result = engine.finish()
    last = snaps[-1]
    speakers = result.speakers
    # the live counters end where the final summary ends
    assert last.interruptions == tuple(sum(s.interruptions_made.values()) for s in speakers)
    assert last.backchannels == tuple(s.backchannels for s in speakers)
    assert last.share == pytest.approx([s.talk_share for s in speakers], abs=0.01)
    assert last.share_band == (0.2, 0.4) and last.trainee == 0
    # the timeline only holds the last window_s seconds
    assert all(end >= last.now_s - last.window_s for _, _, end in last.spurts)
    # the trainee's interruptions raise the cue while they are fresh
    trainee_interruptions = [e.start * 0.01 for e in result.conversation.events
                             if e.kind == "interruption" and e.speaker == 0]
    cued = [s.now_s for s in snaps if any("interrupted" in c for c in s.cues)]
    assert cued and all(any(0 <= t - start <= 6 for start in trainee_interruptions) for t in cued)
    # an interruption is counted before its spurts are final (pending), never later than when final
    first_count = next(s.now_s for s in snaps if s.interruptions[0] >= 1)
    assert first_count <= trainee_interruptions[0] + 1.2


def test_monologue_cue_after_monologue_alert_s():
    cfg = Config().with_speakers(trainee="A")
    rate = 16000
    rng = np.random.default_rng(0)
    t = np.arange(rate * 12) / rate
    syllables = np.sin(2 * np.pi * 3 * t) > -0.6              # 0.12 s pauses between syllables: one spurt
    voice = 0.3 * np.sin(2 * np.pi * 180 * t) * syllables + 0.002 * rng.standard_normal(len(t))
    audio = np.stack([voice, 1e-4 * rng.standard_normal(len(t))], axis=1).astype(np.float32)
    cfg = dataclasses.replace(cfg, coaching=dataclasses.replace(cfg.coaching, monologue_alert_s=5.0))
    _, snaps, _ = _stream(cfg, audio, rate, [1600] * 120)
    cued = [s.now_s for s in snaps if any("has talked for" in c for c in s.cues)]
    assert cued and 5.0 < cued[0] <= 6.0

"""The band-by-band bleed test (talkbalance/core/crosstalk/spectral.py), on signals with known answers: a tone's band, the
decaying tail, a learned per-band coupling and its gain step, the unexplained share; and in the engine, a
reverberant bleed that the broadband test lets through more often."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from benchmarks.score import activity
from benchmarks.systems import talkbalance_system
from talkbalance.config import Config
from talkbalance.core.crosstalk.spectral import (
    BANDS,
    LOW_HZ,
    MEMORY,
    MIN_FRAMES,
    TAIL_DB_PER_S,
    TAIL_FRAMES,
    TINY,
    BandAnalyser,
    BandBleed,
    tail,
    unexplained_share,
)
from talkbalance.core.intervals import bridge, drop_short, runs
from talkbalance.core.types import Spurt

RATE = 16000
FRAME = 160


def test_a_tone_lands_in_its_band():
    bands = BandAnalyser(RATE, FRAME)
    t = np.arange(RATE) / RATE
    edges = np.geomspace(LOW_HZ, RATE / 2, BANDS + 1)
    for hz in (300.0, 1000.0, 3000.0):
        x = (10000 * np.sin(2 * np.pi * hz * t)).astype(np.float32)
        energy = bands.energies(x, np.arange(10, 20) * FRAME)
        expected = np.searchsorted(edges, hz, side="right") - 1
        assert (energy.argmax(axis=1) == expected).all()
        near = energy[:, max(expected - 1, 0):expected + 2].sum(axis=1)      # the window's main lobe
        assert (near / energy.sum(axis=1) > 0.99).all()


def test_the_tail_falls_at_its_rate_and_ends():
    frame_s = FRAME / RATE
    bands = np.full((TAIL_FRAMES - 1 + 60, BANDS), TINY)
    loud_at = 10
    bands[TAIL_FRAMES - 1 + loud_at] = 1e8
    env = tail(bands, np.arange(60), frame_s)
    for j in range(TAIL_FRAMES):
        assert env[loud_at + j, 0] == pytest.approx(1e8 * 10 ** (-TAIL_DB_PER_S * frame_s * j / 10), rel=1e-6)
    assert env[loud_at + TAIL_FRAMES, 0] == TINY
    assert env[loud_at - 1, 0] == TINY


def test_the_coupling_is_learned_per_band_and_follows_a_gain_step():
    rng = np.random.default_rng(3)
    coupling = 10 ** (-np.linspace(10, 40, BANDS) / 10)       # the bleed loses more the higher the band
    learner = BandBleed()
    partner = 10 ** rng.uniform(4, 8, size=(MIN_FRAMES - 1, BANDS))
    learner.learn(partner * coupling, partner)
    learner.update()
    assert learner.coupling is None                            # too few frames yet
    partner = 10 ** rng.uniform(4, 8, size=(MEMORY, BANDS))
    learner.learn(partner * coupling * rng.uniform(0.5, 1.0, size=partner.shape), partner)
    learner.update()
    assert learner.coupling == pytest.approx(coupling * 0.85, rel=0.1)   # the 70 % point of uniform(0.5, 1)
    learner.learn(partner * coupling * 4.0, partner)            # a head turn: the bleed 6 dB up
    learner.update()
    assert learner.coupling == pytest.approx(coupling * 4.0, rel=1e-6)


def test_the_unexplained_share_counts_only_what_beats_the_margin():
    predicted = np.ones((1, BANDS))
    own = np.ones((1, BANDS))
    own[0, :5] = 10.0                  # 5 bands 10x the prediction, the rest exactly at it
    share = unexplained_share(own, predicted, margin=4.0)
    assert share[0] == pytest.approx(5 * (10.0 - 4.0) / (5 * 10.0 + 15 * 1.0))


@pytest.fixture(scope="module")
def reverberant_demo(demo_clean):
    """The demo's two clean voices, each mic hearing the partner through a synthetic reverberant path
    (-16 dB, RT60 0.7 s: a direct spike and an exponentially decaying noise tail), and the voices' activity."""
    own, rate = demo_clean
    rng = np.random.default_rng(0)
    n = len(own[0])
    mics = []
    for k in (0, 1):
        t = np.arange(int(0.4 * rate)) / rate
        ir = rng.normal(size=len(t)) * 10 ** (-3 * t / 0.7)
        ir[:60], ir[60] = 0.0, 8.0
        ir /= np.sqrt((ir ** 2).sum())
        bleed = np.convolve(own[1 - k], ir)[:n] * 10 ** (-16 / 20)
        mics.append(own[k] + bleed + rng.normal(0, 10 ** (-65 / 20), n))
    frames = n // FRAME
    active = []
    for x in own:
        level = 10 * np.log10((x[:frames * FRAME].reshape(frames, FRAME) ** 2).mean(axis=1) + 1e-12)
        spans = drop_short(bridge(runs(level > level.max() - 45), 20), 10)
        active.append(activity([Spurt(0, int(a), int(b)) for a, b in spans.tolist()], frames))
    return np.stack(mics, axis=1).astype(np.float32), rate, active


def _figures(audio, rate, active, band_bleed: bool) -> tuple[list[float], list[float]]:
    cfg = Config()
    cfg = dataclasses.replace(cfg, crosstalk=dataclasses.replace(cfg.crosstalk, band_bleed=band_bleed))
    conv = talkbalance_system(cfg)(audio, rate)
    found = [activity(conv.spurts[k], len(active[0])) for k in (0, 1)]
    both = active[0] & active[1]
    recall = [(found[k] & both).sum() / both.sum() for k in (0, 1)]
    partner_fa = [(found[k] & active[1 - k] & ~active[k]).sum() / (active[1 - k] & ~active[k]).sum() for k in (0, 1)]
    return recall, partner_fa


def test_band_bleed_lets_less_reverberant_bleed_through_and_keeps_double_talk(reverberant_demo):
    recall_on, fa_on = _figures(*reverberant_demo, band_bleed=True)
    recall_off, fa_off = _figures(*reverberant_demo, band_bleed=False)
    for k in (0, 1):
        assert fa_on[k] <= 0.9 * fa_off[k], (fa_on, fa_off)
        assert recall_on[k] >= 0.95, recall_on

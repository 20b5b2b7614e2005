"""The crosstalk gate's discipline, on hand-made frame energies with known answers: the state each hop is
decided with, the wait for the first decisions, and the streaming stages after the frame tests."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from talkbalance.config import Config
from talkbalance.core.crosstalk.gate import (
    GAP_UNMASKED,
    LEARNED_OWN,
    MIN_CORE_RUN,
    CrosstalkGate,
    _Extender,
    _MaskedGaps,
)

FRAME = 160
HOP = 50                 # frames per hop
LOUD_NOISE = 1e6         # int16 units squared
QUIET = 1e2
TALK = 5e5               # under LOUD_NOISE * noise gate, far over QUIET * noise gate
SIZES = [[4 * HOP], [HOP], [1], [7, 33, 120], [HOP + 10, 3 * HOP]]


def gate(**crosstalk) -> CrosstalkGate:
    cfg = dataclasses.replace(Config().crosstalk, **crosstalk)
    return CrosstalkGate(cfg, 16000, FRAME, HOP)


def feed(g: CrosstalkGate, energy: np.ndarray, vad: np.ndarray, sizes: list[int]) -> tuple[np.ndarray, list[int]]:
    """All decisions (flushed at the end), and how many frames each call returned."""
    frames = energy.shape[1]
    samples = np.zeros((frames * FRAME, 2), np.float32)
    own, counts, start, i = [], [], 0, 0
    while start < frames:
        stop = min(frames, start + sizes[i % len(sizes)])
        out = g.process(samples[start * FRAME:stop * FRAME], energy[:, start:stop], vad[:, start:stop])
        own.append(out)
        counts.append(out.shape[1])
        start, i = stop, i + 1
    own.append(g.flush())
    return np.concatenate(own, axis=1), counts


def talk_runs(energy: np.ndarray, vad: np.ndarray, k: int, starts, level: float, length: int = MIN_CORE_RUN) -> None:
    for s in starts:
        energy[k, s:s + length] = level
        vad[k, s:s + length] = True


@pytest.mark.parametrize("sizes", SIZES)
def test_each_hop_is_decided_with_the_noise_floor_known_at_its_start(sizes):
    """The loud first hop sets the floor for hop 2 only; hop 2 ends it, so hops 3-4 hear the speech.

    Decided together with the hops after it (one big block), hop 2 must still use the floor
    as it stood when hop 2 began, not the lower one learned later in the block.
    """
    hops = 4
    energy = np.full((2, hops * HOP), QUIET)
    energy[0, :HOP] = LOUD_NOISE
    vad = np.zeros((2, hops * HOP), dtype=bool)
    talk = [h * HOP + 10 for h in range(1, hops)]
    talk_runs(energy, vad, 0, talk, TALK)
    own, _ = feed(gate(learn_first_s=0.0), energy, vad, sizes)
    assert own.shape == energy.shape
    assert [bool(own[0, t:t + MIN_CORE_RUN].all()) for t in talk] == [False, True, True]
    assert own[0].sum() == 2 * MIN_CORE_RUN and not own[1].any()


def voices(hops: int, first_b_hop: int) -> tuple[np.ndarray, np.ndarray]:
    """A talks clearly (loud on mic A, 30 dB weaker on mic B) from the start; B likewise from ``first_b_hop``."""
    rng = np.random.default_rng(0)
    energy = QUIET * rng.uniform(0.8, 1.2, (2, hops * HOP))
    vad = np.zeros((2, hops * HOP), dtype=bool)
    for h in range(hops):
        for k in (0, 1):
            if k == 1 and h < first_b_hop:
                continue
            at = h * HOP + (5 if k == 0 else 30) + np.arange(12)
            energy[k, at] = 1e7
            energy[1 - k, at] = 1e4
            vad[k, at] = True
    return energy, vad


@pytest.mark.parametrize("sizes", SIZES)
def test_the_first_decisions_wait_until_both_voices_are_learned(sizes):
    hops = 60
    energy, vad = voices(hops, first_b_hop=10)
    g = gate()
    own, counts = feed(g, energy, vad, sizes)
    assert g.learned
    # nothing came out until both had LEARNED_OWN clear frames (12 a hop each), then all of it at once
    frames_out = np.cumsum(counts)
    assert frames_out[int(np.argmax(frames_out > 0))] > (10 + LEARNED_OWN / 12 - 1) * HOP
    assert (own == feed(gate(), energy, vad, [hops * HOP])[0]).all()
    # A's speech is A's from the very first frame: decided with what was learned by then
    assert own[0, 5:17].all() and not own[1, 5:17].any()


def test_waiting_ends_after_learn_first_s_even_if_one_voice_never_comes():
    energy, vad = voices(40, first_b_hop=10 ** 6)
    g = gate(learn_first_s=10.0)                                   # 20 hops of 0.5 s
    _, counts = feed(g, energy, vad, [HOP])
    assert sum(counts[:19]) == 0 and sum(counts[:20]) >= 19 * HOP


@pytest.mark.parametrize("chunks", [[200], [1], [3, 7, 11], [50, 150]])
def test_core_frames_count_in_runs_and_carry_their_quiet_neighbours(chunks):
    before, after = 3, 6
    core = np.zeros((2, 200), dtype=bool)
    weak = np.zeros((2, 200), dtype=bool)
    core[0, 20:23] = True                 # a run: counts
    weak[0, 14:20] = True                 # 3 of these are within `before` of it
    weak[0, 23:35] = True                 # 6 of these are within `after` of it
    core[0, 100] = True                   # a stray core frame: not speech
    weak[0, 95:106] = True
    core[1, 150:160] = True               # at the end of a chunk or not: the same
    masked = np.zeros_like(core)
    ext = _Extender(before, after, before, after)     # no longer chains: see the next test
    out, start = [], 0
    for i in range(10 ** 6):
        if start >= 200:
            break
        n = chunks[i % len(chunks)]
        out.append(ext.push(core[:, start:start + n], weak[:, start:start + n], masked[:, start:start + n])[0])
        start += n
    out.append(ext.flush()[0])
    own = np.concatenate(out, axis=1)
    assert np.flatnonzero(own[0]).tolist() == list(range(17, 29))
    assert np.flatnonzero(own[1]).tolist() == list(range(150, 160))


def _extend(ext: _Extender, core, weak, masked, chunks) -> np.ndarray:
    out, start, i = [], 0, 0
    while start < core.shape[1]:
        n = chunks[i % len(chunks)]
        out.append(ext.push(core[:, start:start + n], weak[:, start:start + n], masked[:, start:start + n])[0])
        start, i = start + n, i + 1
    out.append(ext.flush()[0])
    return np.concatenate(out, axis=1)


@pytest.mark.parametrize("chunks", [[120], [1], [3, 7, 11], [55, 65]])
def test_weak_frames_joined_to_a_run_count_farther_from_it(chunks):
    core, weak, masked = (np.zeros((2, 120), dtype=bool) for _ in range(3))
    core[0, 50:53] = True
    weak[0, 40:44] = weak[0, 45:50] = True     # frame 44 breaks the chain: 45-49 are joined to the run
    weak[0, 53:58] = weak[0, 60:75] = True
    masked[0, 58:60] = True                    # masked frames do not break a chain (nor count themselves)
    weak[1, 80:110] = True                     # weak frames with no run: nothing
    own = _extend(_Extender(3, 6, 8, 10), core, weak, masked, chunks)
    assert np.flatnonzero(own[0]).tolist() == [*range(45, 58), *range(60, 63)]
    assert not own[1].any()


@pytest.mark.parametrize("chunks", [[40], [1], [4, 9], [13, 2]])
def test_a_short_gap_masked_by_the_partner_is_filled(chunks):
    own = np.zeros((2, 40), dtype=bool)
    masked = np.zeros((2, 40), dtype=bool)
    own[0, [0, 1, 5, 6, 13]] = True       # gaps of 3 (masked: filled) and 6 (too long)
    masked[0, 2:5] = masked[0, 7:13] = True
    own[1, [0, 6, 12]] = True             # a gap of 5 with 3 frames unmasked: kept; one with 2 (GAP_UNMASKED): filled
    masked[1, [1, 3]] = True
    masked[1, [7, 8, 9]] = True
    assert GAP_UNMASKED == 2
    gaps = _MaskedGaps(5)
    out, start = [], 0
    while start < 40:
        for n in chunks:
            out.append(gaps.push(own[:, start:start + n], masked[:, start:start + n]))
            start += n
    out.append(gaps.flush())
    filled = np.concatenate(out, axis=1)
    assert np.flatnonzero(filled[0]).tolist() == [0, 1, 2, 3, 4, 5, 6, 13]
    assert np.flatnonzero(filled[1]).tolist() == [0, 6, 7, 8, 9, 10, 11, 12]


def test_the_gate_takes_exactly_two_channels():
    g = gate()
    with pytest.raises(ValueError, match="exactly 2 headset channels"):
        g.process(np.zeros((3 * FRAME, 3), np.float32), np.zeros((3, 3)), np.zeros((3, 3), dtype=bool))

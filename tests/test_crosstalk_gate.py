"""The crosstalk gate's hop discipline, on hand-made frame energies with known answers."""
from __future__ import annotations

import numpy as np
import pytest

from talkbalance.config import Config
from talkbalance.crosstalk import CrosstalkGate

FRAME = 160
HOP = 50                 # frames per hop
LOUD_NOISE = 1e6         # int16 units squared
QUIET = 1e2
TALK = 5e5               # under LOUD_NOISE * noise gate, far over QUIET * noise gate


def settled_gate() -> CrosstalkGate:
    """A gate whose couplings are already learned (-30 dB both ways): every hop is decided after learning."""
    gate = CrosstalkGate(Config().crosstalk, 16000, FRAME, HOP)
    gate.coupling_db = [-30.0, -30.0]
    return gate


def noise_drop() -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Channel 1: a hop of loud noise, then quiet; a speech frame in each later hop (partner silent)."""
    hops = 4
    energy = np.full((2, hops * HOP), QUIET)
    energy[0, :HOP] = LOUD_NOISE
    vad = np.zeros((2, hops * HOP), dtype=bool)
    talk = [h * HOP + 10 for h in range(1, hops)]
    energy[0, talk] = TALK
    vad[0, talk] = True
    return energy, vad, talk


def feed(gate: CrosstalkGate, energy: np.ndarray, vad: np.ndarray, sizes: list[int]) -> np.ndarray:
    frames = energy.shape[1]
    samples = np.zeros((frames * FRAME, 2), np.float32)
    own, start, i = [], 0, 0
    while start < frames:
        stop = min(frames, start + sizes[i % len(sizes)])
        own.append(gate.process(samples[start * FRAME:stop * FRAME], energy[:, start:stop], vad[:, start:stop]))
        start, i = stop, i + 1
    return np.concatenate(own, axis=1)


@pytest.mark.parametrize("sizes", [[4 * HOP], [HOP], [1], [7, 33, 120], [HOP + 10, 3 * HOP]])
def test_each_hop_is_decided_with_the_noise_floor_known_at_its_start(sizes):
    """The loud first hop sets the floor for hop 2 only; hop 2 ends it, so hops 3-4 hear the speech.

    Decided together with the hops after it (one big block), hop 2 must still use the
    floor as it stood when hop 2 began, not the lower one learned later in the block.
    """
    energy, vad, talk = noise_drop()
    own = feed(settled_gate(), energy, vad, sizes)
    assert own[0, talk].tolist() == [False, True, True]
    assert own[0].sum() == 2 and not own[1].any()


def test_a_hop_is_decided_with_the_speech_level_of_earlier_hops_only():
    """A loud hop raises the speech level, and with it the floor, only for the hops after it."""
    hops = 3
    energy = np.full((2, hops * HOP), QUIET)
    vad = np.zeros((2, hops * HOP), dtype=bool)
    loud, soft = 1e9, 4e5                  # soft is more than 30 dB (the speech range) under the mean of both
    energy[0, [5, HOP + 5, 2 * HOP + 5]] = [soft, loud, soft]
    energy[0, HOP + 20] = soft
    vad[0, [5, HOP + 5, HOP + 20, 2 * HOP + 5]] = True
    for sizes in ([hops * HOP], [HOP], [1], [HOP + 21, 9]):
        own = feed(settled_gate(), energy, vad, sizes)
        assert own[0, [5, HOP + 5, HOP + 20, 2 * HOP + 5]].tolist() == [True, True, True, False], sizes

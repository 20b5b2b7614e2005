"""The leak canceller: exact normal equations, batch learning, and recovery of a known leak."""
import numpy as np
import pytest

from talkbalance.core.crosstalk.canceller import PRE_EMPHASIS, BleedCanceller

TAPS = 65
FRAME = 160


def _stretches(rng, leak: np.ndarray, count: int):
    """``count`` single-talk stretches: partner noise, and the mic hearing it through ``leak`` (+ a little noise).

    ``leak[d]`` weighs the partner sample ``d`` samples earlier ("valid" convolution ends each
    output at the partner sample it is aligned with).
    """
    partner = rng.normal(size=(count, FRAME + TAPS - 1))
    own = np.stack([np.convolve(p, leak, "valid") for p in partner]) + 0.01 * rng.normal(size=(count, FRAME))
    return partner, own


def _direct_normal_equations(partner: np.ndarray, own: np.ndarray):
    """X^T X and X^T y from the explicit lagged matrix (column d: the pre-emphasised partner d samples earlier)."""
    gram, cross = np.zeros((TAPS, TAPS)), np.zeros(TAPS)
    for p, y in zip(partner, own):
        p = p[1:] - PRE_EMPHASIS * p[:-1]
        y = y[1:] - PRE_EMPHASIS * y[:-1]
        n = len(y)
        x = np.stack([p[TAPS - 1 - d:TAPS - 1 - d + n] for d in range(TAPS)], axis=1)
        gram += x.T @ x
        cross += x.T @ y
    return gram, cross


def test_running_sums_equal_the_lagged_matrix_product():
    rng = np.random.default_rng(1)
    partner, own = _stretches(rng, rng.normal(size=TAPS), 5)
    canceller = BleedCanceller(TAPS, 0.5)
    canceller.learn(partner, own)
    gram, cross = _direct_normal_equations(partner, own)
    np.testing.assert_allclose(canceller._gram, gram, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(canceller._cross, cross, rtol=1e-9, atol=1e-9)


def test_one_batch_equals_one_stretch_at_a_time():
    rng = np.random.default_rng(2)
    partner, own = _stretches(rng, rng.normal(size=TAPS), 6)
    batch, single = BleedCanceller(TAPS, 0.5), BleedCanceller(TAPS, 0.5)
    batch.learn(partner, own)
    for p, y in zip(partner, own):
        single.learn(p[None], y[None])
    np.testing.assert_allclose(batch._gram, single._gram, rtol=1e-12)
    np.testing.assert_allclose(batch._cross, single._cross, rtol=1e-12)


@pytest.mark.parametrize("delay", [3, 30, 60])
def test_recovers_a_delayed_leak_and_cancels_it(delay):
    """A −20 dB leak delayed by ``delay`` samples: the kept taps centre on it and remove ~all of its power."""
    rng = np.random.default_rng(delay)
    leak = np.zeros(TAPS)
    leak[delay] = 0.1
    leak[min(delay + 1, TAPS - 1)] += 0.03                    # mild colouring
    partner, own = _stretches(rng, leak, 12)
    canceller = BleedCanceller(TAPS, 0.5)
    canceller.learn(partner, own)
    canceller.update()
    leak_filter = canceller.filter
    assert leak_filter is not None
    assert leak_filter.delays[0] <= delay <= leak_filter.delays[-1]
    # judge fresh audio: a long partner signal and its leak
    far = rng.normal(size=4000 + TAPS).astype(np.float32)
    heard = np.convolve(far, leak, "valid")            # heard[t] ends at far[t + TAPS - 1].astype(np.float32)
    mic = np.concatenate((np.zeros(TAPS - 1, np.float32), heard))
    starts = np.arange(TAPS, len(mic) - FRAME, FRAME)
    left = leak_filter.residual_energy(far[:len(mic)], mic, starts, FRAME)
    before = np.array([np.mean(mic[s:s + FRAME] ** 2) for s in starts])
    assert np.all(left < before * 10 ** (-20 / 10))             # at least 20 dB of the leak is removed

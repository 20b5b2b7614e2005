"""A least-squares model of the partner's voice leaking into one headset mic.

The leak is a short causal filter: gain, delay and mild colouring, kept as a few
taps around the main delay (within ``taps`` samples). It is estimated from frames
where only the partner talks, as an echo canceller does, and used to take the
predicted leak out of a frame before its energy is judged, so that quiet own
speech under loud partner bleed is still heard.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import as_strided

FORGET_PER_S = 0.99         # older statistics fade by this factor every second
RIDGE = 1e-4                 # regularisation, relative to the mean partner power
PRE_EMPHASIS = 0.95          # whitening of the training data (see _emphasise)
SPREAD_TAPS = 4              # the filter keeps this many taps either side of its main one: delay,
                             # gain and mild colouring, without fitting the training frames' spectra


def _stretches(x: np.ndarray, length: int) -> np.ndarray:
    """Every stretch of ``length`` samples of 1-D ``x``, as a read-only view (``sliding_window_view`` without
    its checks, which cost more than the work on a block's frames)."""
    step = x.strides[0]
    return as_strided(x, (len(x) - length + 1, length), (step, step), writeable=False)


def _emphasise(x: np.ndarray) -> np.ndarray:
    """Pre-emphasis (first difference along the last axis): the same filter on both sides leaves
    the leak filter unchanged, but flattens speech's spectrum so the fit holds at all frequencies."""
    x = x.astype(np.float64)
    return x[..., 1:] - PRE_EMPHASIS * x[..., :-1]


class LeakFilter(NamedTuple):
    """A solved leak filter: tap ``delays[i]`` (samples) has weight ``weights[i]``."""

    delays: np.ndarray
    weights: np.ndarray

    def residual_energy(self, partner: np.ndarray, own: np.ndarray, starts: np.ndarray, length: int) -> np.ndarray:
        """Mean power of ``own[s:s+length] - predicted leak`` for frame starts ``s`` (only those frames).

        ``partner`` and ``own`` are aligned float32 sample arrays with at least ``delays[-1]``
        samples before the earliest start.
        """
        first, last = int(self.delays[0]), int(self.delays[-1])
        span = length + last - first          # the partner samples one frame's prediction draws on
        heard = _stretches(partner, span)[starts - last].ravel()
        # one convolution for all frames: each frame's ``length`` outputs lie within its own stretch
        predicted = _stretches(np.convolve(heard, self.weights, "valid"), length)[::span]
        residual = _stretches(own, length)[starts] - predicted
        energy = np.einsum("fl,fl->f", residual, residual) / length
        return energy.astype(np.float64)


class BleedCanceller:
    """FIR estimate of partner -> mic (tap ``d`` weighs the partner sample ``d`` samples earlier)."""

    def __init__(self, taps: int, update_every_s: float):
        """``taps`` samples of delay covered; ``update`` is called every ``update_every_s``."""
        self.taps = taps
        self._forget = FORGET_PER_S ** update_every_s
        i, j = np.arange(taps)[:, None], np.arange(taps)[None, :]
        self._lags = np.abs(i - j)                       # gram[i, j] sums partner(m - i) * partner(m - j)
        self._first = (taps - 1) - np.minimum(i, j)      # over m from this index of the later sample
        self._windows: dict[int, np.ndarray] = {}        # by stretch length: see ``learn``
        self._gram = np.zeros((taps, taps))
        self._cross = np.zeros(taps)
        self._fade = 1.0                # the fading the statistics still owe (applied when they are next used)
        self._pending = False
        self.filter: LeakFilter | None = None      # the latest solution; replaced, never changed in place

    def learn(self, partner: np.ndarray, own: np.ndarray) -> None:
        """Add single-talk stretches: ``own`` (m, n) and the partner samples ending with each (m, n + taps - 1).

        The normal equations are built exactly from running sums of lagged products
        (a few array operations for all stretches instead of a matrix product each).
        """
        partner, own = _emphasise(partner), _emphasise(own)
        m, n = own.shape
        length = partner.shape[1]
        padded = np.concatenate((np.zeros((m, self.taps - 1)), partner), axis=1)
        # [s, d]: partner d samples earlier (``sliding_window_view(padded, length, axis=1)[:, ::-1]``, without its checks)
        earlier = as_strided(padded[:, self.taps - 1:], (m, self.taps, length),
                             (padded.strides[0], -padded.strides[1], padded.strides[1]), writeable=False)
        sums = np.zeros((self.taps, length + 1))      # over all stretches: they share n, so their sums add
        np.cumsum(np.einsum("st,sdt->dt", partner, earlier), axis=1, out=sums[:, 1:])
        window = self._windows.get(length)              # flat index of each sum's first term
        if window is None:
            window = self._windows[length] = (self._lags * (length + 1) + self._first).ravel()
        self._settle_fade()
        self._gram += (sums.ravel()[window + n] - sums.ravel()[window]).reshape(self.taps, self.taps)
        self._cross += sum((np.correlate(p, o, "valid") for p, o in zip(partner, own)), np.zeros(self.taps))[::-1]
        self._pending = True

    def update(self) -> None:
        """Re-solve the filter from the statistics so far, then let them fade."""
        if self._pending:
            self._settle_fade()
            peak = int(np.argmax(np.abs(self._solve(0, self.taps))))
            lo, hi = max(0, peak - SPREAD_TAPS), min(self.taps, peak + SPREAD_TAPS + 1)
            self.filter = LeakFilter(np.arange(lo, hi), self._solve(lo, hi).astype(np.float32))
            self._pending = False
        self._fade *= self._forget

    def _settle_fade(self) -> None:
        """Apply the fading owed since the statistics were last used."""
        self._gram *= self._fade
        self._cross *= self._fade
        self._fade = 1.0

    def _solve(self, lo: int, hi: int) -> np.ndarray:
        """Ridge least squares for taps ``lo`` to ``hi`` only."""
        gram = self._gram[lo:hi, lo:hi]
        ridge = RIDGE * np.trace(gram) / (hi - lo) + 1e-9
        return np.linalg.solve(gram + ridge * np.eye(hi - lo), self._cross[lo:hi])

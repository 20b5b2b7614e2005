"""A least-squares model of the partner's voice leaking into one headset mic.

The leak is a short causal filter: gain, delay and colouring, as a few taps
around the main delay within ``taps`` samples. It is estimated from frames where only the partner talks, as an echo
canceller does, and used to take the predicted leak out of a frame before its
energy is judged, so that quiet own speech under loud partner bleed is heard.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

FORGET_PER_UPDATE = 0.995    # older statistics fade by this factor at every update (hop)
RIDGE = 1e-4                 # regularisation, relative to the mean partner power
PRE_EMPHASIS = 0.95          # whitening of the training data (see _emphasise)
SPREAD_TAPS = 4              # the filter keeps this many taps either side of its main one: delay,
                             # gain and mild colouring, without fitting the training frames' spectra


def _emphasise(x: np.ndarray) -> np.ndarray:
    """Pre-emphasis (first difference): the same filter on both sides leaves the leak filter
    unchanged, but flattens speech's spectrum so the fit holds at all frequencies."""
    x = x.astype(np.float64)
    return x[1:] - PRE_EMPHASIS * x[:-1]


class BleedCanceller:
    """FIR estimate ``h`` of partner -> mic, from accumulated normal equations."""

    def __init__(self, taps: int):
        self.taps = taps
        self._gram = np.zeros((taps, taps))
        self._cross = np.zeros(taps)
        self._pending = False
        self.filter: np.ndarray | None = None     # reversed taps, ready for window @ filter

    def learn(self, partner: np.ndarray, own: np.ndarray) -> None:
        """Add one single-talk stretch: ``own`` (n,) and the partner samples ending with it (n + taps - 1,)."""
        partner, own = _emphasise(partner), _emphasise(own)
        windows = sliding_window_view(partner, self.taps)      # (n - 1, taps), oldest first
        self._gram += windows.T @ windows
        self._cross += windows.T @ own
        self._pending = True

    def update(self) -> None:
        """Re-solve the filter from the statistics so far, then let them fade."""
        if self._pending:
            full = self._solve(np.arange(self.taps))
            peak = int(np.argmax(np.abs(full)))
            near = np.arange(max(0, peak - SPREAD_TAPS), min(self.taps, peak + SPREAD_TAPS + 1))
            self.filter = np.zeros(self.taps)
            self.filter[near] = self._solve(near)
            self._pending = False
        self._gram *= FORGET_PER_UPDATE
        self._cross *= FORGET_PER_UPDATE

    def _solve(self, taps: np.ndarray) -> np.ndarray:
        """Ridge least squares for the given taps only."""
        gram = self._gram[np.ix_(taps, taps)]
        ridge = RIDGE * np.trace(gram) / len(taps) + 1e-9
        return np.linalg.solve(gram + ridge * np.eye(len(taps)), self._cross[taps])

    def residual_energy(self, partner: np.ndarray, own: np.ndarray, starts: np.ndarray, length: int) -> np.ndarray:
        """Mean power of ``own[s:s+length] - predicted leak`` for each frame start ``s``.

        ``partner`` and ``own`` are aligned sample arrays with at least ``taps - 1``
        samples before the earliest start.
        """
        windows = sliding_window_view(partner, self.taps)
        rows = (starts - self.taps + 1)[:, None] + np.arange(length)[None, :]
        predicted = np.einsum("fld,d->fl", windows[rows], self.filter.astype(np.float32))
        residual = own[starts[:, None] + np.arange(length)[None, :]] - predicted
        return (residual.astype(np.float64) ** 2).mean(axis=1)

"""Audio lost before it reached us, found by comparing the samples received with the clock.

Some audio paths (PulseAudio through ALSA, for one) drop input silently when
the reader stalls, without PortAudio's overflow flag. The received sample
count then falls behind the wall clock for good. Delivery jitter and buffered
bursts only move it briefly, and clock drift only slowly, so a loss is the
lowest recent lag rising above the lowest lag before it by more than
``tolerance_s``.
"""
from __future__ import annotations

from collections import deque

SETTLE_S = 1.0            # a lag must persist this long (buffered bursts drain faster)
BASELINE_S = 10.0         # the lag before a loss is the lowest over this long


class DropoutDetector:
    """Feed (samples received, arrival time) per block; learn when audio was lost, and how much."""

    def __init__(self, rate_hz: int, tolerance_s: float = 0.25):
        self.rate_hz = rate_hz
        self.tolerance_s = tolerance_s
        self._start_s: float | None = None
        self._received = 0
        self._lags: deque[tuple[float, float]] = deque()     # (arrival_s, lag_s), lags increasing (sliding minimum)
        self._suspect: tuple[float, int, float, float] | None = None  # (since_s, position, baseline_s, lowest lag)

    def push(self, n_samples: int, arrival_s: float) -> tuple[float, int] | None:
        """Account for a block that arrived at ``arrival_s``.

        Returns (seconds lost, sample position of the loss) once a loss has
        persisted for ``SETTLE_S``, else None.
        """
        if self._start_s is None:
            self._start_s = arrival_s - n_samples / self.rate_hz
        position = self._received
        self._received += n_samples
        lag = arrival_s - self._start_s - self._received / self.rate_hz
        if self._suspect is None:
            while self._lags and self._lags[0][0] < arrival_s - BASELINE_S:
                self._lags.popleft()
            baseline = self._lags[0][1] if self._lags else lag
            if lag - baseline > self.tolerance_s:
                self._suspect = (arrival_s, position, baseline, lag)
            else:
                while self._lags and self._lags[-1][1] >= lag:     # keep lags increasing: the first is the lowest
                    self._lags.pop()
                self._lags.append((arrival_s, lag))
            return None
        since, at, baseline, lowest = self._suspect
        lowest = min(lowest, lag)
        self._suspect = (since, at, baseline, lowest)
        if arrival_s - since < SETTLE_S:
            return None
        self._suspect = None
        self._lags.clear()
        self._lags.append((arrival_s, lag))
        return (lowest - baseline, at) if lowest - baseline > self.tolerance_s else None

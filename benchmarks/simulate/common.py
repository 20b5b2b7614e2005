"""Shared small helpers of the simulator: the 10 ms frame grid at 16 kHz (``RATE``, ``FRAME``,
``FRAME_S``, ``_frames``), frame power and levels (``_frame_power``, ``_db``), the METRICS 1.4
smoothing lengths that the bank's audible segments, the script and the reference all use
(``MIN_PAUSE_FRAMES``, ``MIN_SPURT_FRAMES``), and the seed's independent random streams (``_streams``).
"""
from __future__ import annotations

import numpy as np

RATE = 16000                 # internal rate of the bank and the mix
FRAME = 160                  # 10 ms at 16 kHz
FRAME_S = 0.01

# METRICS 1.4 smoothing (10 ms frames): gaps < 0.2 s are bridged and runs < 0.1 s dropped
MIN_PAUSE_FRAMES = 20
MIN_SPURT_FRAMES = 10


def _frames(seconds: float) -> int:
    return int(round(seconds / FRAME_S))


def _frame_power(x: np.ndarray) -> np.ndarray:
    """Mean power of each whole 10 ms frame (float64)."""
    n = len(x) // FRAME
    f = np.asarray(x[:n * FRAME], dtype=np.float64).reshape(n, FRAME)
    return np.einsum("ij,ij->i", f, f) / FRAME


def _db(p) -> np.ndarray:
    return 10.0 * np.log10(np.maximum(p, 1e-20))


def _streams(seed: int) -> list[np.random.Generator]:
    """Independent streams of the seed: script (speakers, turn-taking), channel draws, noise."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(3)]

"""Streaming resampling to the analysis rate that gives the same output for any block sizes."""
from __future__ import annotations

import numpy as np
import soxr


class StreamResampler:
    """soxr resampler fed in fixed-size chunks, so results never depend on how input was split.

    ``push`` accepts (n, channels) float32 blocks of any size; ``flush`` returns the tail.
    """

    def __init__(self, rate_in_hz: int, rate_out_hz: int, channels: int):
        self._stream = soxr.ResampleStream(rate_in_hz, rate_out_hz, channels, dtype="float32", quality="HQ")
        self._chunk = max(rate_in_hz // 20, 1)       # 50 ms of input per soxr call
        self._pending = np.zeros((0, channels), dtype=np.float32)

    def push(self, block: np.ndarray) -> np.ndarray:
        data = np.concatenate((self._pending, block.astype(np.float32, copy=False)))
        usable = len(data) - len(data) % self._chunk
        self._pending = data[usable:]
        if not usable:
            return np.zeros((0, data.shape[1]), dtype=np.float32)
        return np.concatenate([self._stream.resample_chunk(data[i:i + self._chunk])
                               for i in range(0, usable, self._chunk)])

    def flush(self) -> np.ndarray:
        return self._stream.resample_chunk(self._pending, last=True)

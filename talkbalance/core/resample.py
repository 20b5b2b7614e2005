"""Streaming soxr (HQ) resampling: to the analysis rate, and of input files to a common rate."""
from __future__ import annotations

import numpy as np
import soxr


class StreamResampler:
    """soxr resampler of a block stream, in ``dtype`` (float32 or int16).

    With ``fixed_chunks`` (the default) soxr is fed 50 ms chunks of input, so results never
    depend on how the input was split; without, each block is fed as it comes.
    ``push`` accepts (n, channels) blocks of any size; ``flush`` returns the tail.
    """

    def __init__(self, rate_in_hz: int, rate_out_hz: int, channels: int, dtype: np.dtype | type = np.float32,
                 fixed_chunks: bool = True):
        self._dtype = np.dtype(dtype)
        self._stream = soxr.ResampleStream(rate_in_hz, rate_out_hz, channels, dtype=self._dtype.name, quality="HQ")
        self._chunk = max(rate_in_hz // 20, 1) if fixed_chunks else None    # 50 ms of input per soxr call
        self._pending = np.zeros((0, channels), dtype=self._dtype)

    def push(self, block: np.ndarray) -> np.ndarray:
        block = block.astype(self._dtype, copy=False)
        if self._chunk is None:
            return self._stream.resample_chunk(block)
        data = np.concatenate((self._pending, block))
        usable = len(data) - len(data) % self._chunk
        self._pending = data[usable:]
        if not usable:
            return np.zeros((0, data.shape[1]), dtype=self._dtype)
        return np.concatenate([self._stream.resample_chunk(data[i:i + self._chunk])
                               for i in range(0, usable, self._chunk)])

    def flush(self) -> np.ndarray:
        return self._stream.resample_chunk(self._pending, last=True)

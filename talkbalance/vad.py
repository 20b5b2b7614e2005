"""Per-channel voice activity with webrtcvad, one decision per frame."""
from __future__ import annotations

import numpy as np
import webrtcvad


class FrameVad:
    """webrtcvad for one channel (stateful: feed frames in order)."""

    def __init__(self, aggressiveness: int, rate_hz: int, frame_samples: int):
        self._vad = webrtcvad.Vad(aggressiveness)
        self.rate_hz = rate_hz
        self.frame_bytes = 2 * frame_samples

    def decide(self, samples: np.ndarray) -> np.ndarray:
        """Speech flags for consecutive whole frames of 16-bit ``samples`` (1-D int16)."""
        buf = memoryview(np.ascontiguousarray(samples, dtype=np.int16).tobytes())
        step, rate, is_speech = self.frame_bytes, self.rate_hz, self._vad.is_speech
        return np.fromiter((is_speech(buf[i:i + step], rate) for i in range(0, len(buf), step)),
                           dtype=bool, count=len(buf) // step)

"""The fast webrtcvad path gives exactly webrtcvad's own decisions."""
import numpy as np
import soundfile as sf
import webrtcvad
from conftest import DEMO

from talkbalance.core.vad import FrameVad


def test_fast_path_matches_is_speech():
    audio, sr = sf.read(DEMO / "practice_session.flac", dtype="int16", frames=16000 * 20)
    for frame_ms in (10, 20, 30):
        n = sr * frame_ms // 1000
        mono = audio[:, 1]
        reference = webrtcvad.Vad(3)
        expected = [reference.is_speech(mono[i:i + n].tobytes(), sr) for i in range(0, len(mono) - n + 1, n)]
        fast = FrameVad(3, sr, n)
        got = np.concatenate([fast.decide(mono[i:i + 7 * n]) for i in range(0, len(mono), 7 * n)])
        assert got.tolist() == expected
        assert 0.2 < np.mean(expected) < 0.95

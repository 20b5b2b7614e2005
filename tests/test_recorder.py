"""audio.wav as it is written (readable at every moment), its repair, and lost-input detection."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from talkbalance.io.wav import WavRecorder, repair_wav
from talkbalance.live.dropouts import DropoutDetector


def _blocks(n_blocks: int, size: int = 320, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(-20000, 20000, size=(size, 2), dtype=np.int16) for _ in range(n_blocks)]


def test_file_is_complete_and_readable_after_every_block(tmp_path):
    path = tmp_path / "audio.wav"
    rec = WavRecorder(path, 16000, 2)
    blocks = _blocks(5)
    for k, block in enumerate(blocks, start=1):
        rec.write(block)
        # read by another reader while the writer is still open, as after a crash
        data, rate = sf.read(path, dtype="int16")
        assert rate == 16000 and np.array_equal(data, np.concatenate(blocks[:k]))
    rec.close()
    assert np.array_equal(sf.read(path, dtype="int16")[0], np.concatenate(blocks))


def test_repair_fixes_a_header_left_behind_the_data(tmp_path):
    path = tmp_path / "audio.wav"
    rec = WavRecorder(path, 16000, 2)
    blocks = _blocks(4)
    for block in blocks[:3]:
        rec.write(block)
    rec.close()
    # the writer died after writing a block (and half a frame) but before patching the header
    with open(path, "ab") as f:
        f.write(blocks[3].tobytes() + b"\x01\x02")
    assert len(sf.read(path, dtype="int16")[0]) == 3 * 320        # the header hides the last block
    before, after = repair_wav(path)
    assert (before, after) == (3 * 320, 4 * 320)
    assert np.array_equal(sf.read(path, dtype="int16")[0], np.concatenate(blocks))


def test_repair_of_a_consistent_file_changes_nothing(tmp_path):
    path = tmp_path / "audio.wav"
    rec = WavRecorder(path, 8000, 2)
    rec.write(_blocks(1)[0])
    rec.close()
    content = path.read_bytes()
    assert repair_wav(path) == (320, 320)
    assert path.read_bytes() == content


def test_repair_rejects_a_non_wav_file(tmp_path):
    path = tmp_path / "audio.wav"
    path.write_bytes(b"not a wav file at all")
    with pytest.raises(ValueError):
        repair_wav(path)


# -- lost input ------------------------------------------------------------------------------

def _arrivals(n_blocks, block_s=0.02, jitter_s=0.01, drift=50e-6, seed=0):
    rng = np.random.default_rng(seed)
    return 100.0 + np.arange(1, n_blocks + 1) * block_s * (1 + drift) + rng.uniform(0, jitter_s, n_blocks)


def _run(arrivals, size=320):
    d = DropoutDetector(16000)
    return [(i, found) for i, t in enumerate(arrivals) if (found := d.push(size, float(t))) is not None]


def test_steady_stream_with_jitter_and_clock_drift_loses_nothing():
    assert _run(_arrivals(3000 * 6)) == []          # 6 minutes, 50 ppm drift


def test_a_stall_whose_audio_arrives_later_in_a_burst_is_not_a_loss():
    t = _arrivals(3000)
    t[1000:1600] = np.maximum(t[1000:1600], t[1000] + 10.0)      # 10 s stall, then the buffer drains at once
    assert _run(t) == []


def test_lost_audio_is_found_with_its_length_and_position():
    t = _arrivals(3000)
    t[2000:] += 0.8                                  # 0.8 s of audio never arrived before block 2000
    found = _run(t)
    assert len(found) == 1
    block, (lost_s, at) = found[0]
    assert lost_s == pytest.approx(0.8, abs=0.02)
    assert at == 2000 * 320
    assert 2000 < block <= 2000 + 60                 # reported within about SETTLE_S

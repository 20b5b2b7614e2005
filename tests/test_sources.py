"""Tests for talkbalance.io.inputs: real files written with soundfile into tmp_path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from talkbalance.errors import InputError
from talkbalance.io.inputs import SessionSource, SourceInfo, open_session

RATE_HZ = 16000


def _sine(freq_hz: float, n_frames: int, rate_hz: int = RATE_HZ, amplitude: float = 0.5) -> np.ndarray:
    t_s = np.arange(n_frames) / rate_hz
    return (amplitude * np.sin(2 * np.pi * freq_hz * t_s)).astype(np.float32)


def _noise_int16(n_frames: int, n_channels: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n_frames, n_channels)) * 3000).astype(np.int16)


def _write(path: Path, data: np.ndarray, rate_hz: int = RATE_HZ, **kwargs) -> str:
    sf.write(str(path), data, rate_hz, **kwargs)
    return str(path)


def _read_all(paths: list[str], block_frames: int = 16000, **kwargs) -> tuple[SourceInfo, list[np.ndarray]]:
    with open_session(paths, **kwargs) as source:
        return source.info, list(source.blocks(block_frames))


def _peak_freq_hz(signal: np.ndarray, rate_hz: int) -> float:
    spectrum = np.abs(np.fft.rfft(signal * np.hanning(len(signal))))
    return float(np.fft.rfftfreq(len(signal), 1 / rate_hz)[np.argmax(spectrum)])


# ---------------------------------------------------------------- good inputs


def test_stereo_int16_wav_blocks_are_exact_int16(tmp_path):
    written = _noise_int16(40000, 2)
    path = _write(tmp_path / "session.wav", written, subtype="PCM_16")

    info, blocks = _read_all([path], block_frames=16000)

    assert info == SourceInfo(
        inputs=[path], sample_rate_hz=RATE_HZ, channels=2, frames=40000,
        duration_s=2.5, float_input=False, warnings=[], readers=["soundfile"],
    )
    assert [b.shape for b in blocks] == [(16000, 2), (16000, 2), (8000, 2)]
    assert all(b.dtype == np.int16 for b in blocks)
    np.testing.assert_array_equal(np.concatenate(blocks), written)


def test_blocks_can_be_iterated_twice(tmp_path):
    written = _noise_int16(5000, 2)
    path = _write(tmp_path / "session.wav", written, subtype="PCM_16")
    with open_session([path]) as source:
        first = np.concatenate(list(source.blocks(1000)))
        second = np.concatenate(list(source.blocks(3000)))
    np.testing.assert_array_equal(first, written)
    np.testing.assert_array_equal(second, written)


def test_24bit_flac_reads_as_int16(tmp_path):
    written = _noise_int16(20000, 2)
    path = _write(tmp_path / "session.flac", written, subtype="PCM_24")
    info, blocks = _read_all([path])
    data = np.concatenate(blocks)
    assert data.dtype == np.int16 and data.shape == (20000, 2)
    assert not info.float_input
    np.testing.assert_array_equal(data, written)


def test_float32_wav_gives_float32(tmp_path):
    written = np.stack([_sine(300, 16000), _sine(700, 16000, amplitude=0.25)], axis=1)
    path = _write(tmp_path / "session.wav", written, subtype="FLOAT")
    info, blocks = _read_all([path], block_frames=5000)
    data = np.concatenate(blocks)
    assert info.float_input
    assert data.dtype == np.float32 and data.shape == (16000, 2)
    np.testing.assert_array_equal(data, written)


def test_float_wav_over_full_scale_is_clipped(tmp_path):
    written = np.full((100, 2), 1.5, dtype=np.float32)
    path = _write(tmp_path / "hot.wav", written, subtype="FLOAT")
    _, blocks = _read_all([path])
    assert np.concatenate(blocks).max() == 1.0


def test_ogg_vorbis_reads_as_float32(tmp_path):
    written = np.stack([_sine(440, 32000), _sine(880, 32000)], axis=1)
    path = _write(tmp_path / "session.ogg", written, format="OGG", subtype="VORBIS")
    info, blocks = _read_all([path])
    data = np.concatenate(blocks)
    assert info.float_input and info.frames == 32000
    assert data.dtype == np.float32 and data.shape == (32000, 2)
    assert _peak_freq_hz(data[:, 0], RATE_HZ) == pytest.approx(440, abs=2)
    assert _peak_freq_hz(data[:, 1], RATE_HZ) == pytest.approx(880, abs=2)


def test_two_mono_files_become_columns_in_order(tmp_path):
    first, second = _noise_int16(30000, 1, seed=1), _noise_int16(30000, 1, seed=2)
    path_a = _write(tmp_path / "trainee.wav", first, subtype="PCM_16")
    path_b = _write(tmp_path / "client.wav", second, subtype="PCM_16")

    info, blocks = _read_all([path_a, path_b], block_frames=7000)

    assert info.inputs == [path_a, path_b] and info.frames == 30000 and info.warnings == []
    assert [len(b) for b in blocks] == [7000, 7000, 7000, 7000, 2000]
    data = np.concatenate(blocks)
    assert data.dtype == np.int16
    np.testing.assert_array_equal(data[:, 0], first[:, 0])
    np.testing.assert_array_equal(data[:, 1], second[:, 0])


def test_mixed_int_and_float_files_give_float32(tmp_path):
    ints = _noise_int16(1000, 1)
    floats = _sine(500, 1000)[:, None]
    path_a = _write(tmp_path / "trainee.wav", ints, subtype="PCM_16")
    path_b = _write(tmp_path / "client.wav", floats, subtype="FLOAT")
    info, blocks = _read_all([path_a, path_b])
    data = np.concatenate(blocks)
    assert info.float_input and data.dtype == np.float32
    np.testing.assert_allclose(data[:, 0], ints[:, 0] / 32768.0)
    np.testing.assert_array_equal(data[:, 1], floats[:, 0])


def test_channels_pick_from_multichannel_file_in_order(tmp_path):
    written = _noise_int16(5000, 4)
    path = _write(tmp_path / "desk.wav", written, subtype="PCM_16")
    info, blocks = _read_all([path], channels=(3, 1))
    data = np.concatenate(blocks)
    assert info.channels == 2 and data.shape == (5000, 2)
    np.testing.assert_array_equal(data[:, 0], written[:, 2])
    np.testing.assert_array_equal(data[:, 1], written[:, 0])


def test_multichannel_default_uses_first_two_with_warning(tmp_path):
    written = _noise_int16(1000, 4)
    path = _write(tmp_path / "desk.wav", written, subtype="PCM_16")
    info, blocks = _read_all([path])
    np.testing.assert_array_equal(np.concatenate(blocks), written[:, :2])
    assert any("4 channels" in w for w in info.warnings)


@pytest.mark.parametrize("dtype_subtype", ["PCM_16", "FLOAT"])
def test_different_rates_resample_second_file_to_first_rate(tmp_path, dtype_subtype):
    n_a, n_b = 8000 * 3, 16000 * 3  # 3 s each
    path_a = _write(tmp_path / "trainee.wav", _sine(1000, n_a, 8000)[:, None], 8000, subtype=dtype_subtype)
    path_b = _write(tmp_path / "client.wav", _sine(1000, n_b, 16000)[:, None], 16000, subtype=dtype_subtype)

    info, blocks = _read_all([path_a, path_b], block_frames=4000)

    assert info.sample_rate_hz == 8000
    assert info.frames == round(n_b * 8000 / 16000) == n_a
    assert info.duration_s == pytest.approx(3.0)
    assert [len(b) for b in blocks] == [4000] * 6
    assert any("client.wav was at 16000 Hz, resampled to 8000 Hz to match" in w for w in info.warnings)
    data = np.concatenate(blocks).astype(np.float64)
    assert _peak_freq_hz(data[:, 1], 8000) == pytest.approx(1000, abs=1)
    # Steady-state resampled sine keeps its amplitude and stays in phase with the original.
    middle = slice(1000, -1000)
    np.testing.assert_allclose(data[middle, 1], data[middle, 0], atol=0.02 * np.abs(data[:, 0]).max())


def test_upsampling_odd_length_gives_expected_length(tmp_path):
    n_a, n_b = 30001, 12345
    path_a = _write(tmp_path / "trainee.wav", _noise_int16(n_a, 1), 16000, subtype="PCM_16")
    path_b = _write(tmp_path / "client.flac", _noise_int16(n_b, 1), 8000, subtype="PCM_16")
    info, blocks = _read_all([path_a, path_b], block_frames=1000)
    expected = min(n_a, round(n_b * 16000 / 8000))
    assert info.frames == expected
    assert sum(len(b) for b in blocks) == expected
    assert all(len(b) == 1000 for b in blocks[:-1])


def test_different_lengths_use_common_part_with_warning(tmp_path):
    first, second = _noise_int16(48000, 1, seed=1), _noise_int16(32000, 1, seed=2)
    path_a = _write(tmp_path / "trainee.wav", first, subtype="PCM_16")
    path_b = _write(tmp_path / "client.wav", second, subtype="PCM_16")

    info, blocks = _read_all([path_a, path_b], block_frames=10000)

    assert info.frames == 32000 and info.duration_s == pytest.approx(2.0)
    assert [len(b) for b in blocks] == [10000, 10000, 10000, 2000]
    (warning,) = info.warnings
    assert "3.00 s" in warning and "2.00 s" in warning and "common" in warning
    data = np.concatenate(blocks)
    np.testing.assert_array_equal(data[:, 0], first[:32000, 0])
    np.testing.assert_array_equal(data[:, 1], second[:, 0])


def test_truncated_wav_reads_available_part_with_warning(tmp_path):
    """Chosen behaviour: a WAV cut short is analysed as far as it goes, with a warning."""
    written = _noise_int16(32000, 2)
    path = _write(tmp_path / "cut.wav", written, subtype="PCM_16")
    raw = Path(path).read_bytes()
    Path(path).write_bytes(raw[: len(raw) // 2])

    info, blocks = _read_all([path])

    data = np.concatenate(blocks)
    assert 15000 < info.frames < 16100 and len(data) == info.frames
    np.testing.assert_array_equal(data, written[: info.frames])
    (warning,) = info.warnings
    assert "cut.wav" in warning and "truncated" in warning and "2.00 s" in warning


# ---------------------------------------------------------------- bad inputs


def _expect_user_error(paths, phrase: str, name: str, **kwargs) -> str:
    """Open (and fully read) the session; assert a InputError naming `name` and containing `phrase`."""
    with pytest.raises(InputError) as caught:
        with open_session(paths, **kwargs) as source:
            for _ in source.blocks():
                pass
    message = str(caught.value)
    assert name in message, message
    assert phrase in message, message
    return message


def test_missing_file(tmp_path):
    _expect_user_error([str(tmp_path / "nowhere.wav")], "file not found", "nowhere.wav")


def test_text_file_renamed_wav(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("these are my session notes, not audio\n" * 20)
    _expect_user_error([str(path)], "not a readable audio file", "notes.wav")


def test_zero_byte_file(tmp_path):
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    _expect_user_error([str(path)], "empty (0 bytes)", "empty.wav")


def test_header_only_wav(tmp_path):
    path = tmp_path / "header.wav"
    _write(path, _noise_int16(16000, 2), subtype="PCM_16")
    path.write_bytes(path.read_bytes()[:44])
    _expect_user_error([str(path)], "no audio samples", "header.wav")


def test_truncated_flac_fails_mid_read(tmp_path):
    path = tmp_path / "cut.flac"
    _write(path, _noise_int16(64000, 2), subtype="PCM_24")
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    _expect_user_error([str(path)], "appears truncated or corrupt", "cut.flac")


def test_mono_file_alone(tmp_path):
    path = _write(tmp_path / "solo.wav", _noise_int16(1000, 1), subtype="PCM_16")
    message = _expect_user_error([path], "two people are expected", "solo.wav")
    assert "trainee.wav and client.wav" in message and "`channels`" in message


def test_stereo_file_in_a_pair(tmp_path):
    path_a = _write(tmp_path / "trainee.wav", _noise_int16(1000, 1), subtype="PCM_16")
    path_b = _write(tmp_path / "both.wav", _noise_int16(1000, 2), subtype="PCM_16")
    message = _expect_user_error([path_a, path_b], "has 2 channels", "both.wav")
    assert "mono" in message and "`channels`" in message


def test_channels_with_two_files(tmp_path):
    path_a = _write(tmp_path / "trainee.wav", _noise_int16(1000, 1), subtype="PCM_16")
    path_b = _write(tmp_path / "client.wav", _noise_int16(1000, 1), subtype="PCM_16")
    _expect_user_error([path_a, path_b], "`channels`", "client.wav", channels=(1, 2))


def test_nan_in_float_wav_names_time(tmp_path):
    data = _sine(200, 48000)[:, None].repeat(2, axis=1)
    data[24000, 1] = np.nan  # 1.5 s at 16 kHz, inside the second 16000-frame block
    path = _write(tmp_path / "damaged.wav", data, subtype="FLOAT")
    message = _expect_user_error([path], "1.50 s", "damaged.wav")
    assert "NaN" in message and "re-export" in message


def test_inf_in_second_mono_file(tmp_path):
    good = _sine(200, 8000)[:, None]
    bad = good.copy()
    bad[4000, 0] = np.inf
    path_a = _write(tmp_path / "trainee.wav", good, subtype="FLOAT")
    path_b = _write(tmp_path / "client.wav", bad, subtype="FLOAT")
    _expect_user_error([path_a, path_b], "0.25 s", "client.wav")


@pytest.mark.parametrize("rate_hz", [4000, 192000])
def test_unsupported_sample_rate(tmp_path, rate_hz):
    path = _write(tmp_path / "odd_rate.wav", _noise_int16(1000, 2), rate_hz, subtype="PCM_16")
    _expect_user_error([path], f"{rate_hz} Hz", "odd_rate.wav")


@pytest.mark.parametrize("channels", [(1, 5), (0, 2)])
def test_channels_out_of_range(tmp_path, channels):
    path = _write(tmp_path / "desk.wav", _noise_int16(1000, 4), subtype="PCM_16")
    message = _expect_user_error([path], "out of range", "desk.wav", channels=channels)
    assert "has 4 channels" in message


def test_same_channel_twice(tmp_path):
    path = _write(tmp_path / "desk.wav", _noise_int16(1000, 4), subtype="PCM_16")
    _expect_user_error([path], "twice", "desk.wav", channels=(2, 2))


def test_wrong_number_of_paths(tmp_path):
    paths = [str(tmp_path / f"p{i}.wav") for i in range(3)]
    with pytest.raises(InputError, match="3 paths.*exactly 2 people"):
        open_session(paths)


def test_close_is_idempotent_and_context_closes(tmp_path):
    path = _write(tmp_path / "session.wav", _noise_int16(100, 2), subtype="PCM_16")
    source = open_session([path])
    assert isinstance(source, SessionSource)
    source.close()
    source.close()

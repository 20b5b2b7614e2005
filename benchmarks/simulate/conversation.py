"""The top level: ``simulate`` makes one two-headset conversation (``SimConversation``) from a seed and
the phrase bank: it plans the script, places the clean voices, passes them through the two headset
channels, adds the noise at the output rate and derives the exact reference.

The mix is made at 16 kHz (the bank's rate; the mic model and its bleed path are in ``acoustics``).
``s`` is one common headroom factor (``SimConversation.speech_scale_db``, 0 dB unless the louder
mic's true peak would exceed 0.88, which leaves room for resampling overshoot). The noise is
generated at 16 kHz too, resampled with the speech (soxr HQ) to ``rate_hz`` and scaled there so that
its RMS at the output is exactly ``noise_dbfs``; at 22.05-48 kHz everything is therefore
band-limited to 8 kHz. Levels are RMS dBFS, 20 log10(rms) with full scale 1.0.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import soxr

from benchmarks.simulate.acoustics import Channel, _draw_channels, bleed_paths, pink_noise, true_peak
from benchmarks.simulate.bank import PhraseBank
from benchmarks.simulate.common import FRAME_S, RATE, _streams
from benchmarks.simulate.reference import reference_spurts
from benchmarks.simulate.script import TurnTaking, _plan, placed_voices
from talkbalance.config import Config
from talkbalance.core.events import FrameRules, derive
from talkbalance.core.types import Conversation, Spurt

PEAK_TARGET = 0.88           # true peak of the 16 kHz speech (before noise) above which both mics are scaled down


@dataclass
class SimConversation:
    """One simulated session. ``script`` rows (times in seconds, ``speaker`` / ``other`` = channel index):

    - ``phrase``: a placed piece; ``role`` turn / backchannel / attempt (unsuccessful interruption) /
      interrupter / yielder; ``start_s`` / ``end_s`` its audible span, ``segments`` its audible runs,
      ``item_start_s`` / ``item_end_s`` the placed audio, ``cut_s`` where it was cut (or None), ``source``;
    - ``backchannel``, ``interruption`` (with ``outcome``), ``simultaneous_start`` (``speaker`` = the
      later starter, as talkbalance counts it, and ``yielder``): the deliberate events;
    - ``transition``: each floor transfer with its ``type`` and scripted ``fto_s``.
    """

    audio: np.ndarray                 # (n, 2) float32 at rate_hz; column 0 = speaker A's mic, 1 = B's
    rate_hz: int
    reference: list[list[Spurt]]      # per channel, 10 ms frames, smoothed per METRICS 1.4
    reference_conversation: Conversation
    speakers: tuple[str, str]         # bank speaker ids of A and B
    channels: tuple[Channel, Channel]
    seed: int
    script: list[dict]                # placements and deliberate events, seconds, speaker = channel index
    speech_scale_db: float = 0.0      # common headroom gain applied to both mics' speech (<= 0)
    clean: np.ndarray | None = None   # (n16, 2) float32: the placed clean voices at 16 kHz, before gains

    @property
    def duration_s(self) -> float:
        return len(self.audio) / self.rate_hz


def simulate(bank: PhraseBank, seed: int, duration_s: float = 180.0, bleed_db: float = -18.0,
             noise_dbfs: float = -60.0, rate_hz: int = 16000, channels: tuple[Channel, Channel] | None = None,
             turn_taking: TurnTaking = TurnTaking()) -> SimConversation:
    """One simulated two-headset conversation; deterministic for (bank, seed, arguments).

    When ``channels`` is None, per-channel delay (0.3-3 ms), colour (2500-5000 Hz) and gain (uniform
    in [-7, +7] dB) are drawn from the seed and both channels get ``bleed_db`` and ``noise_dbfs``;
    when given, ``bleed_db`` and ``noise_dbfs`` are not used. The speakers, the script, the channel
    draws and the noise come from separate streams of the seed, so the same seed gives the same
    conversation at any channel setting and rate.
    """
    speakers, script = _plan(bank, seed, duration_s, turn_taking)
    _, rng_channels, rng_noise = _streams(seed)
    if channels is None:
        channels = _draw_channels(rng_channels, bleed_db, noise_dbfs)
    n16 = int(round(duration_s * RATE))

    own = placed_voices(script, n16)
    gains = np.array([10 ** (ch.gain_db / 20) for ch in channels])
    bleed = bleed_paths(own, channels)
    speech = gains[:, None] * (own + np.array([10 ** (ch.bleed_db / 20) for ch in channels])[:, None] * bleed)
    peak = true_peak(speech)
    scale = min(1.0, PEAK_TARGET / peak) if peak > 0 else 1.0
    speech *= scale
    noise = np.stack([pink_noise(rng_noise, n16) for _ in channels])
    n_out = int(round(duration_s * rate_hz))
    both = np.concatenate((speech, noise)).T.astype(np.float32)
    if rate_hz != RATE:
        both = soxr.resample(both, RATE, rate_hz, quality="HQ")
    both = both[:n_out] if len(both) >= n_out else np.pad(both, ((0, n_out - len(both)), (0, 0)))
    audio = both[:, :2]
    for k, ch in enumerate(channels):
        col = both[:, 2 + k]
        rms = math.sqrt(float(np.sum(col * col, dtype=np.float64)) / max(n_out, 1))
        audio[:, k] += col * np.float32(10 ** (ch.noise_dbfs / 20) / max(rms, 1e-30))
    out_peak = float(np.abs(audio).max())
    if out_peak > 0.99:
        warnings.warn(f"simulated audio peaks at {out_peak:.3f}; clipped to 0.99 (noise_dbfs too high?)", stacklevel=2)
        np.clip(audio, -0.99, 0.99, out=audio)

    reference = reference_spurts(own, gains * scale, channels)
    conversation = derive(reference, FrameRules.from_config(Config(), FRAME_S))
    return SimConversation(audio=np.ascontiguousarray(audio), rate_hz=rate_hz,
                           reference=reference, reference_conversation=conversation, speakers=speakers,
                           channels=tuple(channels), seed=int(seed), script=script.records(),
                           speech_scale_db=round(20 * math.log10(scale), 3),
                           clean=np.ascontiguousarray(own.T, dtype=np.float32))

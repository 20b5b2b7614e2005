"""The headset acoustics: what each person's headset mic adds to the placed voices. ``Channel`` is one
mic (bleed level, delay, colour, gain, noise); ``bleed_filter`` / ``bleed_paths`` make the partner's
delayed, coloured voice; ``pink_noise`` is the mic's own noise; ``true_peak`` the inter-sample peak
that sets the common headroom; ``_draw_channels`` draws the two channels from the seed.

Each person's headset mic hears their own voice plus the partner's, delayed (0.3-3 ms), slightly
low-passed and ``bleed_db`` lower, times the mic gain, plus the mic's own pinkish noise (``s`` is the
common headroom factor, see ``conversation``):

    mic_k = s * gain_k * (own_k + 10^(bleed_db/20) * lowpass_k(delay_k(other_k))) + noise_k

The bleed path is one FIR at 16 kHz (the bank's rate): exact fractional delay and first-order
colouring, faded out between 6.5 and 8 kHz; about -75 dB from the ideal response.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.signal

from benchmarks.simulate.common import FRAME, RATE


@dataclass(frozen=True)
class Channel:
    """One headset mic: ``gain * (own + 10^(bleed_db/20) * lowpass(delay(partner))) + noise``."""

    bleed_db: float = -18.0      # partner's voice in this mic relative to the partner's own mic signal (dB)
    delay_ms: float = 1.0        # bleed path delay, 0.3-3 ms (fractional, exact)
    colour_hz: float = 3500.0    # first-order low-pass cutoff of the bleed path
    gain_db: float = 0.0         # mic gain (the two mics differ by up to ~15 dB)
    noise_dbfs: float = -60.0    # this mic's own (pinkish) noise, RMS dBFS at the output


_PINK_B = np.array([0.049922035, -0.095993537, 0.050612699, -0.004408786])
_PINK_A = np.array([1.0, -2.494956002, 2.017265875, -0.522189400])


def pink_noise(rng: np.random.Generator, n: int) -> np.ndarray:
    """Pinkish noise (-3 dB/octave IIR over most of the band), float32, roughly unit RMS."""
    warm = 4096
    white = rng.standard_normal(n + warm, dtype=np.float32)
    return scipy.signal.lfilter(_PINK_B, _PINK_A, white)[warm:] * np.float32(4.0)


def band_edge(f: np.ndarray) -> np.ndarray:
    """1 below 6.5 kHz, raised-cosine to 0 at 8 kHz."""
    return np.where(f <= 6500, 1.0, 0.5 + 0.5 * np.cos(np.pi * np.clip((f - 6500) / 1500, 0, 1)))


BLEED_TAPS = 513                 # FIR of the bleed path (delay + colour); error about -75 dB
BLEED_BETA = 8.0                 # its Kaiser window


def bleed_filter(ch: Channel, taps: int = BLEED_TAPS) -> tuple[np.ndarray, int]:
    """FIR ``h`` and its bulk latency ``c`` (samples): ``h`` delayed by ``c`` is the bleed path of ``ch``,
    exp(-j 2 pi f delay) / (1 + j f / colour_hz), faded to zero between 6.5 and 8 kHz (a fractional delay
    is undefined at Nyquist), designed by frequency sampling on a fine grid and Kaiser-windowed around
    the response's centre."""
    c = taps // 2 - int(round(ch.delay_ms * 1e-3 * RATE))
    grid = 1 << 15
    f = np.fft.rfftfreq(grid, 1 / RATE)
    resp = np.exp(-2j * np.pi * f * (ch.delay_ms * 1e-3 + c / RATE)) / (1 + 1j * f / ch.colour_hz)
    resp *= band_edge(f)
    h = np.fft.irfft(resp, grid)[:taps]
    centre = c + ch.delay_ms * 1e-3 * RATE
    half = taps / 2
    pos = np.clip((np.arange(taps) - centre) / half, -1, 1)
    return h * np.i0(BLEED_BETA * np.sqrt(1 - pos ** 2)) / np.i0(BLEED_BETA), c


def bleed_paths(own: np.ndarray, channels: tuple[Channel, Channel]) -> np.ndarray:
    """For each mic k, the partner's voice delayed (fractional, exact) and first-order low-passed."""
    n = own.shape[1]
    out = np.empty_like(own)
    for k, ch in enumerate(channels):
        h, c = bleed_filter(ch)
        out[k] = scipy.signal.oaconvolve(own[1 - k], h)[c:c + n]
    return out


def true_peak(x: np.ndarray, up: int = 8, ratio: float = 1.6, most: int = 4000) -> float:
    """Peak of the band-limited signal ``x`` (channels, samples) between its samples as well.

    Every 10 ms frame whose sample peak is within ``ratio`` of the largest (at most ``most`` of them)
    is oversampled ``up`` times by FFT, with a frame of context each side.
    """
    n = x.shape[1] // FRAME
    if n == 0:
        return float(np.abs(x).max(initial=0.0))
    mag = np.abs(x[:, :n * FRAME]).reshape(x.shape[0], n, FRAME).max(axis=2)
    cand = np.flatnonzero(mag.ravel() >= mag.max() / ratio)
    if len(cand) > most:
        cand = cand[np.argsort(mag.ravel()[cand])[-most:]]
    k, f = np.divmod(cand, n)
    padded = np.pad(x, ((0, 0), (FRAME, 2 * FRAME)))
    idx = f[:, None] * FRAME + np.arange(3 * FRAME)[None, :]
    seg = padded[k[:, None], idx] * scipy.signal.windows.tukey(3 * FRAME, 0.5)
    fine = scipy.signal.resample(seg, 3 * FRAME * up, axis=1)[:, FRAME * up:2 * FRAME * up]
    return max(float(np.abs(x).max()), float(np.abs(fine).max()))


def _draw_channels(rng: np.random.Generator, bleed_db: float, noise_dbfs: float) -> tuple[Channel, Channel]:
    chans = []
    for _ in range(2):
        delay, colour, gain = rng.uniform(0.3, 3.0), rng.uniform(2500.0, 5000.0), rng.uniform(-7.0, 7.0)
        chans.append(Channel(bleed_db=bleed_db, delay_ms=round(float(delay), 3), colour_hz=round(float(colour), 1),
                             gain_db=round(float(gain), 2), noise_dbfs=noise_dbfs))
    return tuple(chans)

"""The partner's bleed band by band: how much of a frame's sound a reverberant bleed cannot explain.

Speech is sparse in time and frequency: while both people talk, the wearer's voice still
dominates some bands of their own mic, even where the partner's bleed is louder overall. A
room's bleed is no clean copy, but its spectrum follows the partner's voice: each band of
this mic gets at most a learned share of the same band at the partner's mic, smeared in time
by the room's reverberation. ``BandBleed`` learns that share per band from frames the partner
mic hears clearly louder (the partner talking alone) and predicts, for a frame, the bleed
each band may hold: the share times the partner band's decaying envelope
(``TAIL_DB_PER_S``). The *unexplained share* of a frame is the part of its energy above
``margin`` times that prediction.
"""
from __future__ import annotations

import numpy as np

WINDOW_S = 0.016             # band energies from a Hann window this long, ending at the frame's end
LOW_HZ = 100.0               # bands from here ...
BANDS = 20                   # ... to half the rate, this many, spaced evenly in log frequency
TAIL_DB_PER_S = 120.0        # the bleed's envelope decays at least this fast (RT60 0.5 s) ...
TAIL_FRAMES = 20             # ... over this many frames
COUPLING_QUANTILE = 0.7      # a band's bleed stays under its share in this share of the partner's frames
MEMORY = 150                 # frames of the partner talking alone remembered per mic (a gain step is soon learned)
MIN_FRAMES = 50              # a coupling needs this many of them
UPDATE_EVERY = 25            # ... and is recomputed after this many new ones
STEP_FRAMES = 40             # the latest this many frames this far from the rest (median over bands and frames) ...
STEP_DB = 4.0                # ... are a gain step (a head turn, a knocked mic): the memory starts again with them
TINY = 1.0                   # floor of a band's energy (int16 units)


class BandAnalyser:
    """Band energies (summed squared DFT magnitudes, int16 units) of the window ending at each frame's end."""

    def __init__(self, rate_hz: int, frame_samples: int):
        self.window = int(round(WINDOW_S * rate_hz))
        self.frame_samples = frame_samples
        self._hann = np.hanning(self.window).astype(np.float32)
        hz = np.fft.rfftfreq(self.window, 1 / rate_hz)
        edges = np.geomspace(LOW_HZ, rate_hz / 2, BANDS + 1)
        band = np.clip(np.searchsorted(edges, hz, side="right") - 1, 0, BANDS - 1)
        self._sum = ((band[:, None] == np.arange(BANDS)[None, :]) & (hz >= LOW_HZ)[:, None]).astype(np.float32)

    @property
    def lookback(self) -> int:
        """Samples a frame's window reaches before the frame's start."""
        return self.window - self.frame_samples

    def energies(self, x: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """(len(starts), BANDS) energies of ``x`` around frames starting at sample ``starts``."""
        idx = (starts + self.frame_samples - self.window)[:, None] + np.arange(self.window)[None, :]
        spectrum = np.fft.rfft(x[idx] * self._hann, axis=1)
        power = np.square(spectrum.real) + np.square(spectrum.imag)
        return np.maximum(power @ self._sum, TINY)


def tail(bands: np.ndarray, frames: np.ndarray, frame_s: float) -> np.ndarray:
    """The decaying envelope at ``frames`` of ``bands`` (n, B), whose row ``TAIL_FRAMES - 1 + f`` is frame f:
    the loudest of the last ``TAIL_FRAMES`` frames, each lowered by ``TAIL_DB_PER_S`` per frame since."""
    steps = 10 ** (-TAIL_DB_PER_S * frame_s * np.arange(TAIL_FRAMES) / 10)
    rows = frames[:, None] + (TAIL_FRAMES - 1) - np.arange(TAIL_FRAMES)[None, :]
    return (bands[rows] * steps[None, :, None]).max(axis=1)


def unexplained_share(own: np.ndarray, predicted: np.ndarray, margin: float) -> np.ndarray:
    """Per frame: the share of ``own``'s energy (n, B) above ``margin`` times the ``predicted`` bleed."""
    return np.maximum(own - margin * predicted, 0.0).sum(axis=1) / own.sum(axis=1)


class BandBleed:
    """The share of each band of the partner's voice that reaches this mic."""

    def __init__(self):
        self._ratios = np.zeros((MEMORY, BANDS))
        self._count = 0
        self._at = 0
        self._fresh = 0
        self.coupling: np.ndarray | None = None

    def learn(self, own: np.ndarray, partner: np.ndarray) -> None:
        """Frames where the partner talks alone: this mic's bands ``own`` and the partner mic's ``partner``."""
        ratios = (own / partner)[-MEMORY:]
        idx = (self._at + np.arange(len(ratios))) % MEMORY
        self._ratios[idx] = ratios
        self._at = (self._at + len(ratios)) % MEMORY
        self._count = min(MEMORY, self._count + len(ratios))
        self._fresh += len(ratios)

    def update(self) -> None:
        """Hop boundary: recompute the coupling once ``UPDATE_EVERY`` new frames have come."""
        if self._count < MIN_FRAMES or (self._fresh < UPDATE_EVERY and self.coupling is not None):
            return
        self._fresh = 0
        if self._count >= 2 * STEP_FRAMES:
            recent = (self._at - STEP_FRAMES + np.arange(STEP_FRAMES)) % MEMORY
            older = np.setdiff1d(np.arange(self._count), recent)
            shift = np.median(np.log10(self._ratios[recent])) - np.median(np.log10(self._ratios[older]))
            if abs(10 * shift) > STEP_DB:
                self._ratios[:STEP_FRAMES] = self._ratios[recent]
                self._count, self._at = STEP_FRAMES, STEP_FRAMES % MEMORY
        at = int(COUPLING_QUANTILE * (self._count - 1))
        self.coupling = np.partition(self._ratios[:self._count], at, axis=0)[at].copy()

"""Crosstalk rejection for two headset channels (METRICS.md §1.3).

Each mic hears the partner's voice a little later and 10-35 dB weaker, through
a coupling whose level depends on both mic gains. The gate learns, per channel:
- the coupling (power ratio ``own mic / partner mic`` in frames where only the
  partner talks, picked out by a strong lagged cross-correlation whose GCC-PHAT
  lag says which mic heard the voice first);
- a least-squares leak filter (``canceller.py``) from the same frames;
- the noise floor and the typical own-speech level.
A frame is the channel's own speech only when the VAD says speech, its energy
clears the noise floor, sits within ``speech_range_db`` of the speech level, and
exceeds the partner bleed predicted from the partner's frame energy by a margin,
or, after the predicted leak is subtracted, what is left still does. Genuine
double talk keeps its frames: its energy is far above what bleed alone gives.

State changes only at fixed hop boundaries (every ``adapt_every_s``), and every
frame's decision uses the state of its hop's start, so results do not depend on
how the audio was split into blocks.
"""
from __future__ import annotations

import statistics
from collections import deque

import numpy as np

from talkbalance.canceller import BleedCanceller
from talkbalance.config import Crosstalk

NOISE_WINDOW_S = 20.0        # noise floor = lowest hop level over this window
SPEECH_LEVEL_HOPS = 120      # speech level = median of the loudest own frame of this many recent hops
COUPLING_MEMORY = 64         # coupling = median of this many recent observations
MIN_OBSERVATIONS = 8         # before this many, no bleed prediction is made
MAX_COUPLING_SUM_DB = -6.0   # both leaks together: bleed levels add up, mic gains cancel
CORRELATION_FRAMES = 3       # frames of signal behind each correlation
SETTLED_LEARN_EVERY_HOPS = 8 # once both couplings are known, keep learning at this slower pace
CANDIDATES_PER_HOP = 6       # frames per hop examined for learning
MAX_COUPLING_DB = 15.0       # a leak can exceed the partner's own level only by the mic gain difference
RESIDUAL_QUANTILE = 0.9      # the leak left after cancelling varies more: use a high quantile
MIN_ENERGY = 1.0             # int16 units squared (about -90 dBFS): floor of the noise estimate


class CrosstalkGate:
    """Per-frame own-speech decisions for two channels, with bleed learned on the fly."""

    def __init__(self, cfg: Crosstalk, rate_hz: int, frame_samples: int, hop_frames: int):
        self.cfg = cfg
        self.frame_samples = frame_samples
        self.max_lag = max(1, int(round(cfg.max_delay_ms * rate_hz / 1000)))
        self.gate = 10 ** (cfg.noise_gate_db / 10)
        self.margin = 10 ** (cfg.margin_db / 10)
        hops = max(1, int(round(NOISE_WINDOW_S / (hop_frames * frame_samples / rate_hz))))
        self._levels = [deque(maxlen=hops), deque(maxlen=hops)]
        self.noise = [None, None]
        self.speech_range = 10 ** (-cfg.speech_range_db / 10)
        self._peaks = [deque(maxlen=SPEECH_LEVEL_HOPS), deque(maxlen=SPEECH_LEVEL_HOPS)]
        self.speech_level = [None, None]  # typical loudest own-speech frame energy per hop
        self._observations = [deque(maxlen=COUPLING_MEMORY), deque(maxlen=COUPLING_MEMORY)]
        self.coupling_db = [None, None]   # partner's leak into channel k, dB (own/partner power)
        self._cancellers = [BleedCanceller(self.max_lag + 1), BleedCanceller(self.max_lag + 1)]
        self._residual_observations = [deque(maxlen=COUPLING_MEMORY), deque(maxlen=COUPLING_MEMORY)]
        self.residual_db = [None, None]   # what is left of the leak after cancelling it, dB re partner
        self._fresh = [False, False]      # new observations since the last hop boundary
        self._last_energy = np.zeros(2)
        self._hops = 0
        self._window = CORRELATION_FRAMES * frame_samples - self.max_lag
        self._hann = np.hanning(self._window).astype(np.float32)
        self.history = (CORRELATION_FRAMES - 1) * frame_samples + self.max_lag   # samples kept before a block
        self._tail = np.zeros((self.history, 2), np.float32)
        self._fft = 1 << int(np.ceil(np.log2(self._window + 2 * self.max_lag)))

    def decide(self, samples: np.ndarray, energy: np.ndarray, vad: np.ndarray) -> np.ndarray:
        """Own-speech flags (2, F) for F frames: ``samples`` (F*L, 2) float32, ``energy`` and ``vad`` (2, F).

        Where a channel's coupling is not learned yet (its partner has not yet
        talked alone), a frame is bleed when it correlates strongly with the
        partner and lags it.
        """
        previous = np.concatenate((self._last_energy[:, None], energy[:, :-1]), axis=1)
        self._last_energy = energy[:, -1].copy()
        padded = np.concatenate((self._tail, samples))
        self._tail = padded[-self.history:]
        reference = np.maximum(energy, previous)
        own = vad.copy()
        if not self.cfg.enabled:
            return own
        for k in (0, 1):
            floor = self.noise[k] * self.gate if self.noise[k] is not None else 0.0
            if self.speech_level[k] is not None:
                floor = max(floor, self.speech_level[k] * self.speech_range)
            if self.coupling_db[k] is not None:
                leak = reference[1 - k] * 10 ** (self.coupling_db[k] / 10)
                clear = energy[k] > floor + leak * self.margin
                if self.cfg.cancel_bleed and self.residual_db[k] is not None:
                    self._rescue(k, padded, reference, floor, own[k] & ~clear, clear)
                own[k] &= clear
            else:
                own[k] &= energy[k] > floor
                frames = np.flatnonzero(own[k] & vad[1 - k])
                if len(frames):
                    rho, lag = self._correlate(padded, frames)
                    bleed = (rho >= self.cfg.learn_min_correlation) & ((lag > 0) if k == 1 else (lag < 0))
                    own[k, frames[bleed]] = False
                    self._observe(padded, energy, frames, rho, lag)
        return own

    def _rescue(self, k: int, padded: np.ndarray, reference: np.ndarray, floor: float,
                uncertain: np.ndarray, clear: np.ndarray) -> None:
        """Frames whose energy is within the bleed margin: judge them after cancelling the leak.

        Marks ``clear`` in place where the residual exceeds what is left of the leak
        by twice the margin: the leak left after cancellation varies more from frame
        to frame than the leak itself.
        """
        frames = np.flatnonzero(uncertain)
        if not len(frames):
            return
        starts = self.history + frames * self.frame_samples
        left = self._cancellers[k].residual_energy(padded[:, 1 - k], padded[:, k], starts, self.frame_samples)
        leak = reference[1 - k, frames] * 10 ** (self.residual_db[k] / 10)
        clear[frames[left > floor + leak * self.margin ** 2]] = True

    def adapt(self, samples: np.ndarray, history: np.ndarray, energy: np.ndarray, vad: np.ndarray,
              own: np.ndarray) -> None:
        """Update noise floors, speech levels and couplings from one finished hop.

        ``samples`` (F*L, 2) float32 of the hop, ``history`` (``self.history``, 2) the samples
        just before it, ``energy``, ``vad`` and the decisions ``own`` (2, F) its frame figures.
        """
        for k in (0, 1):
            low = np.partition(energy[k], energy.shape[1] // 10)[energy.shape[1] // 10]
            self._levels[k].append(max(float(low), MIN_ENERGY))
            self.noise[k] = min(self._levels[k])
            if own[k].any():
                self._peaks[k].append(float(energy[k, own[k]].max()))
                self.speech_level[k] = statistics.median(self._peaks[k])
        self._hops += 1
        if None in self.coupling_db or not self._hops % SETTLED_LEARN_EVERY_HOPS:
            frames = self._candidates(energy, vad)
            if len(frames):
                self._learn(samples, history, energy, frames)
        self._settle()

    def _candidates(self, energy: np.ndarray, vad: np.ndarray) -> np.ndarray:
        """The loudest speech frames of each channel in the hop (likely single talk)."""
        picks = []
        for k in (0, 1):
            idx = np.flatnonzero(vad[k])
            picks.append(idx[np.argsort(energy[k, idx])[::-1][:CANDIDATES_PER_HOP // 2]])
        return np.unique(np.concatenate(picks))

    def _correlate(self, padded: np.ndarray, frames: np.ndarray):
        """Correlation strength and lag (samples; > 0: channel 2 hears it later) at ``frames``.

        ``padded`` (HISTORY + F*L, 2) holds ``self.history`` samples before frame 0. Each
        frame is judged on a Hann-windowed stretch of about three frames that ends
        ``max_lag`` samples before the frame's end, so that every lag is covered by
        samples already received (decisions never wait for, or depend on, later
        blocks). The lag comes from GCC-PHAT (whitened cross-spectrum), which keeps
        the true delay's peak sharp where voiced speech would give pitch-period
        ghosts; the strength is the normalised plain correlation at that lag.
        """
        D, W, n = self.max_lag, self._window, self._fft
        ends = self.history + (frames + 1) * self.frame_samples - D      # exclusive end of channel-1 stretch
        idx = ends[:, None] - W + np.arange(W)[None, :]
        a = padded[idx, 0] * self._hann
        wide = ends[:, None] - W - D + np.arange(W + 2 * D)[None, :]
        b = padded[wide, 1]
        cross = np.conj(np.fft.rfft(a, n)) * np.fft.rfft(b, n)
        phat = np.fft.irfft(cross / (np.abs(cross) + 1e-9), n)[:, :2 * D + 1]
        peak = np.argmax(phat, axis=1)
        rows = np.arange(len(frames))
        plain = np.fft.irfft(cross, n)[rows, peak]
        matched = b[rows[:, None], peak[:, None] + np.arange(W)[None, :]] * self._hann
        rho = plain / (np.sqrt((a * a).sum(axis=1) * (matched * matched).sum(axis=1)) + 1e-9)
        return rho, peak - D

    def _observe(self, padded: np.ndarray, energy: np.ndarray, frames: np.ndarray, rho: np.ndarray,
                 lag: np.ndarray) -> None:
        """Learn from each strongly correlated frame: its leak level, and the leak filter.

        ``padded`` holds ``self.history`` samples before frame 0. What is learned
        takes effect only at the next hop boundary (``_learn``).
        """
        L, D = self.frame_samples, self.max_lag
        keep = (rho >= self.cfg.learn_min_correlation) & (lag != 0)
        frames, lag = frames[keep], lag[keep]
        for receiver in (0, 1):
            source = 1 - receiver
            t = frames[(lag > 0) == bool(receiver)]
            ratio_db = 10 * np.log10(np.maximum(energy[receiver, t], 1e-9) / np.maximum(energy[source, t], 1e-9))
            partner = self.coupling_db[source]
            accept = ratio_db <= MAX_COUPLING_DB
            if partner is not None:
                accept &= ratio_db + partner <= MAX_COUPLING_SUM_DB
            t, ratio_db = t[accept], ratio_db[accept]
            if not len(t):
                continue
            self._observations[receiver].extend(ratio_db.tolist())
            self._fresh[receiver] = True
            if not self.cfg.cancel_bleed:
                continue
            starts = self.history + t * L
            canceller = self._cancellers[receiver]
            canceller.learn(padded[starts[:, None] - D + np.arange(L + D), source],
                            padded[starts[:, None] + np.arange(L), receiver])
            if canceller.ready:
                left = canceller.residual_energy(padded[:, source], padded[:, receiver], starts, L)
                self._residual_observations[receiver].extend(
                    (10 * np.log10(np.maximum(left, 1e-9) / np.maximum(energy[source, t], 1e-9))).tolist())

    def _learn(self, samples: np.ndarray, history: np.ndarray, energy: np.ndarray, frames: np.ndarray) -> None:
        """Learn from the hop's candidate frames."""
        padded = np.concatenate((history, samples))
        rho, lag = self._correlate(padded, frames)
        self._observe(padded, energy, frames, rho, lag)

    def _settle(self) -> None:
        """Hop boundary: what was learned during the hop takes effect."""
        for k in (0, 1):
            self._cancellers[k].update()
            if not self._fresh[k]:
                continue
            self._fresh[k] = False
            if len(self._observations[k]) >= MIN_OBSERVATIONS:
                self.coupling_db[k] = statistics.median(self._observations[k])
            if len(self._residual_observations[k]) >= MIN_OBSERVATIONS:
                ranked = sorted(self._residual_observations[k])
                self.residual_db[k] = ranked[int(RESIDUAL_QUANTILE * (len(ranked) - 1))]

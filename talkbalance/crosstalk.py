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
how the audio was split into blocks. Once both couplings are known, only the
speech level depends on earlier decisions: the gate then learns from all of a
block's hops first and decides its frames afterwards, a few array operations per
hop.
"""
from __future__ import annotations

import statistics
from collections import deque
from itertools import groupby
from typing import NamedTuple

import numpy as np

from talkbalance.canceller import BleedCanceller, LeakFilter
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


class _HopState(NamedTuple):
    """What a hop's decisions use, per channel, as it stood at the hop's start."""

    noise: list[float | None]
    coupling_db: list[float | None]
    residual_db: list[float | None]
    filters: list[LeakFilter | None]


class _Segment(NamedTuple):
    """Frames ``start``-``stop`` of a block, inside one hop; ``closes`` when they end it."""

    start: int
    stop: int
    closes: bool
    state: _HopState


class CrosstalkGate:
    """Per-frame own-speech decisions for two channels, with bleed learned on the fly."""

    def __init__(self, cfg: Crosstalk, rate_hz: int, frame_samples: int, hop_frames: int):
        self.cfg = cfg
        self.frame_samples = frame_samples
        self.hop_frames = hop_frames
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
        self._hop_parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []   # samples, energy, vad so far
        self._hop_filled = 0
        self._hop_peak = [-np.inf, -np.inf]                          # loudest own frame so far in the hop
        self._hop_history = np.zeros((self.history, 2), np.float32)   # samples just before the hop

    def process(self, samples: np.ndarray, energy: np.ndarray, vad: np.ndarray) -> np.ndarray:
        """Own-speech flags (2, F) for the next F frames: ``samples`` (F*L, 2) float32, ``energy`` and ``vad`` (2, F).

        F may be anything: the frames are cut at hop boundaries into segments, each
        decided with the state of its hop's start.
        """
        F = energy.shape[1]
        previous = np.concatenate((self._last_energy[:, None], energy[:, :-1]), axis=1)
        self._last_energy = energy[:, -1].copy()
        reference = np.maximum(energy, previous)
        padded = np.concatenate((self._tail, samples))
        self._tail = padded[-self.history:]
        own = vad.copy()
        deferred = []
        start = 0
        while start < F:
            stop = min(F, start + self.hop_frames - self._hop_filled)
            segment = _Segment(start, stop, self._hop_filled + stop - start == self.hop_frames, self._state())
            if self.settled:
                deferred.append(segment)
            else:
                self._decide(padded, energy, reference, vad, own, [segment])
            self._collect(samples, energy, vad, start, stop)
            start = stop
        self._decide(padded, energy, reference, vad, own, deferred)
        return own

    @property
    def settled(self) -> bool:
        """Both couplings are known: decisions no longer change what is learned, so they can wait."""
        return self.cfg.enabled and None not in self.coupling_db

    def _state(self) -> _HopState:
        """The state the current hop's decisions use (lists copied: learning replaces their items)."""
        return _HopState(list(self.noise), list(self.coupling_db), list(self.residual_db),
                         [c.filter for c in self._cancellers])

    def _decide(self, padded: np.ndarray, energy: np.ndarray, reference: np.ndarray, vad: np.ndarray,
                own: np.ndarray, segments: list[_Segment]) -> None:
        """Decide the segments' frames in place in ``own`` (which starts as the VAD flags), in order.

        ``padded`` holds ``self.history`` samples before the block's frame 0. A
        frame is own speech when it clears the floor plus the predicted bleed, or
        what is left after cancelling the leak clears the floor plus what is left
        of the bleed. Where a channel's coupling is not learned yet (its partner
        has not yet talked alone), a frame is bleed when it correlates strongly
        with the partner and lags it.
        """
        for k in (0, 1):
            left = None     # computed for all the segments when the first needs it
            for seg in segments:
                frames, state = slice(seg.start, seg.stop), seg.state
                if not self.cfg.enabled:
                    pass
                elif state.coupling_db[k] is not None:
                    floor = self._floor(k, state.noise[k])
                    clear = energy[k, frames] > floor + reference[1 - k, frames] * 10 ** (state.coupling_db[k] / 10) \
                        * self.margin
                    within_margin = vad[k, frames] > clear            # speech frames the bleed could explain
                    if self.cfg.cancel_bleed and state.residual_db[k] is not None and within_margin.any():
                        left = self._residuals(k, padded, segments) if left is None else left
                        clear |= left[seg.start - segments[0].start:seg.stop - segments[0].start] > \
                            floor + reference[1 - k, frames] * 10 ** (state.residual_db[k] / 10) * self.margin ** 2
                    own[k, frames] &= clear
                else:
                    self._decide_unlearned(k, padded, energy, vad, own, seg)
                self._note_level(k, energy[k, frames], own[k, frames], seg.closes)

    def _floor(self, k: int, noise: float | None) -> float:
        """The energy own speech must clear before any bleed is considered."""
        floor = noise * self.gate if noise is not None else 0.0
        if self.speech_level[k] is not None:
            floor = max(floor, self.speech_level[k] * self.speech_range)
        return floor

    def _residuals(self, k: int, padded: np.ndarray, segments: list[_Segment]) -> np.ndarray:
        """Channel k's frame energies after cancelling the partner's leak, over all the segments.

        Each segment uses its own hop's filter; frames of segments without one are left at 0.
        """
        L, base = self.frame_samples, segments[0].start
        left = np.zeros(segments[-1].stop - base)

        def used_filter(seg: _Segment) -> LeakFilter | None:
            return seg.state.filters[k] if seg.state.residual_db[k] is not None else None

        for _, run in groupby(segments, key=lambda seg: id(used_filter(seg))):   # runs sharing one filter
            run = list(run)
            if used_filter(run[0]) is not None:
                starts = self.history + np.arange(run[0].start, run[-1].stop) * L
                left[run[0].start - base:run[-1].stop - base] = used_filter(run[0]).residual_energy(
                    padded[:, 1 - k], padded[:, k], starts, L)
        return left

    def _decide_unlearned(self, k: int, padded: np.ndarray, energy: np.ndarray, vad: np.ndarray,
                          own: np.ndarray, seg: _Segment) -> None:
        """Before channel k's coupling is known: judge frames heard on both channels by their lag, and learn."""
        frames = slice(seg.start, seg.stop)
        own[k, frames] &= energy[k, frames] > self._floor(k, seg.state.noise[k])
        both = seg.start + np.flatnonzero(own[k, frames] & vad[1 - k, frames])
        if len(both):
            rho, lag = self._correlate(padded, both)
            bleed = (rho >= self.cfg.learn_min_correlation) & ((lag > 0) if k == 1 else (lag < 0))
            own[k, both[bleed]] = False
            self._observe(padded, energy, both, rho, lag)

    def _note_level(self, k: int, energy: np.ndarray, own: np.ndarray, closes: bool) -> None:
        """Track the hop's loudest own frame; at the hop's end, update the typical speech level."""
        self._hop_peak[k] = max(self._hop_peak[k], float(energy.max(where=own, initial=-np.inf)))
        if closes:
            if self._hop_peak[k] > -np.inf:
                self._peaks[k].append(self._hop_peak[k])
                self.speech_level[k] = statistics.median(self._peaks[k])
            self._hop_peak[k] = -np.inf

    def _collect(self, samples: np.ndarray, energy: np.ndarray, vad: np.ndarray, start: int, stop: int) -> None:
        """Keep frames ``start``-``stop`` of the block for learning; at a hop's end, learn from the hop."""
        L = self.frame_samples
        self._hop_parts.append((samples[start * L:stop * L], energy[:, start:stop], vad[:, start:stop]))
        self._hop_filled += stop - start
        if self._hop_filled < self.hop_frames:
            return
        parts = self._hop_parts
        samples, energy, vad = (parts[0] if len(parts) == 1 else
                                (np.concatenate([p[0] for p in parts]),
                                 *(np.concatenate([p[i] for p in parts], axis=1) for i in (1, 2))))
        self._adapt(samples, energy, vad)
        self._hop_history = (samples[-self.history:] if len(samples) >= self.history else
                             np.concatenate((self._hop_history, samples))[-self.history:])
        self._hop_parts, self._hop_filled = [], 0

    def _adapt(self, samples: np.ndarray, energy: np.ndarray, vad: np.ndarray) -> None:
        """Update noise floors and couplings from one finished hop: ``samples`` (F*L, 2), ``energy``, ``vad`` (2, F)."""
        for k in (0, 1):
            low = np.partition(energy[k], energy.shape[1] // 10)[energy.shape[1] // 10]
            self._levels[k].append(max(float(low), MIN_ENERGY))
            self.noise[k] = min(self._levels[k])
        self._hops += 1
        if None in self.coupling_db or not self._hops % SETTLED_LEARN_EVERY_HOPS:
            frames = self._candidates(energy, vad)
            if len(frames):
                self._learn(samples, self._hop_history, energy, frames)
        self._settle()

    def _candidates(self, energy: np.ndarray, vad: np.ndarray) -> np.ndarray:
        """The loudest speech frames of each channel in the hop (likely single talk)."""
        picked = np.zeros(energy.shape[1], dtype=bool)
        for k in (0, 1):
            idx = np.flatnonzero(vad[k])
            picked[idx[np.argsort(energy[k, idx])[::-1][:CANDIDATES_PER_HOP // 2]]] = True
        return np.flatnonzero(picked)

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
            if canceller.filter is not None:
                left = canceller.filter.residual_energy(padded[:, source], padded[:, receiver], starts, L)
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

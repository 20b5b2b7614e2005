"""Crosstalk rejection for two headset channels (METRICS.md §1.3): whose voice is in each mic.

Each mic hears its wearer from a few centimetres, and the partner and anyone else in the
room from metres away, through the room. Learned per channel from the audio itself
(``ChannelState``; the two channels are each other's partner), never from the gate's own decisions:
- the noise floor;
- the wearer's own speech: its typical level, and how much louder this mic hears it than
  the other mic does (the inter-channel level difference, ILD). A frame is the wearer's
  when the VAD says speech, it clears the noise floor by ``CLEAR_DB`` and this mic hears
  it more than ``LOUDER_DB`` louder; in a coherent regime (most loud frames correlate
  strongly between the mics) the GCC-PHAT lag says which mic heard it first instead;
- the partner's bleed into this mic (dB): the partner's own ILD, negated;
- for a coherent bleed, a least-squares leak filter (``canceller.py``), as an echo
  canceller would.

A frame is *heard* when the VAD says speech and its energy clears the noise floor by
``noise_gate_db`` and lies within ``speech_range_db`` of the wearer's level, and *clear*
when it also exceeds the bleed by ``margin_db`` (or what the canceller leaves does); while the partner
talks, clearness is judged band by band against the reverberant bleed each band may hold
(``spectral.py``: ``UNEXPLAINED_SHARE`` of the frame above it by ``margin_db``). A
clear frame is *core* when it is near-field (an ILD near the wearer's and a level near
theirs), or both people talk (the partner mic near the partner's level, this mic near
its wearer's), or a good canceller leaves it well above the bleed, or no partner voice has
been learned yet; core frames count in runs of ``MIN_CORE_RUN``. Other clear frames with an
ILD well above the bleed's, or heard while the partner talks (*weak*: onsets and fading words,
or a voice across the room), count within ``extend_before_s`` / ``extend_after_s`` of a core
run, or within ``CHAIN_BEFORE_S`` / ``CHAIN_AFTER_S`` when joined to it without a break. Short
gaps the partner's louder voice masks are filled (``masked_gap_s``).

Learning is done hop by hop (every ``adapt_every_s``, from the first sound on; what depends on
the energies alone, and the correlations, are worked out for all the hops a block fills at once;
a hop with nothing new to learn from leaves the snapshots as they were), and each frame is
decided with the state of its hop's start, so results do not depend on block sizes. The first
frames wait: they are decided once both wearers' voices are learned (or ``learn_first_s`` has
passed), with what was learned by then, so a conversation gets the same figures wherever it
sits in a recording.
"""
from __future__ import annotations

from collections import deque
from itertools import groupby
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from talkbalance.config import SUPPORTED_SPEAKERS, Crosstalk
from talkbalance.core.crosstalk.canceller import BleedCanceller, LeakFilter
from talkbalance.core.crosstalk.spectral import (
    BANDS,
    TAIL_FRAMES,
    TINY,
    BandAnalyser,
    BandBleed,
    tail,
    unexplained_share,
)

NOISE_WINDOW_S = 20.0        # noise floor = lowest hop level over this window
MIN_ENERGY = 1.0             # int16 units squared (about -90 dBFS): floor of the noise estimate
CORRELATION_FRAMES = 3       # frames of signal behind each correlation
CANDIDATES_PER_HOP = 6       # frames per hop whose correlation is examined
CORRELATE_EVERY_S = 2.0      # once both voices are learned, correlations are examined this often (s),
SETTLED_AFTER_S = 120.0      # ... and after two minutes, when the leak filters have settled,
SETTLED_CORRELATE_EVERY_S = 8.0     # ... this often
CORRELATION_MEMORY = 200     # the coherent regime is judged over this many examined frames
COHERENT_SHARE = 0.3         # ... coherent when at least this share correlates strongly
RESIDUAL_MEMORY = 64         # what the canceller leaves: a high quantile of this many observations
RESIDUAL_QUANTILE = 0.9
MIN_RESIDUAL_OBSERVATIONS = 8
CANCELS_DB = 10.0            # a canceller that takes this much off the bleed makes its residual decisive

CLEAR_DB = 20.0              # a frame this far above a mic's noise floor is heard clearly
LOUDER_DB = 3.0              # ... and, heard this much louder than on the other mic, is that wearer's voice
OWN_MEMORY = 1500            # frames of each wearer's clear speech remembered (about 15 s of talk)
STEP_FRAMES = 250            # the latest this many frames ...
STEP_DB = 5.0                # ... this far from the rest (median level or ILD): a gain step
MIN_OWN = 50                 # own-speech statistics need this many frames
CORE_RANGE_DB = 12.0         # the statistics use the frames within this of the loudest tenth
UPDATE_EVERY = 25            # own-speech statistics are recomputed after this many new frames of it
BLEED_QUANTILE = 0.3         # the bleed to beat: the partner's voice stays under it here in 70 % of their frames
MIN_ATTENUATION_DB = 6.0     # the wearer's voice is at least this much louder in their own mic (else unlearned)
PRIOR_ATTENUATION_DB = 20.0  # ... assumed for a wearer who has not spoken yet
NEAR_BELOW_OWN_DB = 12.0     # heard from near: an ILD at most this much under the wearer's typical one ...
NEAR_RANGE_DB = 20.0         # ... and a level at most this much under their typical speech level
WEAK_SHARE = 0.65            # a quiet part: an ILD at least this share of the way from the bleed's to the wearer's
PARTNER_TALKS_DB = 15.0      # the partner mic within this of its wearer's level: the partner is talking
BOTH_RANGE_DB = 12.0         # both talk: this mic within this of its wearer's level while the partner talks,
BOTH_BELOW_BLEED_DB = 10.0   # ... or within the bleed's attenuation less this (a weak bleed cannot pass for a voice),
BOTH_RANGE_MAX_DB = 25.0     # ... but never more than this
TALK_HOLD_FRAMES = 5         # a gap is masked while the partner talked in its frame or the ones just before
GAP_UNMASKED = 2             # a masked gap may hold this many frames that are not (a dip of the partner's voice)
CHAIN_BEFORE_S = 0.2         # weak frames joined to a core run without a break (masked ones included) count
CHAIN_AFTER_S = 0.5          # ... this far before or after it (an onset or fading word under the partner's voice)
MIN_CORE_RUN = 3             # near-field frames count in runs of at least this many (speech, not a stray frame)
UNEXPLAINED_SHARE = 0.3      # while the partner talks, a frame is clear when this share of it is no bleed
LEARN_BANDS_EVERY = 2        # the band bleed is learned every this many hops ...
LEARN_BANDS_FRAMES = 8       # ... from at most this many frames of the hop (the partner's loudest)
LEARNED_OWN = 200            # the first decisions wait until both wearers have this many clear frames
CHANNELS = SUPPORTED_SPEAKERS  # the gate handles two headset channels, each wearer the other's partner


class ChannelSnapshot(NamedTuple):
    """What one channel's decisions use, as learned at a hop's start (energies in int16 units squared)."""

    noise: float | None           # noise floor
    speech: float | None          # typical own-speech frame energy
    coupling_db: float | None     # partner bleed into this mic: own / partner mic power, dB (as loud as it gets)
    near_db: float | None         # the wearer's voice heard from near: own / partner mic power at least, dB
    weak_db: float | None         # a fading or quiet part of it: at least this, dB
    partner_speech: float | None  # the partner's typical own-speech energy at their mic
    residual_db: float | None     # bleed left after cancelling the leak, dB re the partner mic
    filter: LeakFilter | None
    band_coupling: np.ndarray | None   # the partner's bleed into this mic band by band (``spectral.BandBleed``)


_SNAPSHOT_NUMBERS = ChannelSnapshot._fields.index("filter")    # its leading fields are numbers (None: unknown)


class _Segment(NamedTuple):
    """Frames ``start``-``stop`` of the pending store, decided with ``states`` (one per channel);
    ``states`` is None for the digital silence before the first sound (nobody speaks in it)."""

    start: int
    stop: int
    states: tuple[ChannelSnapshot, ChannelSnapshot] | None


class _Correlation(NamedTuple):
    """A hop's candidate frames (hop-relative), their correlation strengths and lags (see ``_correlate``)."""

    frames: np.ndarray
    rho: np.ndarray
    lag: np.ndarray


class _Hop(NamedTuple):
    """Frames to learn from: their samples (with ``history`` samples before them), and per frame (2, frames)
    their energy, vad and level (dB)."""

    samples: np.ndarray
    energy: np.ndarray
    vad: np.ndarray
    level_db: np.ndarray

    def part(self, start: int, stop: int, frame_samples: int, history: int) -> _Hop:
        """Frames ``start`` to ``stop`` (views)."""
        return _Hop(self.samples[start * frame_samples:stop * frame_samples + history], self.energy[:, start:stop],
                    self.vad[:, start:stop], self.level_db[:, start:stop])


def _noise_levels(energy: np.ndarray) -> list[list[float | None]]:
    """Each hop's noise level per channel (``energy`` (2, hops, hop_frames)): its 10th-percentile frame energy;
    digital silence (no signal at all, as before a stream starts or in a file's padding) is not noise and is left
    out, and a hop with sound in less than half its frames gives None."""
    sound = energy > MIN_ENERGY
    count = sound.sum(axis=2)
    ranked = np.sort(np.where(sound, energy, np.inf), axis=2)          # the sound first, in order
    level = np.take_along_axis(ranked, (count // 10)[:, :, None], axis=2)[:, :, 0]
    enough = count >= energy.shape[2] // 2
    return [[x if ok else None for x, ok in zip(*rows)] for rows in zip(level.tolist(), enough.tolist())]


class _Ring:
    """The last ``size`` (level dB, ILD dB) observations."""

    def __init__(self, size: int):
        self.values = np.zeros((2, size))
        self.count = 0
        self.fresh = 0               # observations added since the statistics last used them
        self._at = 0

    def extend(self, level_db: np.ndarray, ild_db: np.ndarray) -> None:
        size, end = self.values.shape[1], self._at + len(level_db)
        if end < size:                          # the common case: they fit before the end
            self.values[0, self._at:end], self.values[1, self._at:end] = level_db, ild_db
            self.count = min(size, self.count + len(level_db))
            self.fresh += len(level_db)
            self._at = end
            return
        for lo in range(0, len(level_db), size):
            part = slice(lo, lo + size)
            n = len(level_db[part])
            idx = (self._at + np.arange(n)) % size
            self.values[0, idx], self.values[1, idx] = level_db[part], ild_db[part]
            self._at = (self._at + n) % size
            self.count = min(size, self.count + n)
            self.fresh += n

    def filled(self) -> np.ndarray:
        return self.values[:, :self.count]

    def recent(self, n: int) -> np.ndarray:
        """The last ``n`` observations (or all there are)."""
        n = min(n, self.count)
        return self.values[:, (self._at - n + np.arange(n)) % self.values.shape[1]]

    def keep_recent(self, n: int) -> None:
        """Forget all but the last ``n`` observations."""
        kept = self.recent(n)
        self.count, self._at = kept.shape[1], kept.shape[1] % self.values.shape[1]
        self.values[:, :self.count] = kept


def _medians(values: np.ndarray) -> np.ndarray:
    """The median of each row (the upper middle value when there are two)."""
    mid = values.shape[1] // 2
    return np.partition(values, mid, axis=1)[:, mid]


class _Coherence:
    """Whether the bleed between the two mics is a coherent copy: the last examined frames' correlations."""

    def __init__(self) -> None:
        self._examined: deque[bool] = deque(maxlen=CORRELATION_MEMORY)
        self._correlated = 0                  # how many of them correlated strongly

    @property
    def judged(self) -> bool:
        """Enough frames were examined to say whether the bleed is coherent."""
        return len(self._examined) >= MIN_OWN

    @property
    def coherent(self) -> bool:
        """Most examined frames correlate strongly: the bleed is a coherent copy (lags are reliable)."""
        return self.judged and self._correlated >= COHERENT_SHARE * len(self._examined)

    def add(self, correlated: np.ndarray) -> None:
        for flag in correlated.tolist():
            if len(self._examined) == self._examined.maxlen:
                self._correlated -= self._examined[0]
            self._examined.append(flag)
            self._correlated += flag


class ChannelState:
    """What the gate learns about one headset channel from the audio itself, never from its own decisions:
    the noise floor, the wearer's own speech (level and ILD: this mic's level minus the partner mic's, dB),
    the leak filter and what it leaves, and the partner's bleed band by band. Energies in int16 units squared."""

    def __init__(self, index: int, partner: int, noise_hops: int, canceller: BleedCanceller):
        self.index = index                    # this channel's row in the (2, F) frame arrays
        self.partner = partner                # ... and its partner's
        self._noise_levels: deque[float] = deque(maxlen=noise_hops)   # the hops' noise levels, newest last
        self._noise_hops = noise_hops
        self.noise: float | None = None
        self.by_level = _Ring(OWN_MEMORY)     # own speech attributed by the louder mic
        self.by_lag = _Ring(OWN_MEMORY)       # ... by the correlation lag
        self.speech: float | None = None      # typical own-speech frame energy
        self.own_ild_db: float | None = None
        self.own_ild_low_db: float | None = None   # ... the BLEED_QUANTILE of it
        self.own_frames = 0                   # own-speech frames the statistics draw on
        self.canceller = canceller            # the partner's leak into this mic
        self._residuals_db: deque[float] = deque(maxlen=RESIDUAL_MEMORY)   # what the canceller left
        self._fresh_residuals = False         # observations came since the quantile was last taken
        self.residual_db: float | None = None
        self.band_bleed = BandBleed()

    def noise_floors(self, levels: list[float | None]) -> list[float | None]:
        """The noise floor after each of a run of hops with these noise levels (None: too little sound in the
        hop to tell). Remembers the levels; ``noise`` itself is set as each hop is learned."""
        new = [level for level in levels if level is not None]
        if not new:
            return [self.noise] * len(levels)
        known = np.concatenate((np.full(self._noise_hops - 1, np.inf), self._noise_levels, new))
        lowest = iter(sliding_window_view(known, self._noise_hops)[-len(new):].min(axis=1).tolist())  # after each
        self._noise_levels.extend(new)
        floors, floor = [], self.noise
        for level in levels:
            if level is not None:
                floor = next(lowest)
            floors.append(floor)
        return floors

    def update_own(self, coherent: bool) -> bool:
        """Hop boundary: recompute the wearer's statistics once ``UPDATE_EVERY`` new frames of their clear speech
        have come (so when they change depends on the voice, not on where the hops fall); in a coherent regime
        from the frames the correlation lag attributed, else from those the louder mic did. Whether they were."""
        first, second = (self.by_lag, self.by_level) if coherent else (self.by_level, self.by_lag)
        ring = first if first.count >= MIN_OWN else second
        self.own_frames = ring.count
        if ring.count < MIN_OWN or (ring.fresh < UPDATE_EVERY and self.speech is not None):
            return False
        ring.fresh = 0
        if ring.count >= 2 * STEP_FRAMES:   # a gain step (a knocked mic, a head turn): start again after it
            old, new = _medians(ring.filled()), _medians(ring.recent(STEP_FRAMES))
            if np.abs(new - old).max() > STEP_DB:
                ring.keep_recent(STEP_FRAMES)
        values = ring.filled()
        n = values.shape[1]
        top = np.partition(values[0], int(0.9 * (n - 1)))[int(0.9 * (n - 1))]
        core = values[:, values[0] > top - CORE_RANGE_DB]
        m = core.shape[1] - 1
        levels = np.partition(core[0], m // 2)
        ilds = np.partition(core[1], sorted({m // 2, int(BLEED_QUANTILE * m)}))
        self.speech = float(10 ** (levels[m // 2] / 10))
        self.own_ild_db = float(ilds[m // 2])
        self.own_ild_low_db = float(ilds[int(BLEED_QUANTILE * m)])
        return True

    def forget_ild(self) -> None:
        """The ILD learned is not to be trusted (see ``CrosstalkGate._update_own``)."""
        self.own_ild_db = self.own_ild_low_db = None

    def add_residuals(self, residuals_db: list[float]) -> None:
        """What the canceller left of the partner's bleed (dB re the partner mic)."""
        self._fresh_residuals = True
        self._residuals_db.extend(residuals_db)

    def update_residual(self) -> None:
        """Hop boundary: the residual to expect, a high quantile of the recent observations."""
        if self._fresh_residuals and len(self._residuals_db) >= MIN_RESIDUAL_OBSERVATIONS:
            self._fresh_residuals = False
            ranked = sorted(self._residuals_db)
            self.residual_db = ranked[int(RESIDUAL_QUANTILE * (len(ranked) - 1))]

    def snapshot(self, partner: ChannelState) -> ChannelSnapshot:
        """What this channel's decisions use now, with its ``partner``'s own-speech statistics."""
        own, other = self.own_ild_db, partner.own_ild_db
        coupling = -other if other is not None else None
        if own is None and coupling is not None:
            own = coupling + 2 * PRIOR_ATTENUATION_DB        # the symmetry of the two paths
        if coupling is None and own is not None:
            coupling = own - 2 * PRIOR_ATTENUATION_DB
        near = own - NEAR_BELOW_OWN_DB if own is not None else None
        weak = coupling + (own - coupling) * WEAK_SHARE if own is not None and coupling is not None else None
        low = partner.own_ild_low_db
        return ChannelSnapshot(self.noise, self.speech, -low if low is not None else None, near, weak,
                               partner.speech, self.residual_db, self.canceller.filter, self.band_bleed.coupling)


class CrosstalkGate:
    """Per-frame own-speech decisions for two channels, with the room learned on the fly.

    ``process`` returns the decisions that became final (their number can differ from the
    frames given: the first frames wait until the voices are learned, and every frame waits
    ``extend_before_s`` for what follows); ``flush`` returns the rest at the end.
    """

    def __init__(self, cfg: Crosstalk, rate_hz: int, frame_samples: int, hop_frames: int):
        self.cfg = cfg
        self.frame_samples = frame_samples
        self.hop_frames = hop_frames
        frame_s = frame_samples / rate_hz
        self.max_lag = max(1, int(round(cfg.max_delay_ms * rate_hz / 1000)))
        self.gate = 10 ** (cfg.noise_gate_db / 10)
        self.margin = 10 ** (cfg.margin_db / 10)
        self.speech_range = 10 ** (-cfg.speech_range_db / 10)
        self.hop_s = hop_frames * frame_s
        noise_hops = max(1, int(round(NOISE_WINDOW_S / self.hop_s)))
        # the pair: each channel's partner is the other one
        self.channels = [ChannelState(k, 1 - k, noise_hops, BleedCanceller(self.max_lag + 1, self.hop_s))
                         for k in range(CHANNELS)]
        self._coherence = _Coherence()
        self._window = CORRELATION_FRAMES * frame_samples - self.max_lag
        self._hann = np.hanning(self._window).astype(np.float32)
        # a correlation's channel-1 stretch and the wider channel-2 one, relative to the stretch's end
        self._stretch_offsets = np.arange(self._window) - self._window
        self._wide_offsets = np.arange(self._window + 2 * self.max_lag) - self._window - self.max_lag
        # a frame's samples, and the partner's it is learned from (``max_lag`` more before them), relative to its start
        self._frame_offsets = np.arange(frame_samples)
        self._leak_offsets = np.arange(frame_samples + self.max_lag) - self.max_lag
        self._bands = BandAnalyser(rate_hz, frame_samples)
        self.frame_s = frame_s
        self.history = max((CORRELATION_FRAMES - 1) * frame_samples + self.max_lag,   # samples kept before a frame
                           (TAIL_FRAMES - 1) * frame_samples + self._bands.lookback if cfg.band_bleed else 0)
        self._fft = 1 << int(np.ceil(np.log2(self._window + 2 * self.max_lag)))
        self._hold_frames = max(1, int(round(cfg.learn_first_s / frame_s)))
        self._correlate_every_hops = [self._every_hops(s) for s in (CORRELATE_EVERY_S, SETTLED_CORRELATE_EVERY_S)]
        self._settled_after_hops = self._every_hops(SETTLED_AFTER_S)
        self.learned = not cfg.enabled or cfg.learn_first_s == 0    # the first decisions no longer wait
        self._hops = 0
        # frames given but not decided yet: energy, vad, bleed reference, and their samples (with ``history``
        # samples before them), and the segments they fall into
        self._samples = np.zeros((self.history, CHANNELS), np.float32)
        self._energy = np.zeros((CHANNELS, 0))
        self._vad = np.zeros((CHANNELS, 0), dtype=bool)
        self._reference = np.zeros((CHANNELS, 0))
        self._recent = np.zeros((CHANNELS, 0))        # the loudest of the last ``TALK_HOLD_FRAMES`` frames
        self._segments: list[_Segment] = []
        self._last_energies = np.zeros((CHANNELS, TALK_HOLD_FRAMES - 1))
        # the hop being filled, for learning: its samples (with ``history`` before them), energy and vad
        self._hop_samples = np.zeros((self.history, CHANNELS), np.float32)
        self._hop_energy = np.zeros((CHANNELS, 0))
        self._hop_vad = np.zeros((CHANNELS, 0), dtype=bool)
        self._state = self._current_states()
        self._sounding = False                 # a frame with any sound has come (before it: digital silence)
        self._extender = _Extender(*(int(round(x / frame_s)) for x in (cfg.extend_before_s, cfg.extend_after_s,
                                                                         CHAIN_BEFORE_S, CHAIN_AFTER_S)))
        self._gaps = _MaskedGaps(int(round(cfg.masked_gap_s / frame_s)))

    # -- public -----------------------------------------------------------------------------
    def process(self, samples: np.ndarray, energy: np.ndarray, vad: np.ndarray) -> np.ndarray:
        """Own-speech flags (2, n) that became final, after the next F frames: ``samples`` (F*L, 2) float32,
        ``energy`` and ``vad`` (2, F)."""
        if energy.shape[0] != CHANNELS or samples.shape[1] != CHANNELS:
            raise ValueError(f"the crosstalk gate handles exactly {CHANNELS} headset channels for now (each wearer's "
                             f"partner is the other), got {energy.shape[0]}")
        self._append(samples, energy, vad)
        if not self.learned:
            return np.zeros((CHANNELS, 0), dtype=bool)
        return self._gaps.push(*self._extender.push(*self._decide_pending()))

    def flush(self) -> np.ndarray:
        """End of stream: decide every frame still waiting."""
        if not self.learned:
            self._release()
        own = [self._gaps.push(*self._extender.push(*self._decide_pending())),
               self._gaps.push(*self._extender.flush()), self._gaps.flush()]
        return np.concatenate(own, axis=1)

    @property
    def pending_frames(self) -> int:
        """Frames given whose decisions are not final yet."""
        return self._energy.shape[1] + self._extender.waiting + self._gaps.waiting

    # -- input and learning ---------------------------------------------------------------------
    def _append(self, samples: np.ndarray, energy: np.ndarray, vad: np.ndarray) -> None:
        """Add F frames to the pending store, learning at every hop boundary they cross."""
        F, L = energy.shape[1], self.frame_samples
        history = np.concatenate((self._last_energies, energy), axis=1)
        self._last_energies = history[:, -(TALK_HOLD_FRAMES - 1):]
        # each frame's energy with those of the frames before it: ``earlier[j]`` is ``j`` frames back
        earlier = [history[:, TALK_HOLD_FRAMES - 1 - j:history.shape[1] - j] for j in range(TALK_HOLD_FRAMES)]
        reference = np.maximum(earlier[0], earlier[1])          # the loudest of this frame and the one before
        recent = reference
        for back in earlier[2:]:
            recent = np.maximum(recent, back)
        base = self._energy.shape[1]
        self._samples = np.concatenate((self._samples, samples))
        self._energy = np.concatenate((self._energy, energy), axis=1)
        self._vad = np.concatenate((self._vad, vad), axis=1)
        self._reference = np.concatenate((self._reference, reference), axis=1)
        self._recent = np.concatenate((self._recent, recent), axis=1)
        start = 0
        if not self._sounding:               # the hops start with the first sound, wherever it is
            sound = np.flatnonzero((energy > MIN_ENERGY).any(axis=0))
            start = int(sound[0]) if len(sound) else F
            self._sounding = bool(len(sound))
            if start:
                self._segments.append(_Segment(base, base + start, None))
        if start < F:
            self._learn(samples[start * L:], energy[:, start:], vad[:, start:], base + start)

    def _learn(self, samples: np.ndarray, energy: np.ndarray, vad: np.ndarray, first: int) -> None:
        """Add frames (pending frame ``first`` on) to the hop being filled and learn from every hop they fill.

        What depends on the energies alone (levels, noise floors, the frames each mic hears clearly and louder)
        is worked out for all the filled hops at once; the rest hop by hop, in order.
        """
        H, L = self.hop_frames, self.frame_samples
        before = self._hop_energy.shape[1]                  # frames of the first hop given earlier
        energy = np.concatenate((self._hop_energy, energy), axis=1)
        vad = np.concatenate((self._hop_vad, vad), axis=1)
        samples = np.concatenate((self._hop_samples, samples))     # with ``history`` samples before frame 0
        hops = energy.shape[1] // H
        filled = hops * H
        level_db = 10 * np.log10(np.maximum(energy[:, :filled], MIN_ENERGY))
        ild_db = level_db - level_db[[ch.partner for ch in self.channels]]   # each mic's level minus its partner's
        levels = _noise_levels(energy[:, :filled].reshape(CHANNELS, hops, H))
        floors = [ch.noise_floors(levels[ch.index]) for ch in self.channels]
        floor_db = 10 * np.log10(np.array(floors, dtype=float))             # NaN: no floor yet
        clear = vad[:, :filled] & (level_db > np.repeat(floor_db + CLEAR_DB, H, axis=1)) & (ild_db > LOUDER_DB)
        own = [(level_db[k, clear[k]], ild_db[k, clear[k]]) for k in range(CHANNELS)]   # the wearers' voices
        stretch = _Hop(samples, energy, vad, level_db)
        ends = np.cumsum(clear.reshape(CHANNELS, hops, H).sum(axis=2), axis=1).tolist()    # ... up to each hop's end
        correlations = self._correlations(stretch, hops)
        for h in range(hops):
            a, b = h * H, (h + 1) * H
            self._add_segment(first + max(a, before) - before, first + b - before)
            changed = False                                 # something the snapshots hold
            for ch, (own_db, own_ild_db), end in zip(self.channels, own, ends):
                if floors[ch.index][h] != ch.noise:
                    ch.noise, changed = floors[ch.index][h], True
                lo = end[h - 1] if h else 0
                if end[h] > lo:
                    ch.by_level.extend(own_db[lo:end[h]], own_ild_db[lo:end[h]])
            if self._adapt(stretch, a, b, correlations.get(h)) or changed:
                self._state = self._current_states()
            if not self.learned and (min(ch.own_frames for ch in self.channels) >= LEARNED_OWN or
                                     self._hops * H >= self._hold_frames):
                self._release()
        self._add_segment(first + max(filled, before) - before, first + energy.shape[1] - before)
        self._hop_samples = samples[filled * L:].copy()
        self._hop_energy, self._hop_vad = energy[:, filled:].copy(), vad[:, filled:].copy()

    def _add_segment(self, start: int, stop: int) -> None:
        """Frames ``start`` to ``stop`` are decided with the current snapshots (one segment with the frames just
        before when those had the same)."""
        if stop > start:
            last = self._segments[-1] if self._segments else None
            if last is not None and last.states is self._state and last.stop == start:
                self._segments[-1] = last._replace(stop=stop)
            else:
                self._segments.append(_Segment(start, stop, self._state))

    def _release(self) -> None:
        """The first frames waited for the voices to be learned: decide them all with what is known now."""
        self.learned = True
        state = self._current_states()
        self._segments = [seg._replace(states=state) if seg.states else seg for seg in self._segments]

    def _current_states(self) -> tuple[ChannelSnapshot, ChannelSnapshot]:
        first, second = self.channels
        return first.snapshot(second), second.snapshot(first)

    def _adapt(self, stretch: _Hop, start: int, stop: int, correlation: _Correlation | None) -> bool:
        """Learn the rest from the hop just filled, frames ``start`` to ``stop`` of ``stretch`` (its noise floor
        and clear own speech are learned; ``correlation``: its candidates' if it may be correlated); whether
        anything the snapshots hold may have changed."""
        self._hops += 1
        correlate = self._correlates(self._hops)
        bands = self.cfg.band_bleed and self._hops % LEARN_BANDS_EVERY == 0
        if not correlate and not bands:     # only own speech came: the filters and residuals just age
            for ch in self.channels:
                ch.canceller.update()
            return self._update_own()
        if correlate and correlation is not None and len(correlation.frames):
            self._learn_correlated(stretch.part(start, stop, self.frame_samples, self.history), correlation)
        self._update_own()
        if bands:
            self._learn_band_bleed(stretch.part(start, stop, self.frame_samples, self.history))
        for ch in self.channels:
            ch.canceller.update()
            ch.update_residual()
        return True

    def _update_own(self) -> bool:
        """Each wearer's own-speech statistics; unless they are two voices each louder in their own mic,
        no ILD is learned. Whether any were recomputed."""
        coherent = self._coherence.coherent
        updated = [ch.update_own(coherent) for ch in self.channels]
        if not any(updated):
            return False
        ild_1, ild_2 = (ch.own_ild_db for ch in self.channels)
        if ild_1 is not None and ild_2 is not None and ild_1 + ild_2 < 2 * MIN_ATTENUATION_DB:
            for ch in self.channels:
                ch.forget_ild()
        return True

    def _learn_band_bleed(self, hop: _Hop) -> None:
        """The hop's frames where one partner talks alone (their mic hears them clearly, and louder than all
        but the least-bled 30 % of their speech): how much of each band reaches the other mic."""
        level_db, vad = hop.level_db, hop.vad
        picked = []
        for receiver in self.channels:
            src = self.channels[receiver.partner]
            t = np.zeros(0, dtype=int)
            if src.own_ild_low_db is not None and src.noise is not None:
                s, r = src.index, receiver.index
                t = np.flatnonzero(vad[s] & (level_db[s] > 10 * np.log10(src.noise) + CLEAR_DB)
                                   & (level_db[s] - level_db[r] >= src.own_ild_low_db))
                t = t[np.argsort(level_db[s, t])[::-1][:LEARN_BANDS_FRAMES]]
            picked.append(t)
        frames = np.union1d(*picked)
        if len(frames):
            starts = self.history + frames * self.frame_samples
            bands = [self._bands.energies(hop.samples[:, k], starts) for k in range(CHANNELS)]
            for receiver in self.channels:
                rows = np.searchsorted(frames, picked[receiver.index])
                if len(rows):
                    receiver.band_bleed.learn(bands[receiver.index][rows], bands[receiver.partner][rows])
        for receiver in self.channels:
            receiver.band_bleed.update()

    def _every_hops(self, seconds: float) -> int:
        return max(1, int(round(seconds / self.hop_s)))

    def _correlates(self, hop: int) -> bool:
        """Whether the ``hop``-th hop's correlations are examined."""
        return not self.learned or hop % self._correlate_every_hops[hop >= self._settled_after_hops] == 0

    def _correlations(self, stretch: _Hop, hops: int) -> dict[int, _Correlation]:
        """The candidates' correlations of each of the ``hops`` filled hops of ``stretch`` that may be examined
        (every one while the voices are learned), worked out together; by hop, frames relative to it."""
        H = self.hop_frames
        due = [h for h in range(hops) if self._correlates(self._hops + 1 + h)]
        picked = [self._candidates(stretch.energy[:, h * H:(h + 1) * H], stretch.vad[:, h * H:(h + 1) * H])
                  for h in due]
        if not sum(len(frames) for frames in picked):
            return {}
        rho, lag = self._correlate(stretch.samples, np.concatenate([h * H + f for h, f in zip(due, picked)]))
        bounds = np.cumsum([0] + [len(frames) for frames in picked]).tolist()
        return {h: _Correlation(frames, rho[lo:hi], lag[lo:hi])
                for h, frames, lo, hi in zip(due, picked, bounds, bounds[1:])}

    def _candidates(self, energy: np.ndarray, vad: np.ndarray) -> np.ndarray:
        """The loudest speech frames of each channel in the hop (hop-relative indices)."""
        picked = np.zeros(energy.shape[1], dtype=bool)
        for k in range(CHANNELS):
            idx = np.flatnonzero(vad[k])
            picked[idx[np.argsort(energy[k, idx])[::-1][:CANDIDATES_PER_HOP // 2]]] = True
        return np.flatnonzero(picked)

    def _learn_correlated(self, hop: _Hop, correlation: _Correlation) -> None:
        """Examine the correlation of the hop's candidate frames: who was heard first, and the leak filters."""
        level_db = hop.level_db
        frames, rho, lag = correlation
        correlated = (rho >= self.cfg.learn_min_correlation) & (lag != 0)
        source = np.where(lag > 0, 0, 1)            # lag > 0: mic 2 heard it later, so it is the first wearer's
        self._coherence.add(correlated)
        for ch in self.channels:
            t = frames[correlated & (source == ch.index)]
            if len(t):
                ch.by_lag.extend(level_db[ch.index, t], level_db[ch.index, t] - level_db[ch.partner, t])
        if not self.cfg.cancel_bleed or (self._coherence.judged and not self._coherence.coherent):
            return                                  # a room's bleed is no copy a short filter could cancel
        L, padded = self.frame_samples, hop.samples
        for ch in self.channels:
            r, src = ch.index, ch.partner           # the partner's voice, leaking into this mic
            t = frames[correlated & (source == src)]
            if not len(t):
                continue
            starts = self.history + t * L
            ch.canceller.learn(padded[starts[:, None] + self._leak_offsets, src],
                               padded[starts[:, None] + self._frame_offsets, r])
            low = self.channels[src].own_ild_low_db
            if low is not None:         # what is left is measured on bleed alone, not while both talk
                t = t[level_db[r, t] - level_db[src, t] <= -low + self.cfg.margin_db]
            leak = ch.canceller.filter
            if leak is not None and len(t):
                starts = self.history + t * L
                left = leak.residual_energy(padded[:, src], padded[:, r], starts, L)
                left -= ch.noise or 0.0      # the mic's own noise is the floor's business
                ch.add_residuals(
                    (10 * np.log10(np.maximum(left, 1e-9) / np.maximum(hop.energy[src, t], 1e-9))).tolist())

    def _correlate(self, padded: np.ndarray, frames: np.ndarray):
        """Correlation strength and lag (samples; > 0: channel 2 hears it later) at ``frames``.

        ``padded`` (history + F*L, 2) holds ``self.history`` samples before frame 0.
        Each frame is judged on a Hann-windowed stretch of about three frames that ends
        ``max_lag`` samples before the frame's end, so that every lag is covered by samples
        of the hop. The lag comes from GCC-PHAT (whitened cross-spectrum), which keeps
        the true delay's peak sharp where voiced speech would give pitch-period ghosts; the
        strength is the normalised plain correlation at that lag.
        """
        D, W, n = self.max_lag, self._window, self._fft
        ends = self.history + (frames + 1) * self.frame_samples - D      # exclusive end of channel-1 stretch
        a = padded[ends[:, None] + self._stretch_offsets, 0] * self._hann
        b = padded[ends[:, None] + self._wide_offsets, 1]
        cross = np.conj(np.fft.rfft(a, n)) * np.fft.rfft(b, n)
        phat = np.fft.irfft(cross / (np.abs(cross) + 1e-9), n)[:, :2 * D + 1]
        peak = np.argmax(phat, axis=1)
        rows = np.arange(len(frames))
        plain = np.fft.irfft(cross, n)[rows, peak]
        matched = b[rows[:, None], peak[:, None] + np.arange(W)[None, :]] * self._hann
        rho = plain / (np.sqrt((a * a).sum(axis=1) * (matched * matched).sum(axis=1)) + 1e-9)
        return rho, peak - D

    # -- decisions ------------------------------------------------------------------------------
    def provisional(self) -> np.ndarray:
        """While the first frames wait (``learned`` is False): what they would be with what is known now
        (for a live display; nothing is decided)."""
        state = self._current_states()
        core, weak, _ = self._flags([seg._replace(states=state) if seg.states else seg for seg in self._segments],
                                    cancel=False)
        return core | weak

    def _flags(self, segments: list[_Segment], cancel: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Core, weak and masked flags (see the module docstring) of every pending frame."""
        F = self._energy.shape[1]
        if not self.cfg.enabled or not segments:
            core = self._vad.copy() if not self.cfg.enabled else np.zeros((CHANNELS, F), dtype=bool)
            return core, np.zeros((CHANNELS, F), dtype=bool), np.zeros((CHANNELS, F), dtype=bool)
        lengths = [seg.stop - seg.start for seg in segments]
        bands = _PendingBands(self._bands, self._samples, self.history, F) if self.cfg.band_bleed else None
        return self._decide(segments, lengths, cancel, bands)

    def _decide_pending(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Core, weak and masked flags of every pending frame; then forget the frames, keeping the samples
        the next correlations and cancellations need."""
        F = self._energy.shape[1]
        core, weak, masked = self._flags(self._segments)
        self._samples = self._samples[F * self.frame_samples:]
        self._energy, self._vad = self._energy[:, F:], self._vad[:, F:]
        self._reference, self._recent = self._reference[:, F:], self._recent[:, F:]
        self._segments = []
        return core, weak, masked

    def _decide(self, segments: list[_Segment], lengths: list[int], cancel: bool,
                bands: _PendingBands | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Decide the pending frames of both channels into core, weak and masked (see the module docstring),
        each with the state of its segment: all segments at once, the thresholds worked out per segment and
        spread over its frames (arrays (2, segments) and (2, frames), a channel per row)."""
        def known(x: np.ndarray) -> np.ndarray:
            return ~np.isnan(x)

        def fill(x: np.ndarray, value: float = 0.0) -> np.ndarray:
            return np.where(known(x), x, value)

        def spread(per_segment: np.ndarray) -> np.ndarray:
            return np.repeat(per_segment, lengths, axis=-1)

        silent = ((None,) * _SNAPSHOT_NUMBERS,) * CHANNELS
        table = np.array([silent if seg.states is None else [state[:_SNAPSHOT_NUMBERS] for state in seg.states]
                          for seg in segments], dtype=float)          # NaN where unknown (and in digital silence)
        noise, speech, coupling, near_db, weak_db, partner_speech, residual = table.transpose(2, 1, 0)
        has_speech, lone = known(speech), ~known(coupling)    # lone: no partner voice learned yet
        never = -np.inf                                       # a threshold every frame passes
        floor_s = np.maximum(fill(noise) * self.gate, fill(speech) * self.speech_range)
        near_ild = np.where(known(near_db), 10 ** (fill(near_db) / 10), never)
        near_level = np.where(has_speech, fill(speech) * 10 ** (-NEAR_RANGE_DB / 10), never)
        weak_ild = np.where(known(weak_db), 10 ** (fill(weak_db) / 10), never)
        partner_talks = fill(partner_speech, np.inf) * 10 ** (-PARTNER_TALKS_DB / 10)
        with_partner = known(partner_speech) & ~lone     # the partner is talking: the bleed is what to beat
        # both talk, and this mic near its wearer's level: the weaker the bleed, the farther below it a voice may be
        both_range_db = np.clip(-fill(coupling) - BOTH_BELOW_BLEED_DB, BOTH_RANGE_DB, BOTH_RANGE_MAX_DB)
        both_level = np.where(has_speech, fill(speech) * 10 ** (-both_range_db / 10), never)
        sounding = np.array([seg.states is not None for seg in segments])
        filtered = np.array([[False] * CHANNELS if seg.states is None else [state.filter is not None for state in
                                                                           seg.states] for seg in segments]).T
        cancels_s = known(residual) & ~lone & filtered

        partners = [ch.partner for ch in self.channels]
        energy, reference = self._energy, self._reference[partners]
        floor = spread(floor_s)
        heard = spread(sounding) & self._vad & (energy > floor)
        bleed = reference * spread(10 ** (fill(coupling, -np.inf) / 10))
        clear = spread(lone) | (energy > floor + bleed * self.margin)
        ild = energy / np.maximum(reference, MIN_ENERGY)
        near = ((ild > spread(near_ild)) & (energy > spread(near_level))) | spread(lone)
        partner = spread(with_partner)
        talking = partner & (self._recent[partners] > spread(partner_talks))
        partner_now = partner & (self._energy[partners] > spread(partner_talks))
        both = partner_now & (energy > spread(both_level))
        if cancel and bands is not None:
            for ch in self.channels:
                k = ch.index
                clear[k] = self._spectrally_clear(ch, segments, lengths, heard[k] & partner_now[k], clear[k], bands)
        strong = np.zeros_like(heard)
        if cancel and cancels_s.any():
            cancels = spread(cancels_s)
            effective = cancels & spread(fill(residual, np.inf) <= coupling - CANCELS_DB)
            needed = cancels & heard & (~clear | (effective & ~near & ~both))   # what only the canceller can decide
            if needed.any():                            # (worked out only there: it costs a convolution)
                left = np.stack([self._left_after_cancelling(ch, segments, needed[ch.index]) for ch in self.channels])
                after = cancels & (left > floor + reference * spread(10 ** (fill(residual) / 10))
                                   * self.margin ** 2)
                clear |= after
                strong = after & effective
        ok = heard & clear
        core = ok & (near | both | strong)
        weak = ok & ~core & ((ild > spread(weak_ild)) | partner_now)
        masked = (talking & ~ok) | (ok & ~core & ~weak)   # masked, or clear but not told apart
        return core, weak, masked

    def _spectrally_clear(self, ch: ChannelState, segments: list[_Segment], lengths: list[int], asked: np.ndarray,
                          clear: np.ndarray, bands: _PendingBands) -> np.ndarray:
        """``clear`` with the ``asked`` frames (the partner talking) judged band by band instead: clear when
        ``UNEXPLAINED_SHARE`` of the frame is more than ``margin`` above the bleed its bands may hold."""
        k = ch.index
        rows = [seg.states[k].band_coupling if seg.states is not None else None for seg in segments]
        segment = np.repeat(np.arange(len(segments)), lengths)          # each pending frame's segment
        t = np.flatnonzero(asked & np.array([r is not None for r in rows])[segment])
        if not len(t):
            return clear
        coupling = np.stack([r if r is not None else np.zeros(BANDS) for r in rows])[segment[t]]
        needed = np.zeros(len(asked) + TAIL_FRAMES - 1, dtype=bool)     # the frames whose partner bands the tails use
        needed[(t[:, None] + np.arange(TAIL_FRAMES)[None, :]).ravel()] = True
        span = np.flatnonzero(needed)
        partner = np.full((len(needed), BANDS), TINY, dtype=np.float32)
        partner[span] = bands.get(ch.partner, span - (TAIL_FRAMES - 1))
        share = unexplained_share(bands.get(k, t), coupling * tail(partner, t, self.frame_s), self.margin)
        out = clear.copy()
        out[t] = share > UNEXPLAINED_SHARE
        return out

    def _left_after_cancelling(self, ch: ChannelState, segments: list[_Segment], needed: np.ndarray) -> np.ndarray:
        """Channel ``ch``'s pending frame energies after cancelling the partner's leak, at the ``needed`` frames
        (0 elsewhere, and where no filter applies)."""
        k, L = ch.index, self.frame_samples
        left = np.zeros(self._energy.shape[1])

        def used(seg: _Segment) -> LeakFilter | None:
            if seg.states is None or seg.states[k].residual_db is None:
                return None
            return seg.states[k].filter

        for _, grouped in groupby(segments, key=lambda seg: id(used(seg))):
            run = list(grouped)
            leak = used(run[0])
            frames = np.flatnonzero(needed[run[0].start:run[-1].stop]) + run[0].start
            if leak is not None and len(frames):
                left[frames] = leak.residual_energy(self._samples[:, ch.partner], self._samples[:, k],
                                                    self.history + frames * L, L)
        return left


class _PendingBands:
    """Band energies of the pending frames (and the ``TAIL_FRAMES - 1`` before them), each worked out once, when
    first asked for (both channels' decisions use them)."""

    def __init__(self, analyser: BandAnalyser, samples: np.ndarray, history: int, frames: int):
        self._analyser, self._samples, self._history = analyser, samples, history
        self._values = np.zeros((CHANNELS, frames + TAIL_FRAMES - 1, BANDS), np.float32)
        self._done = np.zeros((CHANNELS, frames + TAIL_FRAMES - 1), dtype=bool)

    def get(self, k: int, frames: np.ndarray) -> np.ndarray:
        """Channel ``k``'s band energies at pending ``frames`` (from ``1 - TAIL_FRAMES`` on)."""
        rows = frames + TAIL_FRAMES - 1
        todo = rows[~self._done[k, rows]]
        if len(todo):
            starts = self._history + (todo - (TAIL_FRAMES - 1)) * self._analyser.frame_samples
            self._values[k, todo] = self._analyser.energies(self._samples[:, k], starts)
            self._done[k, todo] = True
        return self._values[k, rows]


class _Extender:
    """Streaming: core frames count in runs of at least ``MIN_CORE_RUN``; a weak frame counts when
    such a core frame lies at most ``after`` frames before it or ``before`` frames after it, or, with
    nothing but weak, core or masked frames between them, ``chain_after`` / ``chain_before`` frames.
    Every frame waits ``lookahead`` frames for what follows."""

    def __init__(self, before: int, after: int, chain_before: int, chain_after: int):
        self.before, self.after = before, after
        self.chain_before, self.chain_after = max(before, chain_before), max(after, chain_after)
        self.lookahead = self.chain_before + MIN_CORE_RUN - 1   # a decision waits: a run after it must be judged
        self._core = np.zeros((CHANNELS, 0), dtype=bool)
        self._weak = np.zeros((CHANNELS, 0), dtype=bool)
        self._masked = np.zeros((CHANNELS, 0), dtype=bool)
        self._carries = [_RunCarry() for _ in range(CHANNELS)]

    @property
    def waiting(self) -> int:
        return self._core.shape[1]

    def push(self, core: np.ndarray, weak: np.ndarray, masked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Own and masked flags of the frames that became final."""
        self._core = np.concatenate((self._core, core), axis=1)
        self._weak = np.concatenate((self._weak, weak), axis=1)
        self._masked = np.concatenate((self._masked, masked), axis=1)
        return self._emit(max(0, self._core.shape[1] - self.lookahead))

    def flush(self) -> tuple[np.ndarray, np.ndarray]:
        return self._emit(self._core.shape[1])

    def _emit(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Decide the first ``n`` waiting frames (the ``lookahead`` frames after them are known, or never come);
        both channels at once, a channel per row."""
        core, weak, masked = self._core, self._weak, self._masked
        F = core.shape[1]
        idx = np.arange(F)
        since_core, since_chain, run = (np.array([getattr(c, name) for c in self._carries])[:, None]
                                        for name in ("since_core", "since_chain", "run"))
        solid = _solid(core, run)
        prev = np.maximum.accumulate(np.where(solid, idx, -10 ** 9), axis=1)      # the last solid frame so far
        nxt = np.minimum.accumulate(np.where(solid, idx, 10 ** 9)[:, ::-1], axis=1)[:, ::-1]   # the next one
        since = np.minimum(idx - prev, since_core + idx)
        near = (since <= self.after) | (nxt - idx <= self.before)
        # a chain: weak frames joined to the run without a break count farther from it
        joined = weak | core | masked
        block = np.cumsum(~joined, axis=1)
        chain_since = np.minimum(
            np.where((prev >= 0) & (np.take_along_axis(block, np.maximum(prev, 0), axis=1) == block), idx - prev,
                     10 ** 9),
            np.where(block == 0, since_chain + idx, 10 ** 9))
        chain_next = np.where(np.take_along_axis(block, np.minimum(nxt, F - 1), axis=1) == block, nxt - idx, 10 ** 9)
        near |= (chain_since <= self.chain_after) | (chain_next <= self.chain_before)
        own = solid[:, :n] | (weak[:, :n] & near[:, :n]) | (core[:, :n] & near[:, :n])
        if n:
            ended = np.where(core[:, :n], -1, idx[:n]).max(axis=1)       # the last frame that is not core, or -1
            for k, carry in enumerate(self._carries):
                carry.since_core = int(since[k, n - 1]) + 1
                carry.since_chain = min(int(chain_since[k, n - 1]), 10 ** 9) + 1 if joined[k, n - 1] else 10 ** 9
                carry.run = carry.run + n if ended[k] < 0 else n - 1 - int(ended[k])
        self._core, self._weak, self._masked = core[:, n:], weak[:, n:], masked[:, n:]
        return own, masked[:, :n] & ~own


class _RunCarry:
    """What one channel's emitted frames leave to the ``_Extender``'s next decisions."""

    def __init__(self) -> None:
        self.since_core = 10 ** 9     # frames from the last counted core frame to the first waiting one
        self.since_chain = 10 ** 9    # ... the same, through weak, core or masked frames only
        self.run = 0                  # core frames in a row up to the first waiting one


def _solid(core: np.ndarray, run: np.ndarray) -> np.ndarray:
    """Core frames (channels, frames) that belong to a run of at least ``MIN_CORE_RUN``, counting each
    channel's ``run`` (channels, 1) of core frames just before them."""
    idx = np.arange(core.shape[1])
    start = np.maximum.accumulate(np.where(core, 0, idx + 1), axis=1)         # where a core frame's run began
    stop = np.minimum.accumulate(np.where(core, core.shape[1], idx)[:, ::-1], axis=1)[:, ::-1]   # ... and ends
    return core & (stop - start + np.where(start == 0, run, 0) >= MIN_CORE_RUN)


def _runs(flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and stops of the runs of True in ``flags`` (1-D)."""
    padded = np.zeros(len(flags) + 2, dtype=bool)
    padded[1:-1] = flags
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return edges[::2], edges[1::2]


def _spans(n: int, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """``n`` flags, True in the disjoint, separated spans ``[starts, stops)``."""
    marks = np.zeros(n + 1, dtype=np.int8)
    marks[starts], marks[stops] = 1, -1
    return np.cumsum(marks[:-1]) > 0


class _MaskedGaps:
    """Streaming: a gap of at most ``longest`` frames between own frames, all of it masked by the partner's
    louder voice (the partner talks, and nothing here beats their bleed), is filled: the wearer went on talking
    where their voice could not be told from the partner's."""

    def __init__(self, longest: int):
        self.longest = longest
        self._own = np.zeros((CHANNELS, 0), dtype=bool)
        self._masked = np.zeros((CHANNELS, 0), dtype=bool)
        self._after_own = np.zeros(CHANNELS, dtype=bool)   # the frame before the waiting ones was own

    @property
    def waiting(self) -> int:
        return self._own.shape[1]

    def push(self, own: np.ndarray, masked: np.ndarray) -> np.ndarray:
        self._own = np.concatenate((self._own, own), axis=1)
        self._masked = np.concatenate((self._masked, masked), axis=1)
        return self._emit(final=False)

    def flush(self) -> np.ndarray:
        return self._emit(final=True)

    def _emit(self, final: bool) -> np.ndarray:
        own, masked = self._own.copy(), self._masked
        F = own.shape[1]
        ready = F
        for k in range(CHANNELS):
            a, b = _runs(~own[k])                              # runs [a, b) of frames that are not own
            unmasked = np.concatenate(([0], np.cumsum(~masked[k])))
            fillable = (((a > 0) | self._after_own[k]) & (b - a <= self.longest)
                        & (unmasked[b] - unmasked[a] <= GAP_UNMASKED))
            closed = fillable & (b < F)
            own[k] |= _spans(F, a[closed], b[closed])
            if not final and len(b) and b[-1] == F and fillable[-1]:
                ready = min(ready, int(a[-1]))                 # may still be filled when own speech follows
        out, self._own, self._masked = own[:, :ready], own[:, ready:], masked[:, ready:]
        if ready:
            self._after_own = out[:, -1].copy()
        return out


"""The phrase bank: real read speech (LibriSpeech) cut into the phrases and backchannel tokens that the
turn-taking script places. ``cut_phrases`` cuts one utterance at its own silences into gated,
level-normalised, peak-limited phrases (the rules are in ``PhraseBank.from_folder``); ``analyse``
wraps 16 kHz audio as an ``Item`` with its audible segments and word-like energy dips, which the
script uses to place events; ``truncate`` cuts an item with a short fade-out; ``_tokens`` finds the
0.25-0.7 s backchannel-like tokens; ``PhraseBank`` holds the phrases and tokens of each speaker.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.ndimage
import scipy.signal
import soundfile as sf
import soxr

from benchmarks.simulate.common import FRAME, MIN_PAUSE_FRAMES, MIN_SPURT_FRAMES, RATE, _db, _frame_power, _frames
from talkbalance.core.intervals import bridge, drop_short, runs

AUDIO_EXTENSIONS = (".flac", ".wav", ".ogg", ".aiff", ".aif")

# PhraseBank.from_folder: phrase cutting (per utterance, 10 ms frames)
SILENCE_BELOW_P95_DB = 35.0  # a frame is silent when its power is this far below the utterance's 95th percentile
CUT_SILENCE_S = 0.25         # cut phrases at silences at least this long
MIN_PHRASE_S = 0.40
PAD_S = 0.02                 # kept around the first / last non-silent frame
TARGET_DBFS = -20.0          # active-speech RMS of every phrase and token
PHRASE_PEAK = 1.0            # rare peaks above this (crest factor > 20 dB: plosive pops) are soft-limited
# LibriSpeech test-other is not clean: some readers' noise floor is only 20-35 dB below the 95th
# percentile, where the 35 dB rule would call the noise speech. The silence threshold is therefore
# raised to FLOOR_MARGIN_DB above the utterance's noise floor (its 10th-percentile frame power) when
# that is higher; utterances whose 95th percentile is less than MIN_SNR_DB above the floor are not
# used; and silent frames are gated to zero (10 ms ramps, one frame of slack each side), so that the
# placed sources are clean and the reference from them is exact.
FLOOR_PERCENTILE = 10
FLOOR_MARGIN_DB = 6.0
MIN_SNR_DB = 25.0

# Audible segments of a bank item (used to place events; independent of the channel model).
# A frame is audible when its power is above SEGMENT_DBFS (30 dB below the phrase's active RMS,
# about the bank's gate for clean readers); gaps < 0.2 s are bridged and runs < 0.1 s dropped, as in
# METRICS 1.4. The reference (-55 dBFS after gain) agrees unless a mic's effective gain
# (gain_db + speech_scale_db) is below about -5 dB, where it may lose weak edge frames.
SEGMENT_DBFS = -50.0

# Backchannel tokens
TOKEN_S = (0.25, 0.70)
DIP_DEPTH_DB = 6.0           # a word-like dip is this much below the maxima on both sides
DIP_REACH_FRAMES = 15
MAX_TOKENS = 40

# truncate
FADE_S = 0.02


def _pad_frames(x: np.ndarray) -> np.ndarray:
    """Zero-pad to a whole number of 10 ms frames."""
    extra = (-len(x)) % FRAME
    return np.concatenate((x, np.zeros(extra, x.dtype))) if extra else x


def _fade(x: np.ndarray, head: int, tail: int) -> np.ndarray:
    """Copy of ``x`` with linear fade-in over ``head`` and fade-out over ``tail`` samples."""
    x = np.array(x, dtype=np.float32)
    if head:
        x[:head] *= np.linspace(0.0, 1.0, head, endpoint=False, dtype=np.float32)
    if tail:
        x[len(x) - tail:] *= np.linspace(1.0, 0.0, tail, dtype=np.float32)
    return x


def _normalise(x: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Scale ``x`` so that its RMS over the ``active`` frames is TARGET_DBFS."""
    p = _frame_power(x)
    active = np.asarray(active[:len(p)], bool)
    mean = float(p[active].mean()) if active.any() else float(p.mean())
    return (x * (10 ** (TARGET_DBFS / 20) / max(math.sqrt(mean), 1e-9))).astype(np.float32)


def _limit(x: np.ndarray, ceiling: float = PHRASE_PEAK) -> np.ndarray:
    """Soft peak limiter on the true (4x oversampled) peak: gain = ceiling / peak where the peak
    exceeds it, spread over +-2.5 ms and smoothed."""
    x = np.asarray(x, np.float32)
    if np.abs(x).max(initial=0.0) * 1.6 <= ceiling:
        return x
    up = 4
    fine = np.abs(scipy.signal.resample_poly(x.astype(np.float64), up, 1))[:len(x) * up]
    mag = fine.reshape(len(x), up).max(axis=1)
    if mag.max() <= ceiling:
        return x
    width = int(0.005 * RATE) + 1
    g = scipy.ndimage.minimum_filter1d(np.minimum(1.0, ceiling / np.maximum(mag, 1e-12)), width)
    g = np.convolve(np.pad(g, width // 2, mode="edge"), np.full(width, 1 / width), "valid")
    return (x * g).astype(np.float32)


def cut_phrases(x: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """Cut one 16 kHz utterance into gated, normalised phrases; ``(first sample, phrase)`` pairs.

    See PhraseBank.from_folder for the rules; [] when the utterance is too noisy to use.
    """
    x = _pad_frames(np.asarray(x, np.float32))
    p = _frame_power(x)
    if not len(p) or p.max() <= 0:
        return []
    p95, floor = np.percentile(p, 95), np.percentile(p, FLOOR_PERCENTILE)
    if floor > 0 and p95 < floor * 10 ** (MIN_SNR_DB / 10):
        return []
    threshold = max(p95 * 10 ** (-SILENCE_BELOW_P95_DB / 10), floor * 10 ** (FLOOR_MARGIN_DB / 10))
    speech = p >= threshold
    keep = speech | np.concatenate((speech[1:], [False])) | np.concatenate(([False], speech[:-1]))
    gain = np.convolve(np.repeat(keep.astype(np.float32), FRAME), np.full(FRAME, 1 / FRAME, np.float32), "same")
    x = x * gain
    phrases = []
    pad = int(round(PAD_S * RATE))
    iv = drop_short(bridge(runs(speech), _frames(CUT_SILENCE_S)), _frames(MIN_PHRASE_S))
    for s, e in iv.tolist():
        lo, hi = max(0, s * FRAME - pad), min(len(x), e * FRAME + pad)
        piece = _pad_frames(x[lo:hi])
        phrases.append((lo, _limit(_normalise(piece, _frame_power(piece) >= threshold))))
    return phrases


@dataclass
class Item:
    """A phrase, token or piece with its audible structure (frames relative to its first sample)."""

    audio: np.ndarray            # float32, whole 10 ms frames
    segments: np.ndarray         # (n, 2) audible runs [start, end)
    dips: np.ndarray             # frames of word-like energy dips
    source: str = ""

    @property
    def frames(self) -> int:
        return len(self.audio) // FRAME

    @property
    def onset(self) -> int:
        return int(self.segments[0, 0])

    @property
    def offset(self) -> int:
        return int(self.segments[-1, 1])

    @property
    def first_len(self) -> int:
        return int(self.segments[0, 1] - self.segments[0, 0])

    @property
    def last_len(self) -> int:
        return int(self.segments[-1, 1] - self.segments[-1, 0])

    @property
    def longest(self) -> int:
        return int((self.segments[:, 1] - self.segments[:, 0]).max())


def _segments(p: np.ndarray) -> np.ndarray:
    return drop_short(bridge(runs(_db(p) > SEGMENT_DBFS), MIN_PAUSE_FRAMES), MIN_SPURT_FRAMES)


def _dips(p: np.ndarray) -> np.ndarray:
    """Frames at word-like energy dips: local minima DIP_DEPTH_DB below the maxima on both sides."""
    n, r = len(p), DIP_REACH_FRAMES
    if n < 5:
        return np.zeros(0, np.int64)
    d = _db(np.convolve(p, np.ones(3) / 3, mode="same"))
    padded = np.concatenate((np.full(r, -np.inf), d, np.full(r + 1, -np.inf)))
    win = np.lib.stride_tricks.sliding_window_view(padded, r).max(axis=1)
    idx = np.arange(1, n - 1)
    left, right = win[idx], win[idx + r + 1]
    is_min = (d[idx] <= d[idx - 1]) & (d[idx] <= d[idx + 1]) & (np.minimum(left, right) - d[idx] >= DIP_DEPTH_DB)
    found: list[int] = []
    for i in idx[is_min].tolist():
        if found and i - found[-1] < 8:
            if d[i] < d[found[-1]]:
                found[-1] = i
            continue
        found.append(i)
    return np.asarray(found, np.int64)


def analyse(audio: np.ndarray, source: str = "") -> Item | None:
    """Wrap 16 kHz audio as an Item (None when nothing in it is audible)."""
    audio = _pad_frames(np.asarray(audio, np.float32))
    p = _frame_power(audio)
    segs = _segments(p)
    if not len(segs):
        return None
    return Item(audio, segs, _dips(p), source)


def truncate(item: Item, end: int, suffix: str = "") -> Item | None:
    """``item`` cut at its frame ``end`` with a FADE_S linear fade-out ending there."""
    return analyse(_fade(item.audio[:end * FRAME], 0, int(FADE_S * RATE)), item.source + suffix)


def _tokens(items: list[Item]) -> list[np.ndarray]:
    """Backchannel-like tokens: 0.25-0.7 s speech pieces between word-like dips (at most one per phrase)."""
    lo, hi = (_frames(t) for t in TOKEN_S)
    found = []
    for it in items:
        p = _frame_power(it.audio)
        best = None
        for s, e in it.segments.tolist():
            bounds = sorted({s, e, *[int(d) for d in it.dips if s < d < e]})
            for i, a in enumerate(bounds):
                for b in bounds[i + 1:]:
                    if b - a > hi:
                        break
                    if b - a < lo:
                        continue
                    piece = p[a:b]
                    score = float(_db(piece.mean()))
                    if (_db(piece) > SEGMENT_DBFS).mean() < 0.8 or score < TARGET_DBFS - 6:
                        continue
                    if best is None or score > best[0]:
                        best = (score, a, b)
        if best is None:
            continue
        _, a, b = best
        ramp = int(0.01 * RATE)
        piece = _fade(it.audio[a * FRAME:b * FRAME], ramp, ramp)
        piece = np.concatenate((np.zeros(FRAME, np.float32), piece, np.zeros(FRAME, np.float32)))
        piece = _limit(_normalise(piece, _db(_frame_power(piece)) > SEGMENT_DBFS))
        tok = analyse(piece)
        if tok is not None and len(tok.segments) == 1 and lo <= tok.first_len <= hi:
            found.append(tok.audio)
    if len(found) > MAX_TOKENS:
        found = [found[i] for i in np.linspace(0, len(found) - 1, MAX_TOKENS).round().astype(int)]
    return found


@dataclass
class PhraseBank:
    """Trimmed, gated, level-normalised phrases (float32, 16 kHz) per speaker, and backchannel tokens.

    ``tokens`` (0.25-0.7 s pieces of speech cut at word-like energy dips of the phrases, at most one
    per phrase) are derived when not given; ``sources`` names each phrase (``file:start_s``) when known.
    """

    speakers: dict[str, list[np.ndarray]]
    rate_hz: int = RATE
    tokens: dict[str, list[np.ndarray]] = field(default_factory=dict)
    sources: dict[str, list[str]] = field(default_factory=dict)
    _phrase_items: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _token_items: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self):
        if self.rate_hz != RATE:
            raise ValueError(f"PhraseBank holds {RATE} Hz audio, not {self.rate_hz} Hz")
        for spk in self.speakers:
            if spk not in self.tokens:
                self.tokens[spk] = _tokens(self.phrase_items(spk))

    @classmethod
    def from_folder(cls, folder: Path) -> PhraseBank:
        """Every audio file under ``folder`` (recursively); the speaker id is the parent folder's name.

        Each utterance (mixed to mono, resampled to 16 kHz with soxr HQ when needed) is cut into
        phrases at its own silences: 10 ms frames; silent = power more than 35 dB below the
        utterance's 95th-percentile frame power (or less than 6 dB above its noise floor, the
        10th percentile, when that is higher: LibriSpeech test-other is noisy); cut at silences
        >= 0.25 s; phrases >= 0.4 s, trimmed to the first / last non-silent frame plus 20 ms; silent
        frames gated to zero (10 ms ramps); each phrase normalised to -20 dBFS RMS over its
        non-silent frames. Utterances less than 25 dB above their noise floor are skipped.
        """
        folder = Path(folder)
        files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in AUDIO_EXTENSIONS and p.is_file())
        if not files:
            raise FileNotFoundError(f"{folder}: no audio files ({', '.join(AUDIO_EXTENSIONS)}) under it")
        speakers: dict[str, list[np.ndarray]] = {}
        sources: dict[str, list[str]] = {}
        for path in files:
            x, rate = sf.read(path, dtype="float32", always_2d=True)
            x = x.mean(axis=1)
            if rate != RATE:
                x = soxr.resample(x, rate, RATE, quality="HQ").astype(np.float32)
            spk = path.parent.name
            for lo, ph in cut_phrases(x):
                speakers.setdefault(spk, []).append(ph)
                sources.setdefault(spk, []).append(f"{path.relative_to(folder).as_posix()}:{lo / RATE:.2f}")
        if len(speakers) < 2:
            raise ValueError(f"{folder}: need usable speech of at least two speakers, found {len(speakers)}")
        return cls(speakers=speakers, sources=sources)

    def phrase_items(self, spk: str) -> list[Item]:
        if spk not in self._phrase_items:
            names = self.sources.get(spk, [])
            items = (analyse(a, names[i] if i < len(names) else f"{spk}#{i}") for i, a in enumerate(self.speakers[spk]))
            self._phrase_items[spk] = [it for it in items if it is not None]
        return self._phrase_items[spk]

    def token_items(self, spk: str) -> list[Item]:
        if spk not in self._token_items:
            items = (analyse(a, f"{spk}#token{i}") for i, a in enumerate(self.tokens.get(spk, [])))
            self._token_items[spk] = [it for it in items if it is not None]
        return self._token_items[spk]

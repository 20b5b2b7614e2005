"""Two-person headset conversations with exact reference activity, for benchmarks.

    python -m benchmarks.simulate --out DIR [--seeds 0 1 2] [--duration 180] [--bleed-db -18]
                                  [--noise-dbfs -60] [--rate 16000] [--data ../shared/data/librispeech_dev]

Phrases of two read-speech speakers (LibriSpeech) are placed on two tracks by a turn-taking
script whose timing follows the published norms (Stivers et al. 2009; Heldner & Edlund 2010;
the CANDOR corpus): ordinary floor transfers with a clipped-normal offset (FTO; mean +0.2 s, sd
0.5 s), within-turn pauses, and deliberate backchannels, successful and unsuccessful interruptions
and simultaneous starts (METRICS.md 4). Over all floor transfers, interruptions included, the FTO
mean is about +0.1 s, the median about +0.15 s and about 40 % overlap. Each person's headset mic
hears their own voice plus the partner's, delayed (0.3-3 ms), slightly low-passed and ``bleed_db``
lower, times the mic gain, plus the mic's own pinkish noise:

    mic_k = s * gain_k * (own_k + 10^(bleed_db/20) * lowpass_k(delay_k(other_k))) + noise_k

The mix is made at 16 kHz (the bank's rate): the bleed path is one FIR (exact fractional delay and
first-order colouring, faded out between 6.5 and 8 kHz; about -75 dB from the ideal response).
``s`` is one common headroom factor (``SimConversation.speech_scale_db``, 0 dB unless the louder
mic's true peak would exceed 0.88, which leaves room for resampling overshoot). The noise is
generated at 16 kHz too, resampled with the speech (soxr HQ) to ``rate_hz`` and scaled there so that
its RMS at the output is exactly ``noise_dbfs``; at 22.05-48 kHz everything is therefore
band-limited to 8 kHz. Levels are RMS dBFS, 20 log10(rms) with full scale 1.0.

The reference talk spurts are exact: for each channel, the own clean voice times ``s * gain_k`` in
10 ms frames at 16 kHz; a frame is speech when its power is at least ``REF_MARGIN_DB`` (3 dB) above
the mic's noise power (``noise_dbfs``) and above ``REF_FLOOR_DBFS`` (-55 dBFS); then METRICS.md 1.4
smoothing (bridge silences < 0.2 s, drop runs < 0.1 s). The reference does not depend on the output
rate. ``reference_conversation`` applies talkbalance's own event rules to the reference spurts: it
is the truth to score against; ``script`` records what was intended (about 97 % of the scripted
events appear in the reference as scripted; the rest change class where a quiet mic loses a weak
stretch of its speaker's voice, or when two simultaneous starts are one frame apart).

The turn-taking script depends only on the seed, the bank, ``duration_s`` and ``turn_taking``
(not on the channel model): sweeping ``bleed_db``, ``noise_dbfs``, ``channels`` or ``rate_hz`` with one
seed gives the same conversation through different headsets; ``plan_script`` gives it without audio.
"""
from __future__ import annotations

import argparse
import json
import math
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import scipy.ndimage
import scipy.signal
import soundfile as sf
import soxr

from talkbalance.config import Config
from talkbalance.core.events import FrameRules, derive
from talkbalance.core.intervals import bridge, drop_short, runs
from talkbalance.core.types import Conversation, Spurt
from talkbalance.io.outputs import events_csv, rttm

RATE = 16000                 # internal rate of the bank and the mix
FRAME = 160                  # 10 ms at 16 kHz
FRAME_S = 0.01
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
MIN_PAUSE_FRAMES = 20
MIN_SPURT_FRAMES = 10

# Backchannel tokens
TOKEN_S = (0.25, 0.70)
DIP_DEPTH_DB = 6.0           # a word-like dip is this much below the maxima on both sides
DIP_REACH_FRAMES = 15
MAX_TOKENS = 40

# Reference
REF_FLOOR_DBFS = -55.0
REF_MARGIN_DB = 3.0
PEAK_TARGET = 0.88           # true peak of the 16 kHz speech (before noise) above which both mics are scaled down
FADE_S = 0.02


# --------------------------------------------------------------------------- bank


def _frames(seconds: float) -> int:
    return int(round(seconds / FRAME_S))


def _frame_power(x: np.ndarray) -> np.ndarray:
    """Mean power of each whole 10 ms frame (float64)."""
    n = len(x) // FRAME
    f = np.asarray(x[:n * FRAME], dtype=np.float64).reshape(n, FRAME)
    return np.einsum("ij,ij->i", f, f) / FRAME


def _db(p) -> np.ndarray:
    return 10.0 * np.log10(np.maximum(p, 1e-20))


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


# --------------------------------------------------------------------------- models


@dataclass(frozen=True)
class Channel:
    """One headset mic: ``gain * (own + 10^(bleed_db/20) * lowpass(delay(partner))) + noise``."""

    bleed_db: float = -18.0      # partner's voice in this mic relative to the partner's own mic signal (dB)
    delay_ms: float = 1.0        # bleed path delay, 0.3-3 ms (fractional, exact)
    colour_hz: float = 3500.0    # first-order low-pass cutoff of the bleed path
    gain_db: float = 0.0         # mic gain (the two mics differ by up to ~15 dB)
    noise_dbfs: float = -60.0    # this mic's own (pinkish) noise, RMS dBFS at the output


@dataclass(frozen=True)
class TurnTaking:
    """Turn-taking parameters; defaults from Stivers et al. 2009, Heldner & Edlund 2010, CANDOR.

    Times are audible speech (a phrase's first / last audible frame), in seconds. Per turn the
    speaker says ``phrases_per_turn`` phrases separated by lognormal pauses; the floor then passes
    with a floor-transfer offset (FTO) drawn from a clipped normal (mean +0.2 s, 34 % negative =
    overlapping; the current phrase is never cut by an ordinary overlap), or by a successful
    interruption (FTO -0.4 to -0.9 s) or a simultaneous start; over all transfers the mean is about
    +0.1 s with about 40 % overlapping. Backchannels and unsuccessful interruptions by the listener
    are placed inside the turn's phrases. An event that finds no room in its turn is carried over to
    the next. ``each_event_by`` forces each deliberate kind (backchannel, unsuccessful interruption,
    successful interruption, simultaneous start) at the first chance after that fraction of the
    session if it has not happened by then (None: chance alone); in 3-minute sessions this raises
    the realised per-turn rates of the rare kinds to about 0.11 (successful), 0.10 (unsuccessful)
    and 0.07 (simultaneous).
    """

    fto_mean_s: float = 0.20
    fto_sd_s: float = 0.5
    fto_min_s: float = -0.8
    fto_max_s: float = 2.0
    phrases_per_turn: tuple[int, int] = (1, 4)
    pause_median_s: float = 0.5
    pause_sigma: float = 0.5          # of ln(pause)
    pause_min_s: float = 0.25
    pause_max_s: float = 2.5
    start_s: tuple[float, float] = (0.3, 1.0)
    p_backchannel: float = 0.5
    backchannel_after_onset_s: float = 0.4
    backchannel_before_end_s: float = 0.3
    p_successful_interruption: float = 0.08
    interrupt_lead_s: tuple[float, float] = (0.8, 1.6)      # interrupter starts this long before the phrase would end
    interrupt_cut_after_s: tuple[float, float] = (0.4, 0.9)  # interrupted phrase cut this long after the onset
    p_unsuccessful_interruption: float = 0.06
    attempt_s: tuple[float, float] = (1.3, 2.5)
    attempt_host_min_s: float = 3.5
    attempt_after_onset_s: float = 0.5
    attempt_before_end_s: float = 0.4
    p_simultaneous_start: float = 0.05
    simultaneous_gap_s: tuple[float, float] = (0.3, 1.2)    # silence before the simultaneous start
    simultaneous_within_s: float = 0.12
    yield_after_s: tuple[float, float] = (0.3, 0.6)
    listener_margin_s: float = 0.25   # a speaker's own placed pieces stay this far apart (> min_pause)
    each_event_by: tuple[float, float, float, float] | None = (0.15, 0.3, 0.45, 0.6)


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


# --------------------------------------------------------------------------- script


KINDS = ("backchannel", "unsuccessful", "successful", "simultaneous")


@dataclass
class _Placed:
    speaker: int
    item: Item
    start: int                        # frame of the item's first sample
    role: str
    cut: int | None = None            # absolute frame where it was cut

    @property
    def end(self) -> int:
        return self.start + self.item.frames

    @property
    def on(self) -> int:
        return self.start + self.item.onset

    @property
    def off(self) -> int:
        return self.start + self.item.offset

    def segments(self) -> np.ndarray:
        return self.item.segments + self.start

    def cut_at(self, frame: int) -> None:
        cut = truncate(self.item, frame - self.start, f"[:{(frame - self.start) * FRAME_S:.2f}s]")
        if cut is None:
            raise RuntimeError("cut left nothing audible")
        self.item, self.cut = cut, frame


class _Script:
    """Builds the placements of one conversation (frames of 10 ms)."""

    def __init__(self, rng: np.random.Generator, phrases, tokens, n_frames: int, tt: TurnTaking):
        self.rng, self.tt = rng, tt
        self.phrases, self.tokens = phrases, tokens
        self.n = n_frames
        self.limit = n_frames - _frames(0.3)
        self.margin = _frames(tt.listener_margin_s)
        self.order = [rng.permutation(len(p)).tolist() for p in phrases]
        self.ptr = [0, 0]
        self.placed: list[list[_Placed]] = [[], []]
        self.events: list[dict] = []
        self.transitions: list[dict] = []
        self.counts = {k: 0 for k in KINDS}
        self.attempts = [self._attempt_pieces(k) for k in (0, 1)]

    # -- helpers
    def u(self, lo_hi) -> float:
        return float(self.rng.uniform(*lo_hi))

    def _attempt_pieces(self, k: int) -> list[Item]:
        """Unsuccessful-interruption attempts: phrase openings cut at a dip, one audible run of 1.3-2.5 s."""
        lo, hi = (_frames(t) for t in self.tt.attempt_s)
        mid = (lo + hi) // 2
        out = []
        for it in self.phrases[k]:
            s0, e0 = it.segments[0].tolist()
            ends = [int(d) for d in it.dips if s0 + lo <= d <= min(e0, s0 + hi)]
            if lo <= e0 - s0 <= hi:
                ends.append(e0)
            if not ends:
                continue
            piece = truncate(it, min(ends, key=lambda d: abs(d - s0 - mid)), "[attempt]")
            if piece is not None and len(piece.segments) == 1 and piece.first_len >= lo - 10:
                out.append(piece)
        return out

    def fits(self, item: Item, on: int) -> bool:
        start = on - item.onset
        return start >= 0 and start + item.frames <= self.n and start + item.offset <= self.limit

    def free(self, k: int, start: int, end: int) -> bool:
        m = self.margin
        return all(p.end + m <= start or p.start >= end + m for p in self.placed[k])

    def free_item(self, k: int, item: Item, on: int) -> bool:
        return self.free(k, on - item.onset, on - item.onset + item.frames)

    def pick(self, k: int, ok) -> Item | None:
        """The next phrase of speaker ``k`` (rotating through a seeded order) that satisfies ``ok``."""
        order = self.order[k]
        for j in range(len(order)):
            it = self.phrases[k][order[(self.ptr[k] + j) % len(order)]]
            if ok(it):
                self.ptr[k] = (self.ptr[k] + j + 1) % len(order)
                return it
        return None

    def place(self, k: int, item: Item, on: int, role: str) -> _Placed:
        p = _Placed(k, item, on - item.onset, role)
        self.placed[k].append(p)
        return p

    def last_end(self, k: int) -> int:
        return max((p.end for p in self.placed[k]), default=-10 ** 6)

    # -- the conversation
    def run(self) -> None:
        tt, rng = self.tt, self.rng
        cur = int(rng.integers(2))
        first: _Placed | None = None
        on = _frames(self.u(tt.start_s))
        pending: set[str] = set()
        p_succ, p_sim = tt.p_successful_interruption, tt.p_simultaneous_start
        while True:
            now = first.on if first is not None else on
            n_ph = int(rng.integers(tt.phrases_per_turn[0], tt.phrases_per_turn[1] + 1))
            u_bc, u_att, u_tr = rng.random(3)
            if u_bc < tt.p_backchannel:
                pending.add("backchannel")
            if u_att < tt.p_unsuccessful_interruption:
                pending.add("unsuccessful")
            if u_tr < p_succ:
                pending.add("successful")
            elif u_tr < p_succ + p_sim:
                pending.add("simultaneous")
            if tt.each_event_by is not None:
                for kind, frac in zip(KINDS, tt.each_event_by):
                    if self.counts[kind] == 0 and now >= frac * self.n:
                        pending.add(kind)
            transition = next((k for k in ("successful", "simultaneous") if k in pending), "normal")
            host = int(rng.integers(n_ph)) if "unsuccessful" in pending else -1
            pauses = np.clip(tt.pause_median_s * np.exp(tt.pause_sigma * rng.standard_normal(n_ph)),
                             tt.pause_min_s, tt.pause_max_s)
            turn: list[_Placed] = [first] if first is not None else []
            while len(turn) < n_ph:
                i = len(turn)
                base = turn[-1].off + _frames(pauses[i]) if turn else on
                floor = turn[-1].end + MIN_PAUSE_FRAMES + 2 if turn else 0

                def when(it, base=base, floor=floor):
                    return max(base, floor + it.onset)

                def ok(it, i=i, when=when, host=host, n_ph=n_ph, transition=transition):
                    if not self.fits(it, when(it)):
                        return False
                    if i == host and (it.frames < _frames(tt.attempt_host_min_s) or it.longest < _frames(2.2)):
                        return False
                    if i == n_ph - 1 and transition == "successful" and it.last_len < _frames(1.1):
                        return False
                    return True

                item = self.pick(cur, ok) or self.pick(cur, lambda it, when=when: self.fits(it, when(it)))
                if item is None:
                    break
                turn.append(self.place(cur, item, when(item), "turn"))
            if not turn:
                break
            nxt = self.transition(turn, cur, transition, pending)
            if "backchannel" in pending and self.backchannel(turn, 1 - cur):
                pending.discard("backchannel")
            if "unsuccessful" in pending and self.attempt(turn, 1 - cur):
                pending.discard("unsuccessful")
            if nxt is None:
                break
            first, cur = nxt

    def transition(self, turn: list[_Placed], x: int, kind: str, pending: set[str]):
        """Pass the floor from ``x`` after its ``turn``; return (first phrase of the next turn, its speaker)."""
        tt, rng = self.tt, self.rng
        y = 1 - x
        last = turn[-1]
        e, s_last = last.off, int(last.segments()[-1, 0])
        seglen = e - s_last
        y_free = self.last_end(y) + self.margin
        if kind == "successful":
            max_lead = min(_frames(tt.interrupt_lead_s[1]), seglen - _frames(0.3))
            if max_lead >= _frames(tt.interrupt_lead_s[0]):
                lead = _frames(self.u((tt.interrupt_lead_s[0], max_lead * FRAME_S)))
                lo, hi = tt.interrupt_cut_after_s
                c = _frames(self.u((lo, min(hi, (lead - 10) * FRAME_S))))
                y_on = e - lead
                cut = y_on + c
                item = self.pick(y, lambda it: self.fits(it, y_on) and it.first_len >= c + _frames(0.3)
                                 and y_on - it.onset >= y_free)
                if item is not None:
                    last.cut_at(cut)
                    p = self.place(y, item, y_on, "interrupter")
                    self.events.append(dict(kind="interruption", outcome="successful", start_s=y_on * FRAME_S,
                                            end_s=cut * FRAME_S, speaker=y, other=x))
                    self.transitions.append(dict(kind="transition", type="successful_interruption",
                                                 start_s=y_on * FRAME_S, speaker=y, other=x,
                                                 fto_s=round((y_on - cut) * FRAME_S, 2)))
                    self.counts["successful"] += 1
                    pending.discard("successful")
                    return p, y
            kind = "normal"
        if kind == "simultaneous":
            first_on = e + _frames(self.u(tt.simultaneous_gap_s))
            d = _frames(self.u((0.0, tt.simultaneous_within_s)))
            starter = int(rng.integers(2))            # 0: x starts first, 1: y starts first
            yielder = int(rng.integers(2))            # channel that gives way (either)
            ons = {x: first_on + (d if starter == 1 else 0), y: first_on + (d if starter == 0 else 0)}
            after = _frames(self.u(tt.yield_after_s))
            cut = ons[yielder] + after
            winner = 1 - yielder
            earliest = {x: last.end + MIN_PAUSE_FRAMES + 2, y: y_free}
            it_y = self.pick(yielder, lambda it: self.fits(it, ons[yielder]) and it.first_len >= after + 5
                             and ons[yielder] - it.onset >= earliest[yielder])
            it_w = self.pick(winner, lambda it: self.fits(it, ons[winner])
                             and it.first_len >= cut - ons[winner] + _frames(0.3)
                             and ons[winner] - it.onset >= earliest[winner]) if it_y is not None else None
            if it_y is not None and it_w is not None:
                py = self.place(yielder, it_y, ons[yielder], "yielder")
                py.cut_at(cut)
                pw = self.place(winner, it_w, ons[winner], "turn")
                later = 1 if ons[0] == ons[1] else max((0, 1), key=lambda k: ons[k])
                self.events.append(dict(kind="simultaneous_start", start_s=ons[later] * FRAME_S,
                                        end_s=cut * FRAME_S, speaker=later, other=1 - later, yielder=yielder))
                if winner == y:
                    self.transitions.append(dict(kind="transition", type="simultaneous_start",
                                                 start_s=ons[y] * FRAME_S, speaker=y, other=x,
                                                 fto_s=round((ons[y] - e) * FRAME_S, 2)))
                self.counts["simultaneous"] += 1
                pending.discard("simultaneous")
                return pw, winner
        fto = _frames(float(np.clip(rng.normal(tt.fto_mean_s, tt.fto_sd_s), tt.fto_min_s, tt.fto_max_s)))
        if fto < 0:
            fto = max(fto, -(seglen - _frames(0.3)), -seglen // 2)
        y_on = e + fto

        def ok(it, y_on=y_on, need=_frames(0.2) + max(0, -fto)):
            return self.fits(it, max(y_on, y_free + it.onset)) and it.first_len >= need

        item = self.pick(y, ok) or self.pick(y, lambda it: self.fits(it, max(y_on, y_free + it.onset)))
        if item is None:
            return None
        y_on = max(y_on, y_free + item.onset)
        p = self.place(y, item, y_on, "turn")
        self.transitions.append(dict(kind="transition", type="normal", start_s=y_on * FRAME_S, speaker=y,
                                     other=x, fto_s=round((y_on - e) * FRAME_S, 2)))
        return p, y

    def _hosts(self, turn: list[_Placed], need: int, min_phrase: int = 0) -> list[tuple[int, int]]:
        return [(int(s), int(e)) for p in turn if p.off - p.on >= min_phrase
                for s, e in p.segments().tolist() if e - s >= need]

    def backchannel(self, turn: list[_Placed], y: int) -> bool:
        tt, rng = self.tt, self.rng
        if not self.tokens[y]:
            return False
        a, b = _frames(tt.backchannel_after_onset_s), _frames(tt.backchannel_before_end_s)
        for _ in range(6):
            tok = self.tokens[y][int(rng.integers(len(self.tokens[y])))]
            d = tok.first_len
            hosts = self._hosts(turn, a + d + b)
            if not hosts:
                continue
            s, e = hosts[int(rng.integers(len(hosts)))]
            on = int(rng.integers(s + a, e - b - d + 1))
            if self.fits(tok, on) and self.free_item(y, tok, on):
                self.place(y, tok, on, "backchannel")
                self.events.append(dict(kind="backchannel", start_s=on * FRAME_S, end_s=(on + d) * FRAME_S,
                                        speaker=y, other=1 - y))
                self.counts["backchannel"] += 1
                return True
        return False

    def attempt(self, turn: list[_Placed], y: int) -> bool:
        tt, rng = self.tt, self.rng
        if not self.attempts[y]:
            return False
        a, b = _frames(tt.attempt_after_onset_s), _frames(tt.attempt_before_end_s)
        for _ in range(6):
            piece = self.attempts[y][int(rng.integers(len(self.attempts[y])))]
            d = piece.first_len
            hosts = self._hosts(turn, a + d + b, _frames(tt.attempt_host_min_s))
            if not hosts:
                continue
            s, e = hosts[int(rng.integers(len(hosts)))]
            on = int(rng.integers(s + a, e - b - d + 1))
            if self.fits(piece, on) and self.free_item(y, piece, on):
                self.place(y, piece, on, "attempt")
                self.events.append(dict(kind="interruption", outcome="unsuccessful", start_s=on * FRAME_S,
                                        end_s=(on + d) * FRAME_S, speaker=y, other=1 - y))
                self.counts["unsuccessful"] += 1
                return True
        return False

    def records(self) -> list[dict]:
        """The script: every placement and every deliberate event / floor transfer, in time order."""
        out = []
        for k in (0, 1):
            for p in self.placed[k]:
                segs = p.segments()
                out.append(dict(kind="phrase", role=p.role, speaker=k, start_s=round(p.on * FRAME_S, 2),
                                end_s=round(p.off * FRAME_S, 2), item_start_s=round(p.start * FRAME_S, 2),
                                item_end_s=round(p.end * FRAME_S, 2),
                                segments=[[round(s * FRAME_S, 2), round(e * FRAME_S, 2)] for s, e in segs.tolist()],
                                cut_s=None if p.cut is None else round(p.cut * FRAME_S, 2), source=p.item.source))
        for ev in self.events + self.transitions:
            out.append({**ev, "start_s": round(ev["start_s"], 2),
                        **({"end_s": round(ev["end_s"], 2)} if "end_s" in ev else {})})
        order = {"phrase": 0, "transition": 1}
        out.sort(key=lambda r: (r["start_s"], order.get(r["kind"], 2), r["speaker"]))
        return out


# --------------------------------------------------------------------------- audio


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


def reference_spurts(own: np.ndarray, gains: np.ndarray, channels: tuple[Channel, Channel]) -> list[list[Spurt]]:
    """Exact reference talk spurts from the placed clean voices (see the module docstring)."""
    out = []
    for k, ch in enumerate(channels):
        level = _db(_frame_power(own[k] * gains[k]))
        active = (level > ch.noise_dbfs + REF_MARGIN_DB) & (level > REF_FLOOR_DBFS)
        iv = drop_short(bridge(runs(active), MIN_PAUSE_FRAMES), MIN_SPURT_FRAMES)
        out.append([Spurt(k, int(s), int(e)) for s, e in iv.tolist()])
    return out


def _draw_channels(rng: np.random.Generator, bleed_db: float, noise_dbfs: float) -> tuple[Channel, Channel]:
    chans = []
    for _ in range(2):
        delay, colour, gain = rng.uniform(0.3, 3.0), rng.uniform(2500.0, 5000.0), rng.uniform(-7.0, 7.0)
        chans.append(Channel(bleed_db=bleed_db, delay_ms=round(float(delay), 3), colour_hz=round(float(colour), 1),
                             gain_db=round(float(gain), 2), noise_dbfs=noise_dbfs))
    return tuple(chans)


def _streams(seed: int) -> list[np.random.Generator]:
    """Independent streams of the seed: script (speakers, turn-taking), channel draws, noise."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(3)]


def _plan(bank: PhraseBank, seed: int, duration_s: float, turn_taking: TurnTaking) -> tuple[tuple[str, str], _Script]:
    if duration_s < 5:
        raise ValueError("duration_s must be at least 5 s")
    rng = _streams(seed)[0]
    eligible = sorted(s for s in bank.speakers if len(bank.phrase_items(s)) >= 3 and bank.token_items(s))
    if len(eligible) < 2:
        raise ValueError("the bank needs two speakers with at least 3 phrases and a token each")
    pick = rng.choice(len(eligible), 2, replace=False)
    speakers = (eligible[int(pick[0])], eligible[int(pick[1])])
    script = _Script(rng, [bank.phrase_items(s) for s in speakers], [bank.token_items(s) for s in speakers],
                     int(round(duration_s * RATE)) // FRAME, turn_taking)
    script.run()
    return speakers, script


def placed_voices(script: _Script, n16: int) -> np.ndarray:
    """The two speakers' clean voices as placed by ``script``: (2, n16) float64 at 16 kHz."""
    own = np.zeros((2, n16))
    for k in (0, 1):
        for p in script.placed[k]:
            a = p.start * FRAME
            own[k, a:a + len(p.item.audio)] += p.item.audio[:max(0, n16 - a)]
    return own


def plan_script(bank: PhraseBank, seed: int, duration_s: float = 180.0,
                turn_taking: TurnTaking = TurnTaking()) -> tuple[tuple[str, str], list[dict]]:
    """The speakers and script that ``simulate`` would use, without making any audio (fast)."""
    speakers, script = _plan(bank, seed, duration_s, turn_taking)
    return speakers, script.records()


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


# --------------------------------------------------------------------------- files


NAMES = ["A", "B"]


def write_reference(sim: SimConversation, folder: Path, name: str, subtype: str = "PCM_16") -> None:
    """``<name>.wav`` (the audio), ``<name>.rttm`` (reference spurts, speakers A / B),
    ``<name>_events.csv`` (talkbalance events.csv format, from ``reference_conversation``) and
    ``<name>_script.json`` (seed, speakers, channels, headroom and the script)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sf.write(folder / f"{name}.wav", sim.audio, sim.rate_hz, subtype=subtype)
    (folder / f"{name}.rttm").write_text(rttm(sim.reference, NAMES, FRAME_S, name), encoding="utf-8")
    (folder / f"{name}_events.csv").write_text(events_csv(sim.reference_conversation.events, NAMES, FRAME_S),
                                               encoding="utf-8", newline="")
    meta = dict(seed=sim.seed, rate_hz=sim.rate_hz, duration_s=sim.duration_s, speakers=dict(zip(NAMES, sim.speakers)),
                channels=[asdict(c) for c in sim.channels], speech_scale_db=sim.speech_scale_db, script=sim.script)
    (folder / f"{name}_script.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


def main(argv=None) -> None:
    root = Path(__file__).resolve().parents[1]
    ap = argparse.ArgumentParser(description="Simulate two-headset conversations with exact references.")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--data", type=Path, default=root.parent / "shared" / "data" / "librispeech_dev")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--duration", type=float, default=180.0)
    ap.add_argument("--bleed-db", type=float, default=-18.0)
    ap.add_argument("--noise-dbfs", type=float, default=-60.0)
    ap.add_argument("--rate", type=int, default=16000)
    args = ap.parse_args(argv)
    bank = PhraseBank.from_folder(args.data)
    for seed in args.seeds:
        sim = simulate(bank, seed, args.duration, args.bleed_db, args.noise_dbfs, args.rate)
        write_reference(sim, args.out, f"sim_{seed:04d}")
        print(f"sim_{seed:04d}: speakers {sim.speakers}, gains {[c.gain_db for c in sim.channels]} dB, "
              f"{len(sim.reference_conversation.events)} reference events")


if __name__ == "__main__":
    main()

"""The streaming analysis core: blocks of N-channel audio (one channel per speaker) in, talk spurts and figures out.

Pure: numpy, soxr and webrtcvad only; no files, devices or plots. Live capture,
file analysis, replay and benchmarks all drive this one class. Feeding the same
audio in any block sizes gives identical final results.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from talkbalance.config import Config
from talkbalance.core.crosstalk.gate import CrosstalkGate
from talkbalance.core.events import FrameRules, derive
from talkbalance.core.metrics import summarize
from talkbalance.core.resample import StreamResampler
from talkbalance.core.spurts import SpurtTracker
from talkbalance.core.types import Conversation, Quality, SessionResult, Spurt
from talkbalance.core.units import to_frames
from talkbalance.core.vad import FrameVad

CLIP_LEVEL = 32767 / 32768          # a float sample at or above this is counted as clipped
SILENT_CHANNEL_DBFS = -60.0         # a channel never louder than this is reported silent
SAME_SIGNAL_SHARE = 0.5             # both channels identical in this share of the frames with sound: warned


class Engine:
    """Analyse a session block by block, one channel per speaker of ``cfg.speakers``.

    ``feed`` takes (n, channels) int16 or float blocks at ``input_rate_hz``, of any size,
    and returns the talk spurts that became final; ``finish`` returns the result.
    """

    def __init__(self, cfg: Config, input_rate_hz: int):
        self.cfg = cfg
        self.input_rate_hz = input_rate_hz
        self.channels = len(cfg.speakers.names)
        self.analysis_rate_hz = cfg.vad.rate_hz
        self.frame_samples = self.analysis_rate_hz * cfg.vad.frame_ms // 1000
        self.frame_s = cfg.vad.frame_ms / 1000
        self.hop_frames = max(1, to_frames(cfg.crosstalk.adapt_every_s, self.frame_s))
        self.rules = FrameRules.from_config(cfg, self.frame_s)
        self._resampler = (StreamResampler(input_rate_hz, self.analysis_rate_hz, self.channels)
                           if input_rate_hz != self.analysis_rate_hz else None)
        self._vads = [FrameVad(cfg.vad.aggressiveness, self.analysis_rate_hz, self.frame_samples) for _ in range(self.channels)]
        self._gate = CrosstalkGate(cfg.crosstalk, self.analysis_rate_hz, self.frame_samples, self.hop_frames)
        pause, spurt = (to_frames(cfg.talkspurts.min_pause_s, self.frame_s),
                        to_frames(cfg.talkspurts.min_spurt_s, self.frame_s))
        self._trackers = [SpurtTracker(k, pause, spurt) for k in range(self.channels)]
        self._pending = np.zeros((0, self.channels), dtype=np.int16)
        self.frames_in = 0             # frames analysed so far
        self.frames_done = 0           # ... of them, frames whose decisions are final
        self.spurts: list[list[Spurt]] = [[] for _ in range(self.channels)]
        self.samples_in = 0            # samples fed so far, at the input rate
        self._clipped = np.zeros(self.channels, dtype=np.int64)
        self._peak_energy = np.zeros(self.channels)
        self._sounding_frames = 0           # frames where either channel is not digital silence
        self._same_frames = 0               # ... of them, frames where both channels hold the very same samples
        self.same_since_frame = 0           # the frame after the last one whose channels differed
        self.same_run_frames = 0            # frames with sound and the same samples on both channels since then
        self.channels_differed = False      # some frame held different sound on the two channels
        self.quality = Quality()

    # -- input -------------------------------------------------------------------------
    def feed(self, block: np.ndarray) -> list[Spurt]:
        """Analyse the next block (n, channels); return spurts that became final, in time order."""
        block = np.asarray(block)
        if block.ndim != 2 or block.shape[1] != self.channels:
            raise ValueError(f"expected blocks of shape (n, {self.channels}), got {block.shape}")
        self._count_clipping(block)
        if self._resampler is not None:
            block = self._resampler.push(_to_float(block))
        return self._analyse(to_int16(block))

    def finish(self) -> SessionResult:
        """Flush the stream and return every figure of the session."""
        if self._resampler is not None:
            self._analyse(to_int16(self._resampler.flush()))
        self._track(self._gate.flush())
        for tracker in self._trackers:
            for s in tracker.finish():
                self.spurts[s.speaker].append(s)
        return self.result_so_far()

    def result_so_far(self) -> SessionResult:
        """Every figure of the final spurts so far (open spurts are left out)."""
        conv = self.conversation()
        names, roles = list(self.cfg.speakers.names), list(self.cfg.speakers.roles)
        summary = summarize(conv, names, roles, self.frames_done, self.frame_s, self.cfg)
        return SessionResult(names, roles, self.frame_s, self.frames_done, conv, summary, self._quality(names),
                             config=self.cfg)

    def conversation(self) -> Conversation:
        """Events, turns and floor changes of the final spurts so far."""
        return derive(self.spurts, self.rules)

    def open_spurts(self) -> list[Spurt | None]:
        """Each channel's provisional spurt still growing (for live display)."""
        return [t.open_spurt for t in self._trackers]

    @property
    def learning(self) -> bool:
        """The first frames still wait for the voices to be learned (nothing is final yet)."""
        return not self._gate.learned

    def provisional(self) -> tuple[list[list[Spurt]], list[Spurt | None]]:
        """While ``learning``: the spurts and open spurts the waiting frames would give now (for live display)."""
        trackers = [SpurtTracker(k, t.min_pause_frames, t.min_spurt_frames) for k, t in enumerate(self._trackers)]
        own = self._gate.provisional()
        return [t.push(own[k]) for k, t in enumerate(trackers)], [t.open_spurt for t in trackers]

    # -- analysis ------------------------------------------------------------------------
    def _analyse(self, samples: np.ndarray) -> list[Spurt]:
        """Analyse the block's whole frames (int16); keep the remainder pending."""
        data = np.concatenate((self._pending, samples)) if len(self._pending) else samples
        L = self.frame_samples
        F = len(data) // L
        self._pending = data[F * L:]
        if not F:
            return []
        by_channel = np.ascontiguousarray(data[:F * L].T)
        framed = by_channel.reshape(self.channels, F, L).astype(np.float32)
        energy = np.einsum("cfl,cfl->cf", framed, framed).astype(np.float64) / L
        vad = np.stack([self._vads[k].decide(by_channel[k]) for k in range(self.channels)])
        np.maximum(self._peak_energy, energy.max(axis=1), out=self._peak_energy)
        self._compare_channels(framed, energy)
        self.frames_in += F
        return self._track(self._gate.process(data[:F * L].astype(np.float32), energy, vad))

    def _track(self, own: np.ndarray) -> list[Spurt]:
        """Smooth newly decided frames (channels, n) into spurts; return those that became final."""
        self.frames_done += own.shape[1]
        new = []
        for k, tracker in enumerate(self._trackers):
            for s in tracker.push(own[k]):
                self.spurts[k].append(s)
                new.append(s)
        new.sort(key=lambda s: (s.start, s.speaker))
        return new

    # -- quality -------------------------------------------------------------------------
    def _compare_channels(self, framed: np.ndarray, energy: np.ndarray) -> None:
        """Count frames with the same samples on both channels: one mic (or a mix) feeding both."""
        sounding = energy.max(axis=0) > 0
        same = (framed[0] == framed[1]).all(axis=1) & sounding
        self._sounding_frames += int(sounding.sum())
        self._same_frames += int(same.sum())
        differ = np.flatnonzero(sounding & ~same)
        if len(differ):
            self.channels_differed = True
            self.same_since_frame = self.frames_in + int(differ[-1]) + 1
            self.same_run_frames = int(same[differ[-1] + 1:].sum())
        else:
            self.same_run_frames += int(same.sum())

    def _count_clipping(self, block: np.ndarray) -> None:
        self.samples_in += len(block)
        full_scale = (32767, -32768) if block.dtype == np.int16 else (CLIP_LEVEL, -CLIP_LEVEL)
        if block.max(initial=0) >= full_scale[0] or block.min(initial=0) <= full_scale[1]:
            self._clipped += ((block >= full_scale[0]) | (block <= full_scale[1])).sum(axis=0)

    def _quality(self, names: list[str]) -> Quality:
        """``self.quality`` (drops and warnings noted by the caller) plus clipping and silent channels."""
        q = dataclasses.replace(self.quality, dropped_block_times_s=list(self.quality.dropped_block_times_s),
                                warnings=list(self.quality.warnings), silent_channels=[])
        q.clipped_share = [round(float(c) / max(self.samples_in, 1), 6) for c in self._clipped]
        for k, name in enumerate(names):
            peak_dbfs = 10 * np.log10(max(self._peak_energy[k], 1e-12) / 32768 ** 2)
            if peak_dbfs < SILENT_CHANNEL_DBFS:
                q.silent_channels.append(name)
                q.warnings.append(f"channel {k + 1} ({name}) is silent (never above {SILENT_CHANNEL_DBFS:g} dBFS): "
                                  "is the mic unplugged or muted?")
            if q.clipped_share[k] > 0.001:
                q.warnings.append(f"channel {k + 1} ({name}) clips in {q.clipped_share[k]:.2%} of samples: "
                                  "lower the input gain.")
        share = self._same_frames / self._sounding_frames if self._sounding_frames else 0.0
        if share >= SAME_SIGNAL_SHARE:
            q.warnings.append(f"channels 1 and 2 carry the very same signal in {share:.0%} of the session: one mic "
                              "or a mixed recording copied to both, so who spoke cannot be told apart; record one "
                              "mic per person (in Zoom: a separate audio file for each participant).")
        return q


def _to_float(block: np.ndarray) -> np.ndarray:
    if block.dtype == np.int16:
        return block.astype(np.float32) / 32768.0
    return block.astype(np.float32, copy=False)


def to_int16(block: np.ndarray) -> np.ndarray:
    """Float samples (full scale 1.0) as int16, rounded and clipped; int16 passes through."""
    if block.dtype == np.int16:
        return block
    return np.clip(np.rint(block * 32768.0), -32768, 32767).astype(np.int16)

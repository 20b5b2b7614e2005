"""File-input layer: open one stereo/multichannel file or two mono files as a two-speaker stream.

No analysis happens here.  `open_session` validates the inputs up front (existence,
readability, channel layout, sample rate, length; see ``validate``) and
`SessionSource.blocks` streams aligned ``(n, 2)`` blocks -- column 0 is the first
person, column 1 the second -- read block by block (see ``blocks``).

Files are read by libsndfile (soundfile) when it opens them, else by PyAV (M4A/AAC,
WebM, the sound of MP4/MOV/MKV; see ``readers`` and ``decoded``).

Truncated files: a WAV or OGG cut short is analysed for the part that is there, with a
warning; a file whose decoder fails part-way, or a PyAV-decoded stream ending more than
0.1 s before its announced duration, raises `InputError` saying it appears truncated or
corrupt; one with no decodable samples at all (header-only WAV, cut OGG) is reported as
containing no audio.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from talkbalance.config import require_supported_speakers
from talkbalance.errors import InputError
from talkbalance.io.blocks import aligned_blocks, read_checked, resample_stream, resampled_frames
from talkbalance.io.readers import AudioReader, open_reader
from talkbalance.io.validate import (
    TWO_FILE_EXAMPLE,
    require_existing_nonempty,
    require_mono,
    require_multichannel,
    require_samples,
    require_supported_rate,
    truncation_warnings,
    validate_channels,
)


@dataclass(frozen=True)
class SourceInfo:
    """What the session looks like after channel selection, resampling and trimming."""

    inputs: list[str]  # paths as given
    sample_rate_hz: int
    channels: int  # always 2 (the two speakers) after selection
    frames: int  # common length in samples per channel
    duration_s: float
    float_input: bool  # True when any file is decoded as float (FLOAT/DOUBLE/lossy): NaN/inf possible
    warnings: list[str]  # e.g. rate/length mismatch notes
    readers: list[str]  # the library that decodes each input, in order: "soundfile" or "pyav"


@dataclass
class _Input:
    """One opened file (read by soundfile or PyAV) and the channels taken from it."""

    path: str
    sound: AudioReader
    picks: list[int]  # 0-based channel indices, in output column order

    @property
    def rate_hz(self) -> int:
        return int(self.sound.samplerate)

    @property
    def frames(self) -> int:
        return int(self.sound.frames)

    @property
    def is_float(self) -> bool:
        return self.sound.is_float

    @property
    def duration_s(self) -> float:
        return self.frames / self.rate_hz


def open_session(
    paths: Sequence[str | os.PathLike], channels: Sequence[int] | None = None
) -> SessionSource:
    """Open one multichannel file or two mono files as a two-speaker session.

    `channels` are 1-based picks (first person, second person) from a single
    multichannel file; default (1, 2).  Raises `InputError` on any bad input.
    """
    path_strs = [os.fspath(p) for p in paths]
    if len(path_strs) == 1:
        return _open_single(path_strs[0], channels)
    if not path_strs:
        raise InputError(f"no input file was given; pass one stereo file or one mono file per person ({TWO_FILE_EXAMPLE}).")
    require_supported_speakers(len(path_strs), f"one mono file per person ({len(path_strs)} paths: {', '.join(path_strs)})",
                               InputError, example=TWO_FILE_EXAMPLE.removeprefix("e.g. "))
    if channels is not None:
        raise InputError(
            f"`channels` was given with {len(path_strs)} files ({', '.join(path_strs)}) but it only "
            "applies to one multichannel file; drop `channels` or pass a single multichannel file."
        )
    return _open_pair(path_strs[0], path_strs[1])


class SessionSource:
    """Streams aligned two-speaker blocks; use as a context manager or call `close()`."""

    def __init__(self, inputs: list[_Input], info: SourceInfo):
        self._inputs = inputs
        self.info = info

    @property
    def dtype(self) -> np.dtype:
        """int16 when every input is integer PCM, else float32 in [-1, 1]."""
        return np.dtype(np.float32 if self.info.float_input else np.int16)

    def blocks(self, block_frames: int = 16000) -> Iterator[np.ndarray]:
        """Yield (n, 2) blocks, dtype int16 when all inputs are integer PCM, else float32 in [-1, 1].

        Reads with soundfile or PyAV in blocks so memory is flat for any file length.  Every block
        has exactly `block_frames` rows except the last; the rows total `info.frames`.
        Each call starts again from the beginning of the files (do not interleave two iterations).
        """
        if block_frames < 1:
            raise ValueError(f"block_frames must be >= 1, got {block_frames}")
        streams = [self._column_stream(inp, block_frames) for inp in self._inputs]
        yield from aligned_blocks(streams, block_frames, self.info.frames)

    def close(self) -> None:
        """Close every underlying file (safe to call twice)."""
        for inp in self._inputs:
            inp.sound.close()

    def __enter__(self) -> SessionSource:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _column_stream(self, inp: _Input, block_frames: int) -> Iterator[np.ndarray]:
        """Output-dtype, output-rate blocks of `inp`'s picked channels, at least info.frames rows in total."""
        raw = read_checked(inp.sound, inp.picks, block_frames, self.dtype)
        out_rate_hz = self.info.sample_rate_hz
        if inp.rate_hz == out_rate_hz:
            return raw
        n_out = resampled_frames(inp.frames, inp.rate_hz, out_rate_hz)
        return resample_stream(raw, inp.rate_hz, out_rate_hz, len(inp.picks), n_out, self.dtype)


# ---------------------------------------------------------------- opening


def _open_single(path: str, channels: Sequence[int] | None) -> SessionSource:
    """One file holding both people on separate channels."""
    inp = _open_input(path)
    try:
        require_multichannel(inp.sound)
        n_channels = inp.sound.channels
        warnings = truncation_warnings(inp.sound)
        if channels is None:
            channels = (1, 2)
            if n_channels > 2:
                warnings.append(
                    f"{path} has {n_channels} channels; using channels 1 and 2 "
                    "(pick others with `channels`)."
                )
        inp.picks = validate_channels(path, channels, n_channels)
        info = SourceInfo(
            inputs=[path],
            sample_rate_hz=inp.rate_hz,
            channels=2,
            frames=inp.frames,
            duration_s=inp.duration_s,
            float_input=inp.is_float,
            warnings=warnings,
            readers=[inp.sound.library],
        )
        return SessionSource([inp], info)
    except BaseException:
        inp.sound.close()
        raise


def _open_pair(path_a: str, path_b: str) -> SessionSource:
    """Two mono files, one per person; the second is resampled to the first's rate if needed."""
    opened: list[_Input] = []
    try:
        for path in (path_a, path_b):
            opened.append(_open_input(path))
        first, second = opened
        for inp in opened:
            require_mono(inp.sound)
            inp.picks = [0]
        warnings = truncation_warnings(first.sound) + truncation_warnings(second.sound)
        rate_hz = first.rate_hz
        second_frames = resampled_frames(second.frames, second.rate_hz, rate_hz)
        if second.rate_hz != rate_hz:
            warnings.append(
                f"{second.path} was at {second.rate_hz} Hz, resampled to {rate_hz} Hz "
                f"to match {first.path}."
            )
        frames = min(first.frames, second_frames)
        if first.frames != second_frames:
            warnings.append(
                f"{first.path} lasts {first.duration_s:.2f} s and {second.path} lasts "
                f"{second.duration_s:.2f} s; analysing only the first {frames / rate_hz:.2f} s "
                "common to both."
            )
        info = SourceInfo(
            inputs=[path_a, path_b],
            sample_rate_hz=rate_hz,
            channels=2,
            frames=frames,
            duration_s=frames / rate_hz,
            float_input=first.is_float or second.is_float,
            warnings=warnings,
            readers=[first.sound.library, second.sound.library],
        )
        return SessionSource(opened, info)
    except BaseException:
        for inp in opened:
            inp.sound.close()
        raise


def _open_input(path: str) -> _Input:
    """Open `path` (soundfile, else PyAV) and check it is a non-empty file at a supported rate."""
    require_existing_nonempty(path)
    sound = open_reader(path)
    inp = _Input(path=path, sound=sound, picks=[])
    try:
        require_samples(sound)
        require_supported_rate(sound)
    except BaseException:
        sound.close()
        raise
    return inp

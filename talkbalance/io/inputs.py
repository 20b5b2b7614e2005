"""File-input layer: open one stereo/multichannel file or two mono files as a two-speaker stream.

No analysis happens here.  `open_session` validates the inputs up front (existence,
readability, channel layout, sample rate, length) and `SessionSource.blocks` streams
aligned ``(n, 2)`` blocks -- column 0 is the first person, column 1 the second --
reading with soundfile block by block so memory stays flat for any file length.

Every user mistake raises `InputError` with one sentence naming the file, the problem
and the fix.

Truncated files: libsndfile reads a truncated WAV as a shorter file (it trusts the
bytes present, not the header), so for WAV we compare the header's declared data size
with the bytes present and, when the file is cut short, analyse the part that is there
and add a warning.  A file whose decoder fails part-way (e.g. a truncated FLAC: "lost
sync") or that ends before its announced length raises `InputError` saying it appears
truncated or corrupt.  A truncated file with no decodable samples at all (header-only
WAV, cut OGG) is reported as containing no audio.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import soundfile as sf
import soxr

from talkbalance.config import require_supported_speakers
from talkbalance.errors import InputError

MIN_RATE_HZ = 8000
MAX_RATE_HZ = 96000
INT16_FULL_SCALE = 32768.0
RESAMPLE_QUALITY = "HQ"

# Subtypes decoded as float32; every other subtype (PCM_*, ULAW, ALAW, ADPCM...) as int16.
FLOAT_SUBTYPES = frozenset(
    {"FLOAT", "DOUBLE", "VORBIS", "OPUS", "MPEG_LAYER_I", "MPEG_LAYER_II", "MPEG_LAYER_III"}
)
READABLE_FORMATS_HINT = "WAV, FLAC, OGG..."
TWO_FILE_EXAMPLE = "e.g. trainee.wav and client.wav"
WAV_UNKNOWN_DATA_SIZES = (0, 0xFFFFFFFF)  # written by streaming encoders that never patch the header


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


@dataclass
class _Input:
    """One opened file and the channels taken from it."""

    path: str
    sound: sf.SoundFile
    picks: list[int]  # 0-based channel indices, in output column order

    @property
    def rate_hz(self) -> int:
        return int(self.sound.samplerate)

    @property
    def frames(self) -> int:
        return int(self.sound.frames)

    @property
    def is_float(self) -> bool:
        return self.sound.subtype in FLOAT_SUBTYPES

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

        Reads with soundfile in blocks so memory is flat for any file length.  Every block
        has exactly `block_frames` rows except the last; the rows total `info.frames`.
        Each call starts again from the beginning of the files (do not interleave two iterations).
        """
        if block_frames < 1:
            raise ValueError(f"block_frames must be >= 1, got {block_frames}")
        streams = [self._column_stream(inp, block_frames) for inp in self._inputs]
        yield from _aligned_blocks(streams, block_frames, self.info.frames)

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
        try:
            inp.sound.seek(0)
        except (sf.LibsndfileError, RuntimeError, OSError) as exc:
            raise _truncated_error(inp, 0, exc) from None
        raw = _read_checked(inp, block_frames, self.dtype)
        out_rate_hz = self.info.sample_rate_hz
        if inp.rate_hz == out_rate_hz:
            return raw
        n_out = _resampled_frames(inp.frames, inp.rate_hz, out_rate_hz)
        return _resample_stream(raw, inp.rate_hz, out_rate_hz, len(inp.picks), n_out, self.dtype)


# ---------------------------------------------------------------- opening & validation


def _open_single(path: str, channels: Sequence[int] | None) -> SessionSource:
    """One file holding both people on separate channels."""
    inp = _open_input(path)
    try:
        n_channels = inp.sound.channels
        if n_channels < 2:
            raise InputError(
                f"{path} is mono but two people are expected; pass two mono files "
                f"({TWO_FILE_EXAMPLE}) or pick two channels of one multichannel file with `channels`."
            )
        warnings = _truncation_warnings(inp)
        if channels is None:
            channels = (1, 2)
            if n_channels > 2:
                warnings.append(
                    f"{path} has {n_channels} channels; using channels 1 and 2 "
                    "(pick others with `channels`)."
                )
        inp.picks = _validate_channels(path, channels, n_channels)
        info = SourceInfo(
            inputs=[path],
            sample_rate_hz=inp.rate_hz,
            channels=2,
            frames=inp.frames,
            duration_s=inp.duration_s,
            float_input=inp.is_float,
            warnings=warnings,
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
            _require_mono(inp)
            inp.picks = [0]
        warnings = _truncation_warnings(first) + _truncation_warnings(second)
        rate_hz = first.rate_hz
        second_frames = _resampled_frames(second.frames, second.rate_hz, rate_hz)
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
        )
        return SessionSource(opened, info)
    except BaseException:
        for inp in opened:
            inp.sound.close()
        raise


def _open_input(path: str) -> _Input:
    """Open `path` with soundfile and check it is a non-empty file at a supported rate."""
    _require_existing_nonempty(path)
    try:
        sound = sf.SoundFile(path)
    except (sf.LibsndfileError, RuntimeError, OSError, ValueError, TypeError) as exc:
        raise InputError(
            f"{path} is not a readable audio file ({READABLE_FORMATS_HINT}): {_reason(exc)}; "
            "convert it to WAV or FLAC and try again."
        ) from None
    inp = _Input(path=path, sound=sound, picks=[])
    try:
        _require_samples(inp)
        _require_supported_rate(inp)
    except BaseException:
        sound.close()
        raise
    return inp


def _require_existing_nonempty(path: str) -> None:
    if not os.path.exists(path):
        raise InputError(f"{path}: file not found; check the path and spelling.")
    if os.path.isdir(path):
        raise InputError(f"{path} is a directory, not an audio file; pass the path of a WAV, FLAC or OGG file.")
    if os.path.getsize(path) == 0:
        raise InputError(f"{path} is empty (0 bytes); re-export or re-copy the recording.")


def _require_samples(inp: _Input) -> None:
    if inp.frames <= 0:
        raise InputError(
            f"{inp.path} contains no audio samples (only a header, or the file is truncated); "
            "re-export the recording."
        )


def _require_supported_rate(inp: _Input) -> None:
    if not MIN_RATE_HZ <= inp.rate_hz <= MAX_RATE_HZ:
        raise InputError(
            f"{inp.path} has a sample rate of {inp.rate_hz} Hz, outside the supported "
            f"{MIN_RATE_HZ // 1000}-{MAX_RATE_HZ // 1000} kHz range; re-export it at e.g. 16000 or 48000 Hz."
        )


def _require_mono(inp: _Input) -> None:
    if inp.sound.channels != 1:
        raise InputError(
            f"{inp.path} has {inp.sound.channels} channels but two-file input needs one mono file per "
            "person; pass two mono files or use `channels` on one multichannel file."
        )


def _validate_channels(path: str, channels: Sequence[int], n_channels: int) -> list[int]:
    """Turn 1-based channel picks (one per person, in speaker order) into 0-based indices, or raise InputError."""
    require_supported_speakers(len(channels), f"`channels` for {path}", InputError)
    for ch in channels:
        if not isinstance(ch, (int, np.integer)) or not 1 <= ch <= n_channels:
            raise InputError(
                f"Channel {ch} is out of range for {path}, which has {n_channels} channels; "
                f"pick channels between 1 and {n_channels}."
            )
    twice = next((ch for k, ch in enumerate(channels) if ch in channels[:k]), None)
    if twice is not None:
        raise InputError(
            f"`channels` picks channel {twice} of {path} twice; pick different channels, one per person."
        )
    return [int(ch) - 1 for ch in channels]


def _reason(exc: BaseException) -> str:
    """libsndfile's short reason, without the repeated "Error opening '...'" prefix."""
    text = str(exc).strip().rsplit(": ", 1)[-1].rstrip(".").strip()
    return text or type(exc).__name__


# ---------------------------------------------------------------- truncated WAV detection


def _truncation_warnings(inp: _Input) -> list[str]:
    """Warn when a WAV's header announces more audio data than the file holds."""
    if inp.sound.format not in ("WAV", "WAVEX"):
        return []
    layout = wav_data_layout(inp.path)
    if layout is None:
        return []
    declared_bytes, offset_bytes, block_align = layout
    present_bytes = os.path.getsize(inp.path) - offset_bytes
    if declared_bytes in WAV_UNKNOWN_DATA_SIZES or present_bytes >= declared_bytes or block_align <= 0:
        return []
    declared_s = declared_bytes // block_align / inp.rate_hz
    return [
        f"{inp.path} appears truncated: its header announces {declared_s:.2f} s but only "
        f"{inp.duration_s:.2f} s is present; analysing the part that is there."
    ]


def wav_data_layout(path: str) -> tuple[int, int, int] | None:
    """(declared data bytes, data offset, block align) of a RIFF/WAVE file, or None if unparseable."""
    with open(path, "rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        block_align = 0
        while True:
            chunk = fh.read(8)
            if len(chunk) < 8:
                return None
            chunk_id, size = chunk[:4], int.from_bytes(chunk[4:], "little")
            if chunk_id == b"data":
                return size, fh.tell(), block_align
            body = fh.read(size + (size & 1))
            if chunk_id == b"fmt " and len(body) >= 14:
                block_align = int.from_bytes(body[12:14], "little")


# ---------------------------------------------------------------- streaming


def _read_checked(inp: _Input, block_frames: int, out_dtype: np.dtype) -> Iterator[np.ndarray]:
    """Read `inp`'s picked channels in blocks, checked for damage and converted to `out_dtype`."""
    read_dtype = "float32" if inp.is_float else "int16"
    done_frames = 0
    while done_frames < inp.frames:
        want = min(block_frames, inp.frames - done_frames)
        try:
            data = inp.sound.read(want, dtype=read_dtype, always_2d=True)
        except (sf.LibsndfileError, RuntimeError, OSError) as exc:
            raise _truncated_error(inp, done_frames, exc) from None
        if len(data) == 0:
            raise _truncated_error(inp, done_frames, None)
        if list(inp.picks) != list(range(data.shape[1])):
            data = data[:, inp.picks]
        if inp.is_float:
            _require_finite(inp, data, done_frames)
        done_frames += len(data)
        yield _convert(data, out_dtype)


def _truncated_error(inp: _Input, done_frames: int, exc: BaseException | None) -> InputError:
    detail = f" ({_reason(exc)})" if exc is not None else ""
    return InputError(
        f"{inp.path} appears truncated or corrupt: reading failed after {done_frames / inp.rate_hz:.2f} s "
        f"of {inp.duration_s:.2f} s{detail}; re-export or re-copy the recording."
    )


def _require_finite(inp: _Input, data: np.ndarray, done_frames: int) -> None:
    """Raise InputError at the first NaN/inf sample of a float block."""
    finite = np.isfinite(data)
    if finite.all():
        return
    first_bad_row = int(np.argmin(finite.all(axis=1)))
    time_s = (done_frames + first_bad_row) / inp.rate_hz
    raise InputError(
        f"{inp.path} is damaged: it contains NaN or infinite samples starting at {time_s:.2f} s; "
        "re-export it from the recording software."
    )


def _convert(data: np.ndarray, out_dtype: np.dtype) -> np.ndarray:
    """int16 stays int16 when the output is int16; int16 becomes float32 scaled by 1/32768."""
    if out_dtype == np.float32 and data.dtype == np.int16:
        return data.astype(np.float32) / np.float32(INT16_FULL_SCALE)
    return data


def _resampled_frames(n_frames: int, rate_in_hz: int, rate_out_hz: int) -> int:
    """Expected length of `n_frames` after resampling from `rate_in_hz` to `rate_out_hz`."""
    return int(round(n_frames * rate_out_hz / rate_in_hz))


def _resample_stream(
    blocks: Iterator[np.ndarray],
    rate_in_hz: int,
    rate_out_hz: int,
    n_channels: int,
    n_out_frames: int,
    dtype: np.dtype,
) -> Iterator[np.ndarray]:
    """Resample a block stream with soxr, yielding exactly `n_out_frames` rows in total.

    soxr's total can differ from the rounded expectation by a frame: extra rows are
    dropped, a shortfall is padded with silence.
    """
    resampler = soxr.ResampleStream(rate_in_hz, rate_out_hz, n_channels, dtype=dtype.name, quality=RESAMPLE_QUALITY)
    emitted = 0
    for block in blocks:
        out = resampler.resample_chunk(block, last=False)
        out = out[: n_out_frames - emitted]
        emitted += len(out)
        yield out
    tail = resampler.resample_chunk(np.zeros((0, n_channels), dtype=dtype), last=True)
    tail = tail[: n_out_frames - emitted]
    emitted += len(tail)
    yield tail
    if emitted < n_out_frames:
        yield np.zeros((n_out_frames - emitted, n_channels), dtype=dtype)


class _Buffer:
    """Pulls variable-size blocks from a stream and hands out exact row counts."""

    def __init__(self, stream: Iterator[np.ndarray]):
        self._stream = stream
        self._parts: list[np.ndarray] = []
        self._rows = 0

    def take(self, n_rows: int) -> np.ndarray:
        """Return the next `n_rows` rows; the streams built here always have enough."""
        while self._rows < n_rows:
            part = next(self._stream, None)
            if part is None:
                break
            if len(part):
                self._parts.append(part)
                self._rows += len(part)
        if self._rows < n_rows:
            raise RuntimeError(f"internal error: input stream ended {n_rows - self._rows} rows early")
        joined = np.concatenate(self._parts) if len(self._parts) > 1 else self._parts[0]
        head, rest = joined[:n_rows], joined[n_rows:]
        self._parts = [rest] if len(rest) else []
        self._rows = len(rest)
        return head


def _aligned_blocks(streams: list[Iterator[np.ndarray]], block_frames: int, total_frames: int) -> Iterator[np.ndarray]:
    """Combine per-input streams side by side into (n, 2) blocks of `block_frames` rows, `total_frames` in all."""
    buffers = [_Buffer(stream) for stream in streams]
    done_frames = 0
    while done_frames < total_frames:
        n_rows = min(block_frames, total_frames - done_frames)
        parts = [buf.take(n_rows) for buf in buffers]
        block = np.ascontiguousarray(np.hstack(parts) if len(parts) > 1 else parts[0])
        if block.dtype == np.float32:  # float files and soxr output may overshoot full scale
            np.clip(block, -1.0, 1.0, out=block)
        done_frames += n_rows
        yield block

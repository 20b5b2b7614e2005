"""The checks on input audio files, each failing with one sentence naming the file, the problem and the fix.

Existence and size, samples present, a supported rate, channel layout and picks, finite
samples, and the WAV header's declared length against the bytes present (a truncation
warning). Every user mistake raises `InputError`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from talkbalance.config import require_supported_speakers
from talkbalance.errors import InputError
from talkbalance.io.wav import wav_data_layout

MIN_RATE_HZ = 8000
MAX_RATE_HZ = 96000
READABLE_FORMATS_HINT = "WAV, FLAC, OGG, MP3, M4A/AAC, Opus, WebM, or the sound of an MP4/MOV/MKV video"
TWO_FILE_EXAMPLE = "e.g. trainee.wav and client.wav"
WAV_UNKNOWN_DATA_SIZES = (0, 0xFFFFFFFF)  # written by streaming encoders that never patch the header
OGG_TAIL_BYTES = 65536 + 282  # holds the start of the last Ogg page (a page is at most 65307 bytes)
OGG_END_OF_STREAM = 0x04      # the header-type flag of a stream's last page


class AudioFile(Protocol):
    """What the checks read of an opened file (a soundfile ``SoundFile`` or a PyAV ``DecodedAudio``)."""

    name: str
    samplerate: int
    channels: int
    frames: int
    format: str  # the library's format name: "WAV", "OGG", ... or FFmpeg's "mov,mp4,m4a,3gp,3g2,mj2", ...


def require_existing_nonempty(path: str) -> None:
    if not os.path.exists(path):
        raise InputError(f"{path}: file not found; check the path and spelling.")
    if os.path.isdir(path):
        raise InputError(f"{path} is a directory, not an audio file; pass the path of one ({READABLE_FORMATS_HINT}).")
    if os.path.getsize(path) == 0:
        raise InputError(f"{path} is empty (0 bytes); re-export or re-copy the recording.")


def unreadable_error(path: str, soundfile_exc: BaseException, pyav_exc: BaseException) -> InputError:
    """The error for a file neither soundfile nor PyAV (FFmpeg) can open, with both reasons."""
    return InputError(
        f"{path} is not a readable audio file ({READABLE_FORMATS_HINT}): libsndfile says {reason(soundfile_exc)} and "
        f"FFmpeg says {reason(pyav_exc)}; if it is a recording cut short re-export or re-download it, otherwise "
        "convert it to WAV or FLAC and try again."
    )


def require_samples(sound: AudioFile) -> None:
    if sound.frames <= 0:
        raise InputError(
            f"{sound.name} contains no audio samples (only a header, or the file is truncated); "
            "re-export the recording."
        )


def require_supported_rate(sound: AudioFile) -> None:
    if not MIN_RATE_HZ <= sound.samplerate <= MAX_RATE_HZ:
        raise InputError(
            f"{sound.name} has a sample rate of {sound.samplerate} Hz, outside the supported "
            f"{MIN_RATE_HZ // 1000}-{MAX_RATE_HZ // 1000} kHz range; re-export it at e.g. 16000 or 48000 Hz."
        )


def require_mono(sound: AudioFile) -> None:
    if sound.channels != 1:
        raise InputError(
            f"{sound.name} has {sound.channels} channels but two-file input needs one mono file per "
            "person; pass two mono files or use `channels` on one multichannel file."
        )


def require_multichannel(sound: AudioFile) -> None:
    if sound.channels < 2:
        raise InputError(
            f"{sound.name} is mono but two people are expected; pass two mono files "
            f"({TWO_FILE_EXAMPLE}) or pick two channels of one multichannel file with `channels`."
        )


def validate_channels(path: str, channels: Sequence[int], n_channels: int) -> list[int]:
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


def require_finite(sound: AudioFile, data: np.ndarray, done_frames: int) -> None:
    """Raise InputError at the first NaN/inf sample of a float block read after `done_frames`."""
    finite = np.isfinite(data)
    if finite.all():
        return
    first_bad_row = int(np.argmin(finite.all(axis=1)))
    time_s = (done_frames + first_bad_row) / sound.samplerate
    raise InputError(
        f"{sound.name} is damaged: it contains NaN or infinite samples starting at {time_s:.2f} s; "
        "re-export it from the recording software."
    )


def truncated_error(sound: AudioFile, done_frames: int, exc: BaseException | None) -> InputError:
    """The error for a file whose reading failed (`exc`, if any) after `done_frames`."""
    detail = f" ({reason(exc)})" if exc is not None else ""
    return InputError(
        f"{sound.name} appears truncated or corrupt: reading failed after {done_frames / sound.samplerate:.2f} s "
        f"of {sound.frames / sound.samplerate:.2f} s{detail}; re-export, re-download or re-copy the recording."
    )


def reason(exc: BaseException) -> str:
    """The library's short reason: FFmpeg's error text, or libsndfile's without the repeated "Error opening '...'" prefix."""
    strerror = getattr(exc, "strerror", None)
    text = (strerror if isinstance(strerror, str) else str(exc).strip().rsplit(": ", 1)[-1]).rstrip(".").strip()
    return text or type(exc).__name__


def truncation_warnings(sound: AudioFile) -> list[str]:
    """Warn when a WAV's header announces more audio data than the file holds, or an Ogg file lacks its last page.

    libsndfile reads a truncated WAV as a shorter file (it trusts the bytes present, not the header), and an Ogg
    file cut short as a shorter file (its length is the last page's position): the part present is analysed.
    """
    if sound.format == "OGG":
        return _ogg_truncation_warnings(sound)
    if sound.format not in ("WAV", "WAVEX"):
        return []
    layout = wav_data_layout(sound.name)
    if layout is None:
        return []
    declared_bytes, offset_bytes, block_align = layout
    present_bytes = os.path.getsize(sound.name) - offset_bytes
    if declared_bytes in WAV_UNKNOWN_DATA_SIZES or present_bytes >= declared_bytes or block_align <= 0:
        return []
    declared_s = declared_bytes // block_align / sound.samplerate
    return [
        f"{sound.name} appears truncated: its header announces {declared_s:.2f} s but only "
        f"{sound.frames / sound.samplerate:.2f} s is present; analysing the part that is there."
    ]


def _ogg_truncation_warnings(sound: AudioFile) -> list[str]:
    """Warn when the last Ogg page in the file is not flagged as its stream's end (the file was cut)."""
    with open(sound.name, "rb") as handle:
        handle.seek(max(0, os.path.getsize(sound.name) - OGG_TAIL_BYTES))
        tail = handle.read()
    last_page = tail.rfind(b"OggS")
    if last_page < 0 or last_page + 5 >= len(tail) or tail[last_page + 5] & OGG_END_OF_STREAM:
        return []
    return [
        f"{sound.name} appears truncated: it stops without the end-of-stream mark after "
        f"{sound.frames / sound.samplerate:.2f} s; analysing the part that is there (re-export or re-download it "
        "for the whole session)."
    ]

"""Opening one input file with the library that reads it: libsndfile (soundfile) first, PyAV (FFmpeg) when
libsndfile cannot open the file; both behind `AudioReader`, the interface the input layer reads through.

libsndfile reads WAV, FLAC, OGG Vorbis/Opus and MP3 (and AIFF, CAF...); PyAV reads M4A/AAC, Opus or Vorbis
in WebM, and the sound of MP4/MOV/MKV video.  A file neither opens raises `InputError` with both reasons.
PyAV is imported only when libsndfile cannot open a file (it adds about 0.1 s and 15 MB to every start).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import numpy as np
import soundfile as sf

from talkbalance.io.validate import AudioFile, truncated_error, unreadable_error

# Subtypes decoded as float32; every other subtype (PCM_*, ULAW, ALAW, ADPCM...) as int16.
FLOAT_SUBTYPES = frozenset(
    {"FLOAT", "DOUBLE", "VORBIS", "OPUS", "MPEG_LAYER_I", "MPEG_LAYER_II", "MPEG_LAYER_III"}
)
SOUNDFILE = "soundfile"


class AudioReader(AudioFile, Protocol):
    """An opened input: its length, rate, channels and name (`AudioFile`), and its samples block by block."""

    is_float: bool  # blocks are float32 (NaN/inf possible); else int16
    library: str  # "soundfile" or "pyav"

    def blocks(self, block_frames: int) -> Iterator[np.ndarray]:
        """(n, channels) blocks of `block_frames` rows from the start, `frames` rows in all; InputError on damage."""
        ...

    def close(self) -> None: ...


class SoundfileReader:
    """A file libsndfile reads, through an `sf.SoundFile`."""

    library = SOUNDFILE

    def __init__(self, sound: sf.SoundFile):
        self._sound = sound
        self.name = str(sound.name)
        self.samplerate = int(sound.samplerate)
        self.channels = int(sound.channels)
        self.frames = int(sound.frames)
        self.format = str(sound.format)
        self.is_float = sound.subtype in FLOAT_SUBTYPES

    def blocks(self, block_frames: int) -> Iterator[np.ndarray]:
        try:
            self._sound.seek(0)
        except (sf.LibsndfileError, RuntimeError, OSError) as exc:
            raise truncated_error(self, 0, exc) from None
        return self._read(block_frames)

    def close(self) -> None:
        self._sound.close()

    def _read(self, block_frames: int) -> Iterator[np.ndarray]:
        read_dtype = "float32" if self.is_float else "int16"
        done_frames = 0
        while done_frames < self.frames:
            want = min(block_frames, self.frames - done_frames)
            try:
                data = self._sound.read(want, dtype=read_dtype, always_2d=True)
            except (sf.LibsndfileError, RuntimeError, OSError) as exc:
                raise truncated_error(self, done_frames, exc) from None
            if len(data) == 0:
                raise truncated_error(self, done_frames, None)
            done_frames += len(data)
            yield data


def open_reader(path: str) -> AudioReader:
    """Open `path` with soundfile, or with PyAV when soundfile cannot; `InputError` naming both reasons if neither can."""
    try:
        return SoundfileReader(sf.SoundFile(path))
    except (sf.LibsndfileError, RuntimeError, OSError, ValueError, TypeError) as soundfile_exc:
        soundfile_error = soundfile_exc
    import av

    from talkbalance.io.decoded import DecodedAudio

    try:
        return DecodedAudio(path)
    except (av.FFmpegError, OSError) as pyav_exc:
        raise unreadable_error(path, soundfile_error, pyav_exc) from None

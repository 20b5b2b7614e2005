"""Streaming PyAV (FFmpeg) decode of a file's first audio track into float32 blocks at its native rate.

For what libsndfile does not read: M4A/AAC, Opus or Vorbis in WebM/Matroska, the audio of MP4/MOV/MKV video.
Packets are decoded one at a time, so memory stays flat for any duration.

Length: the track's announced duration (stream duration, else the container's), rounded to samples.  The
decoded stream is made exactly that long: a shortfall of up to `LENGTH_TOLERANCE_S` at the end is padded
with silence (encoder padding and rounding), decoder output past it is dropped.  A stream that ends earlier
raises `InputError` (truncated); one that runs on longer raises `InputError` (its length information is
wrong).  A file announcing no duration at all (a browser's streamed WebM) is counted with one decoding pass
before the analysis, packet by packet, memory flat.
"""

from __future__ import annotations

from collections.abc import Iterator

import av
import av.container
import numpy as np

from talkbalance.errors import InputError
from talkbalance.io.blocks import RowBuffer
from talkbalance.io.validate import reason, truncated_error

LENGTH_TOLERANCE_S = 0.1   # the end may differ this much from the announced duration
LIBRARY = "pyav"

# PyAV's sample formats (packed or planar alike) and the scale that brings them to [-1, 1]
_SCALE = {"flt": 1.0, "dbl": 1.0, "s16": 1 / 32768, "s32": 1 / 2**31, "s64": 1 / 2**63, "u8": 1 / 128}


class DecodedAudio:
    """One file's first audio track as decoded by PyAV: `frames`, `samplerate`, `channels`, `name`.

    Opening checks that there is an audio track, that FFmpeg has a decoder for it and that its first
    packets decode; raises `InputError` otherwise, and `av.FFmpegError` when FFmpeg cannot open the file
    at all (the caller reports it together with soundfile's reason).
    """

    is_float = True
    library = LIBRARY

    def __init__(self, path: str):
        self.name = path
        self._container: av.container.InputContainer | None = None
        container = av.open(path)
        try:
            stream = self._audio_stream(container)
            self.format = str(container.format.name)
            self.samplerate = int(stream.rate or 0)
            self.channels = int(stream.channels or 0)
            self.codec = stream.codec_context.name
            self._check_first_frame(container, stream)
            announced = self._announced_frames(container, stream)
        finally:
            container.close()
        self.frames = self._counted_frames() if announced is None else announced

    def blocks(self, block_frames: int) -> Iterator[np.ndarray]:
        """float32 (n, channels) blocks of `block_frames` rows (the last one shorter), `frames` rows in all.

        Each call decodes again from the start.  Raises `InputError` when the stream ends more than
        `LENGTH_TOLERANCE_S` early (truncated), runs on as long past `frames`, or fails to decode.
        """
        exact = self._exactly_frames()
        rows = RowBuffer(exact)
        for done in range(0, self.frames, block_frames):
            yield rows.take(min(block_frames, self.frames - done))
        for _ in exact:         # decode to the end: a track running on past its announced length is an error
            pass

    def close(self) -> None:
        """Close the container of an unfinished `blocks` iteration (safe to call twice)."""
        if self._container is not None:
            self._container.close()
            self._container = None

    # ------------------------------------------------------------ opening

    def _audio_stream(self, container: av.container.InputContainer) -> av.AudioStream:
        if not container.streams.audio:
            kinds = " and ".join(sorted({str(s.type) for s in container.streams})) or "nothing"
            raise InputError(
                f"{self.name} has no audio track (it holds {kinds}); export or download the recording "
                "with its sound, or pass the audio file itself."
            )
        stream = container.streams.audio[0]
        if stream.codec_context is None:
            raise InputError(
                f"{self.name} has an audio track in a codec FFmpeg cannot decode (or a DRM-protected one); "
                "export it from the recording software to WAV, FLAC, M4A or MP3 without copy protection."
            )
        return stream

    def _check_first_frame(self, container: av.container.InputContainer, stream: av.AudioStream) -> None:
        try:
            frame = next(container.decode(stream), None)
        except av.FFmpegError as exc:
            raise self._codec_error(reason(exc)) from None
        if frame is None:
            raise InputError(
                f"{self.name} contains no audio samples (its {self.codec} track is empty, or the file is truncated); "
                "re-export or re-download the recording."
            )

    def _codec_error(self, detail: str) -> InputError:
        return InputError(
            f"{self.name} has a {self.codec} audio track that does not decode ({detail}): it may be DRM-protected "
            "or in an unsupported variant of the codec; export it from the recording software to WAV, FLAC, M4A or "
            "MP3 without copy protection."
        )

    def _announced_frames(self, container: av.container.InputContainer, stream: av.AudioStream) -> int | None:
        """Samples per channel the track announces: its own duration, else the container's; None if neither."""
        if stream.duration is not None and stream.time_base is not None:
            return int(round(stream.duration * stream.time_base * self.samplerate))
        if container.duration is not None:
            return int(round(container.duration * self.samplerate / av.time_base))
        return None

    def _counted_frames(self) -> int:
        """Samples per channel found by decoding the whole track once (no samples kept)."""
        counted = 0
        for chunk in self._decoded(None):
            counted += len(chunk)
        return counted

    # ------------------------------------------------------------ decoding

    def _exactly_frames(self) -> Iterator[np.ndarray]:
        """The decoded chunks cut or padded with silence to `frames` rows; `InputError` (truncated) when more than
        `LENGTH_TOLERANCE_S` is missing at the end."""
        tolerance = int(LENGTH_TOLERANCE_S * self.samplerate)
        done = 0
        for chunk in self._decoded(tolerance):
            chunk = chunk[: self.frames - done]
            done += len(chunk)
            yield chunk
        if done < self.frames - tolerance:
            raise truncated_error(self, done, None)
        yield np.zeros((self.frames - done, self.channels), dtype=np.float32)

    def _decoded(self, overshoot_limit: int | None) -> Iterator[np.ndarray]:
        """Decoded float32 (n, channels) chunks from the start; stops `overshoot_limit` rows past `frames`."""
        self.close()
        self._container = container = av.open(self.name)
        decoded = 0
        try:
            stream = container.streams.audio[0]
            try:
                for frame in container.decode(stream):
                    chunk = self._samples(frame, decoded)
                    decoded += len(chunk)
                    yield chunk
                    if overshoot_limit is not None and decoded > self.frames + overshoot_limit:
                        raise InputError(
                            f"{self.name} holds more audio than its header announces ({self.frames / self.samplerate:.2f} s): "
                            "its length information is wrong; re-export it (or convert it to WAV or FLAC)."
                        )
            except av.FFmpegError as exc:
                raise truncated_error(self, decoded, exc) from None
        finally:
            self.close()

    def _samples(self, frame: av.AudioFrame, done_frames: int) -> np.ndarray:
        """One decoded frame as float32 (n, channels) in [-1, 1] (packed or planar, any sample format)."""
        if frame.sample_rate != self.samplerate or frame.layout.nb_channels != self.channels:
            raise InputError(
                f"{self.name} changes its audio format {done_frames / self.samplerate:.2f} s in (to "
                f"{frame.layout.nb_channels} channels at {frame.sample_rate} Hz); convert it to WAV or FLAC first."
            )
        raw = frame.to_ndarray()
        data = raw.T if frame.format.is_planar else raw.reshape(-1, self.channels)
        scale = _SCALE[frame.format.name.rstrip("p")]
        if frame.format.name.startswith("u8"):
            data = data.astype(np.float32) - np.float32(128)
        out = data.astype(np.float32, copy=False)
        return np.ascontiguousarray(out * np.float32(scale) if scale != 1.0 else out)


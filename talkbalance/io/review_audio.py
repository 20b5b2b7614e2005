"""The recording report.html plays, and the link to it.

The page links the analysed file itself, relative to the session folder, when a browser plays it as it is: one
file in a format browsers play (WAV PCM, FLAC, Ogg Vorbis or Opus, MP3) whose channels are the speakers, in order.
Anything else (two mono files such as Zoom's per-participant M4A files, channels picked from a multichannel file,
AIFF, CAF, what only PyAV decodes -- M4A, WebM, video -- as not every browser plays those, or a file on another
drive) gets a compressed stereo copy beside the page, ``report_audio.ogg`` (Ogg Vorbis), encoded from the
session's own aligned blocks (the audio that was analysed), block by block, so memory stays flat for any length.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import soundfile as sf

from talkbalance.core.types import Recording

REVIEW_COPY = "report_audio.ogg"
COPY_BLOCK_S = 20.0              # seconds of audio per encoded block
COPY_QUALITY = 0.7               # Vorbis compression level (0: best, 1: smallest): clear speech, about 27 MB an hour

# what Chromium, Firefox and Safari all play, by soundfile's format and subtype names
PLAYABLE = {
    "WAV": {"PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT"},
    "FLAC": {"PCM_S8", "PCM_16", "PCM_24"},
    "OGG": {"VORBIS", "OPUS"},
    "MP3": {"MPEG_LAYER_III"},
}


@dataclass(frozen=True)
class ReviewAudio:
    """What report.html plays: ``url`` relative to the session folder (``None``: no recording on file), and the
    recording to encode into ``REVIEW_COPY`` first (``None``: the page links the recording itself)."""

    url: str | None
    copy_of: Recording | None = None


def review_audio(recording: Recording | None, speakers: int, out_dir: Path) -> ReviewAudio:
    """Decide what the page of a session of ``speakers`` people written into ``out_dir`` plays; nothing is written."""
    if recording is None or not recording.paths or not all(os.path.isfile(p) for p in recording.paths):
        return ReviewAudio(None)
    as_is = len(recording.paths) == 1 and _plays_as_is(recording, speakers)
    link = _link(recording.paths[0], out_dir) if as_is else None
    return ReviewAudio(link) if link is not None else ReviewAudio(quote(REVIEW_COPY), recording)


def write_review_copy(recording: Recording, path: Path) -> None:
    """Encode the session's audio (its aligned speaker channels, as analysed) into ``path`` (Ogg Vorbis), through
    a temporary file, so that ``path`` is the whole copy or absent."""
    from talkbalance.io.inputs import open_session

    tmp = path.with_name(path.name + ".tmp")
    try:
        with open_session(recording.paths, recording.channels) as source:
            info = source.info
            with sf.SoundFile(tmp, "w", info.sample_rate_hz, info.channels, format="OGG", subtype="VORBIS",
                              compression_level=COPY_QUALITY) as out:
                for block in source.blocks(max(1, int(info.sample_rate_hz * COPY_BLOCK_S))):
                    out.write(block)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _plays_as_is(recording: Recording, speakers: int) -> bool:
    """A file that browsers play, holding just the speakers' channels, in speaker order."""
    try:
        info = sf.info(recording.paths[0])
    except (sf.LibsndfileError, RuntimeError, OSError):
        return False
    every_channel = tuple(range(1, info.channels + 1))
    picks = recording.channels if recording.channels is not None else every_channel[:speakers]
    return picks == every_channel and info.subtype in PLAYABLE.get(info.format, set())


def _link(path: str, out_dir: Path) -> str | None:
    """``path`` as a URL relative to ``out_dir`` (``None`` when there is no relative path: another drive)."""
    try:
        relative = os.path.relpath(os.path.abspath(path), os.path.abspath(out_dir))
    except ValueError:
        return None
    return quote(Path(relative).as_posix())

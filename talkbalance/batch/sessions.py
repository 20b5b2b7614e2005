"""The sessions of a corpus: what each one is (id, recordings, settings), and finding them in files and folders.

A session's id is its file's path relative to the folder given, without the extension (``week2/s00`` for
``corpus/week2/s00.wav``); a file given by itself is named by its name without the extension. Inputs are kept as
absolute paths, so that worker processes anywhere read the same files.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from talkbalance.errors import InputError

# soundfile's format names that are not file extensions, and the extensions of the formats it reads under other names
NOT_EXTENSIONS = {"raw", "wavex", "mat4", "mat5"}
OTHER_EXTENSIONS = {"AIFF": ("aif", "aifc"), "OGG": ("oga", "opus"), "NIST": ("sph",), "AU": ("snd",)}
# what the input layer decodes with PyAV when libsndfile cannot open it (M4A/AAC, WebM, the sound of video files)
PYAV_EXTENSIONS = frozenset({"m4a", "aac", "mp3", "opus", "webm", "mka", "mkv", "mp4", "mov"})
TABLE_NAMES = ("sessions.csv", "events.csv")    # the corpus tables beside the session folders


@dataclass(frozen=True)
class Settings:
    """How a session is analysed, as ``analyze_file`` takes it (``None``: the default)."""

    channels: tuple[int, ...] | None = None
    speakers: tuple[str, ...] | None = None     # two names
    trainee: str | None = None
    config: str | None = None          # a TOML file


@dataclass(frozen=True)
class Session:
    """One session: ``id`` (its folder in the output folder), one stereo file or two mono files, its settings."""

    id: str
    inputs: tuple[str, ...]
    settings: Settings = Settings()


def audio_extensions() -> frozenset[str]:
    """The file extensions (lower case, no dot) of the formats soundfile reads here, and those PyAV reads."""
    import soundfile as sf

    formats = sf.available_formats()
    names = {name.lower() for name in formats} - NOT_EXTENSIONS
    return frozenset(names | {ext for name, exts in OTHER_EXTENSIONS.items() if name in formats for ext in exts}
                     | PYAV_EXTENSIONS)


def find_sessions(inputs: Sequence[str | Path], settings: Settings = Settings()) -> list[Session]:
    """One session per audio file given or found in the folders given (recursively; hidden files left out),
    ordered by id; raises ``InputError`` for a missing path, a folder without audio or two sessions of one id."""
    found: dict[str, str] = {}
    for given in map(Path, inputs):
        if given.is_dir():
            pairs = _in_folder(given, audio_extensions())
            if not pairs:
                raise InputError(f"{given}: no audio files in this folder or below (looked for "
                                 f"{', '.join(sorted(audio_extensions())[:6])}, ...); check the folder.")
        elif given.is_file():
            pairs = [(given.stem, given)]
        else:
            raise InputError(f"{given}: file or folder not found; check the path.")
        for session_id, path in pairs:
            check_session_id(session_id, str(path))
            if session_id in found:
                raise InputError(f"{found[session_id]} and {path} would both be session {session_id}; rename one, "
                                 "or name the sessions in a `manifest`.")
            found[session_id] = str(path)
    return [Session(i, (os.path.abspath(found[i]),), settings) for i in sorted(found)]


def _in_folder(folder: Path, extensions: frozenset[str]) -> list[tuple[str, Path]]:
    """(id, path) of every audio file under ``folder``."""
    pairs = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            path = Path(root, name)
            if not name.startswith(".") and path.suffix[1:].lower() in extensions:
                pairs.append((path.relative_to(folder).with_suffix("").as_posix(), path))
    return pairs


def check_session_id(session_id: str, where: str) -> None:
    """Raise ``InputError`` unless ``session_id`` names a folder inside the output folder (``a/b``, no ``..``)."""
    parts = PurePosixPath(session_id).parts
    if (not session_id or not session_id.isprintable() or session_id.startswith("/") or "\\" in session_id or session_id in TABLE_NAMES
            or any(p in (".", "..") or p.startswith(".") for p in parts) or session_id != "/".join(parts)):
        raise InputError(f"{where}: {session_id!r} cannot be a session id (a relative folder name like week2/s00, "
                         "without . or .. parts, not sessions.csv or events.csv); rename it.")

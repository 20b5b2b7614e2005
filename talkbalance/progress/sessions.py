"""The session folders of a progress run: found, read, left out with a reason, and put in time order.

A folder given is a session when it holds a ``summary.json`` (what ``analyze``, ``live`` and ``recover`` write);
a folder without one stands for the session folders below it, at any depth (a ``batch`` output folder, or
``recordings/``). A session's time is ``source.recorded_at`` in its summary; a summary written before that key
existed falls back to the folder name's ``YYYY-MM-DDTHH-MM-SS`` prefix (live sessions), then to the
summary.json's modification time.
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from talkbalance.core.summary import SCHEMA_VERSION

SUMMARY = "summary.json"
FOLDER_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2})")
TIME_SOURCES = ("recorded_at", "folder name", "summary.json mtime")      # most to least trustworthy


@dataclass(frozen=True)
class SessionFolder:
    """A usable session: its folder, its summary, when it was recorded and where that time comes from."""

    folder: Path
    summary: dict
    recorded_at: datetime
    time_source: str                # one of TIME_SOURCES


@dataclass(frozen=True)
class Skipped:
    """A folder left out, and why (a clause that reads after ``skipped <folder>: ``)."""

    folder: Path
    reason: str


def read_sessions(paths: Iterable[str | Path]) -> tuple[list[SessionFolder], list[Skipped]]:
    """The usable sessions among ``paths`` in time order (ties by folder), and the folders left out, in the order
    given; a folder reached twice counts once."""
    sessions: list[SessionFolder] = []
    skipped: list[Skipped] = []
    seen: set[str] = set()
    for path in map(Path, paths):
        for folder in _session_folders(path, skipped):
            key = os.path.realpath(folder)
            if key in seen:
                continue
            seen.add(key)
            found = read_session(folder)
            if isinstance(found, Skipped):
                skipped.append(found)
            else:
                sessions.append(found)
    sessions.sort(key=lambda s: (s.recorded_at, str(s.folder)))
    return sessions, skipped


def _session_folders(path: Path, skipped: list[Skipped]) -> Iterator[Path]:
    """``path`` itself when it holds a summary.json, else the session folders below it (noting it when none)."""
    if not path.is_dir():
        skipped.append(Skipped(path, "is a file, not a session folder" if path.exists() else "folder not found"))
        return
    if (path / SUMMARY).is_file():
        yield path
        return
    found = False
    for root, dirs, files in os.walk(path):
        dirs.sort()
        if SUMMARY in files:
            found = True
            dirs.clear()                    # a session folder holds no sessions of its own
            yield Path(root)
    if not found:
        skipped.append(Skipped(path, f"not a session folder (there is no {SUMMARY} in it or below it; pass the "
                                     "folders that analyze, live or batch wrote)"))


def read_session(folder: Path) -> SessionFolder | Skipped:
    """``folder``'s session, or why it cannot be used: not a talkbalance summary, an interim one, no trainee."""
    path = folder / SUMMARY
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        return Skipped(folder, f"cannot read {SUMMARY} ({exc.strerror or exc})")
    except ValueError:
        return Skipped(folder, f"{SUMMARY} is not valid JSON, so not a talkbalance summary")
    problem = _not_a_summary(summary)
    if problem:
        return Skipped(folder, f"{SUMMARY} is not a talkbalance summary ({problem})")
    if summary["schema_version"] > SCHEMA_VERSION:
        return Skipped(folder, f"{SUMMARY} has schema version {summary['schema_version']}, newer than this "
                               f"talkbalance reads ({SCHEMA_VERSION}); update talkbalance")
    if summary["complete"] is not True:
        return Skipped(folder, _interim_reason(folder))
    if not any(s.get("role") == "trainee" for s in summary["speakers"]):
        return Skipped(folder, "no speaker has the trainee role (analyse it again with `trainee` NAME, or with a "
                               "config whose speakers.roles names one)")
    recorded_at, source = session_time(folder, summary)
    return SessionFolder(folder, summary, recorded_at, source)


def _not_a_summary(summary: object) -> str:
    """What a talkbalance summary.json has that ``summary`` lacks ("" when nothing)."""
    if not isinstance(summary, dict):
        return "it is not a JSON object"
    if not isinstance(summary.get("schema_version"), int) or isinstance(summary.get("schema_version"), bool):
        return "no schema_version"
    if not isinstance(summary.get("complete"), bool):
        return "no complete flag"
    if not isinstance(summary.get("session"), dict) or not isinstance(summary["session"].get("duration_s"),
                                                                      (int, float)):
        return "no session duration"
    speakers = summary.get("speakers")
    if not isinstance(speakers, list) or not all(isinstance(s, dict) for s in speakers):
        return "no speakers list"
    return ""


def _interim_reason(folder: Path) -> str:
    if (folder / "audio.wav").is_file():
        return (f"interim summary (the live session did not finish; run `talkbalance recover {folder}` to "
                "complete it)")
    return "incomplete summary (the analysis did not finish; run it again)"


def session_time(folder: Path, summary: dict) -> tuple[datetime, str]:
    """When the session was recorded, and which of ``TIME_SOURCES`` says so."""
    try:
        stamp = datetime.fromisoformat(summary["source"]["recorded_at"])
        return (stamp if stamp.tzinfo else stamp.astimezone()), TIME_SOURCES[0]
    except (KeyError, TypeError, ValueError):
        pass
    named = FOLDER_TIME.match(folder.name)
    if named:
        try:
            return datetime.strptime(named.group(1), "%Y-%m-%dT%H-%M-%S").astimezone(), TIME_SOURCES[1]
        except ValueError:
            pass                        # digits in the shape of a time that is none (month 13)
    mtime = (folder / SUMMARY).stat().st_mtime
    return datetime.fromtimestamp(mtime).astimezone(), TIME_SOURCES[2]

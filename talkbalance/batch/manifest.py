"""A manifest: a CSV file listing a corpus's sessions, one row each.

Columns (a header row names them, in any order): ``session`` and ``input`` (required), ``input2`` (the second
person's mono file), ``channels`` (``"3,4"``), ``speakers`` (``"maya,sam"``), ``trainee`` and ``config`` (a TOML
file). Paths relative to the manifest's folder; an empty cell takes the run's default. Any mistake in it is
one ``InputError`` naming the file and the line, before anything is analysed.
"""
from __future__ import annotations

import csv
import os
from pathlib import Path

from talkbalance.batch.sessions import Session, Settings, check_session_id
from talkbalance.config import require_supported_speakers
from talkbalance.errors import InputError

COLUMNS = ("session", "input", "input2", "channels", "speakers", "trainee", "config")
REQUIRED = ("session", "input")


def read_manifest(path: str | Path, defaults: Settings = Settings()) -> list[Session]:
    """The sessions ``path`` lists, in its order."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f, restkey="\0extra")
            header = [name.strip() for name in reader.fieldnames or []]
            _check_header(path, header)
            reader.fieldnames = header
            rows = [(reader.line_num, row) for row in reader if any(isinstance(v, list) or (v or "").strip()
                                                                    for v in row.values())]
    except FileNotFoundError:
        raise InputError(f"{path}: manifest not found; check the path given to `manifest`.") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: cannot read the manifest ({exc}); pass a UTF-8 CSV file.") from None
    if not rows:
        raise InputError(f"{path}: the manifest lists no sessions; add one row per session under the header.")
    sessions: list[Session] = []
    seen: set[str] = set()
    for line, row in rows:
        session = _session(path, line, row, defaults)
        if session.id in seen:
            raise InputError(f"{path} line {line}: session {session.id} is listed twice; give each row its own id.")
        seen.add(session.id)
        sessions.append(session)
    return sessions


def _check_header(path: Path, header: list[str]) -> None:
    unknown = [name for name in header if name not in COLUMNS]
    if unknown or not all(name in header for name in REQUIRED):
        found = f"the unknown column {unknown[0]!r}" if unknown else f"the columns {', '.join(header) or 'nothing'}"
        raise InputError(f"{path}: the manifest's header row has {found}; its columns are session and input, "
                         f"optionally {', '.join(COLUMNS[2:])}.")


def _session(path: Path, line: int, row: dict, defaults: Settings) -> Session:
    """One row as a session; a cell left empty takes ``defaults``'s value."""
    where = f"{path} line {line}"
    if row.get("\0extra"):
        raise InputError(f"{where} has more cells than the header; quote values that hold commas, like \"3,4\".")
    cell = {name: (row.get(name) or "").strip() for name in COLUMNS}
    if not cell["session"] or not cell["input"]:
        raise InputError(f"{where}: the {'session' if not cell['session'] else 'input'} cell is empty; fill it in.")
    check_session_id(cell["session"], where)
    folder = path.parent

    def located(name: str) -> str:
        return os.path.abspath(folder / cell[name])

    inputs = (located("input"),) + ((located("input2"),) if cell["input2"] else ())
    settings = Settings(channels=_channels(where, cell["channels"]) or defaults.channels,
                        speakers=_speakers(where, cell["speakers"]) or defaults.speakers,
                        trainee=cell["trainee"] or defaults.trainee,
                        config=located("config") if cell["config"] else defaults.config)
    if len(inputs) > 1 and settings.channels is not None:
        raise InputError(f"{where}: channels apply to one multichannel file, not to input and input2; "
                         "leave the channels cell empty.")
    return Session(cell["session"], inputs, settings)


def _items(where: str, name: str, text: str, example: str) -> tuple[str, ...] | None:
    """A comma-separated cell, one value per person (how many: ``config.require_supported_speakers``)."""
    if not text:
        return None
    parts = tuple(p.strip() for p in text.split(","))
    if not all(parts):
        raise InputError(f"{where}: {name} {text!r} must be comma-separated values, one per person, like \"{example}\".")
    require_supported_speakers(len(parts), f"{where}: {name} {text!r}", InputError, example=f'"{example}"')
    return parts


def _channels(where: str, text: str) -> tuple[int, ...] | None:
    picks = _items(where, "channels", text, "3,4")
    if picks is None:
        return None
    if not all(p.isdigit() and int(p) >= 1 for p in picks) or len(set(picks)) != len(picks):
        raise InputError(f"{where}: channels {text!r} must be different channel numbers from 1, like \"3,4\".")
    return tuple(int(p) for p in picks)


def _speakers(where: str, text: str) -> tuple[str, ...] | None:
    return _items(where, "speakers", text, "maya,sam")

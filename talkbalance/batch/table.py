"""The corpus tables: ``sessions.csv`` (one row per session: status, error, the figures flattened) and
``events.csv`` (every session's events.csv rows behind a ``session`` column).

Rows are appended and flushed to disk as sessions finish, so a crash keeps every finished session. A run starts
by rewriting both tables with the rows it carries over from the last run (the sessions it skips), and ends by
rewriting them sorted by session, so that a table never holds a session twice and two runs of one corpus give
the same tables.
"""
from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from talkbalance.batch.task import Outcome
from talkbalance.errors import OutputError
from talkbalance.io.outputs import EVENTS_HEADER, write_atomic

PER_SPEAKER = ("name", "role", "talk_time_s", "talk_share", "turns", "interruptions_successful",
               "interruptions_unsuccessful", "backchannels", "pauses_median_s", "response_latency_median_s",
               "fto_median_s")
SESSION_COLUMNS = (["session", "status", "error", "duration_s", "events"]
                   + [f"speaker{k}_{name}" for k in (1, 2) for name in PER_SPEAKER] + ["warnings"])
EVENT_COLUMNS = ["session", *EVENTS_HEADER]
WARNINGS_JOIN = " | "


@contextmanager
def writing(out_dir: Path) -> Iterator[None]:
    """A failure to write in ``out_dir`` as the one-sentence ``OutputError``."""
    try:
        yield
    except OSError as exc:
        raise OutputError.from_os_error(out_dir, "cannot write the corpus tables", exc) from None


def session_row(outcome: Outcome) -> dict[str, str]:
    """``outcome`` as a sessions.csv row (figures empty for an error)."""
    row = dict.fromkeys(SESSION_COLUMNS, "")
    row.update(session=outcome.session, status="error" if outcome.error else "ok", error=outcome.error)
    summary = outcome.summary
    if summary is None:
        return row
    row.update(duration_s=_cell(summary["session"]["duration_s"]), events=str(len(outcome.events)),
               warnings=WARNINGS_JOIN.join(summary["quality"]["warnings"]))
    for k, s in enumerate(summary["speakers"][:2], start=1):
        made = s["interruptions_made"]
        values = (s["name"], s["role"], s["talk_time_s"], s["talk_share"], s["turns"], made["successful"],
                  made["unsuccessful"], s["backchannels"], s["pauses"]["median_s"], s["response_latency"]["median_s"],
                  s["fto"]["median_s"])
        row.update({f"speaker{k}_{name}": _cell(v) for name, v in zip(PER_SPEAKER, values)})
    return row


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def read_tables(out_dir: Path) -> tuple[dict[str, dict[str, str]], dict[str, int]]:
    """What an earlier run left: its sessions.csv rows by session, and how many events.csv rows each session has.
    Missing or unreadable tables hold nothing."""
    rows: dict[str, dict[str, str]] = {}
    counts: dict[str, int] = {}
    try:
        with open(out_dir / "sessions.csv", newline="", encoding="utf-8") as f:
            rows = {r["session"]: r for r in csv.DictReader(f) if r.get("session")}
        for session, _ in _event_lines(out_dir / "events.csv"):
            counts[session] = counts.get(session, 0) + 1
    except (OSError, csv.Error, KeyError, UnicodeDecodeError):
        pass
    return rows, counts


def _event_lines(path: Path) -> Iterator[tuple[str, bytes]]:
    """(session, the line as written) of every events.csv row after the header, read as a stream."""
    with open(path, "rb") as f:
        lines = iter(f)
        next(lines, None)
        for line in lines:
            cells = next(csv.reader([line.decode("utf-8")]), [])
            if cells:
                yield cells[0], line


def carried(row: dict[str, str] | None, n_events: int) -> bool:
    """An earlier run's ``row`` is a finished session, and events.csv holds its ``n_events`` rows."""
    return row is not None and row.get("status") == "ok" and row.get("events") == str(n_events)


class Tables:
    """sessions.csv and events.csv of ``out_dir``, open for appending.

    The sessions' rows are kept in memory (one per session); events.csv is written as a stream, and where each
    session's rows lie in it is noted, so that the final rewrite in session order copies them without holding them.
    """

    def __init__(self, out_dir: Path, kept: list[dict[str, str]]):
        self.out_dir = out_dir
        self.rows = list(kept)
        self._spans: dict[str, list[tuple[int, int]]] = {}     # session -> (start, end) byte spans in events.csv
        with writing(out_dir):
            write_atomic(out_dir / "sessions.csv", self._sessions_text())
            self._carry_events({r["session"] for r in kept})
            self._sessions = open(out_dir / "sessions.csv", "ab")
            self._events = open(out_dir / "events.csv", "ab")

    def add(self, outcome: Outcome) -> None:
        """Append a finished session: its events first, then its row (a row vouches for the events before it)."""
        row = session_row(outcome)
        with writing(self.out_dir):
            start = self._events.tell()
            _append(self._events, [[outcome.session, *e] for e in outcome.events])
            self._spans.setdefault(outcome.session, []).append((start, self._events.tell()))
            _append(self._sessions, [[row[c] for c in SESSION_COLUMNS]])
        self.rows.append(row)

    def close(self) -> None:
        """Close the files, rewritten in session order."""
        self._sessions.close()
        self._events.close()
        self.rows.sort(key=lambda r: r["session"])
        path = self.out_dir / "events.csv"
        tmp = path.with_name(path.name + ".tmp")
        with writing(self.out_dir):
            write_atomic(self.out_dir / "sessions.csv", self._sessions_text())
            with open(path, "rb") as old, open(tmp, "wb") as new:
                new.write(_csv([EVENT_COLUMNS]).encode("utf-8"))
                for session in sorted(self._spans):
                    for start, end in self._spans[session]:
                        old.seek(start)
                        new.write(old.read(end - start))
                new.flush()
                os.fsync(new.fileno())
            os.replace(tmp, path)

    def _sessions_text(self) -> str:
        return _csv([list(SESSION_COLUMNS)] + [[r.get(c, "") for c in SESSION_COLUMNS] for r in self.rows])

    def _carry_events(self, sessions: set[str]) -> None:
        """A new events.csv holding the earlier run's rows of ``sessions`` only."""
        path = self.out_dir / "events.csv"
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as new:
            new.write(_csv([EVENT_COLUMNS]).encode("utf-8"))
            if sessions and path.exists():
                for session, line in _event_lines(path):
                    if session in sessions:
                        start = new.tell()
                        new.write(line)
                        self._spans.setdefault(session, []).append((start, new.tell()))
            new.flush()
            os.fsync(new.fileno())
        os.replace(tmp, path)


def _append(f: BinaryIO, rows: list[list[str]]) -> None:
    """Append CSV rows and push them to the disk."""
    f.write(_csv(rows).encode("utf-8"))
    f.flush()
    os.fsync(f.fileno())


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()

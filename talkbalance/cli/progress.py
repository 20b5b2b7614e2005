"""``talkbalance progress``: session folders into a trainee's progress files, and the comparison on the console."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from talkbalance.core.wording import plural
from talkbalance.errors import InputError
from talkbalance.progress.compare import Trend, compare
from talkbalance.progress.figures import SessionRow, one_trainee, session_rows
from talkbalance.progress.files import PROGRESS_FILES, write_progress
from talkbalance.progress.sessions import read_sessions


def progress_to_folder(folders: Sequence[str | Path], out_dir: Path, trainee: str | None,
                       note: Callable[[str], None]) -> tuple[list[SessionRow], list[Trend]]:
    """Read the sessions, write the progress files; return the rows and trends. ``note`` is told each folder
    left out (one line each)."""
    sessions, skipped = read_sessions(folders)
    rows, malformed = session_rows(sessions)
    for s in skipped + malformed:
        note(f"skipped {s.folder}: {s.reason}")
    if not rows:
        raise InputError(f"none of the {plural(len(folders), 'folder')} given holds a finished session with a "
                         "trainee; pass the session folders that analyze, live or batch wrote.")
    rows, others = one_trainee(rows, trainee)
    if others:
        note(f"left out {plural(others, 'session')} of other trainees than {trainee}.")
    trends = compare(rows)
    write_progress(rows, trends, out_dir)
    return rows, trends


def format_progress(rows: list[SessionRow], trends: list[Trend]) -> str:
    """The console account: whose sessions, and each figure of the latest against the ones before."""
    first, last = rows[0].recorded_at.date(), rows[-1].recorded_at.date()
    span = f"{first}" if first == last else f"{first} to {last}"
    head = f"Progress of {rows[0].trainee}: {plural(len(rows), 'session')}, {span}."
    if not trends:
        return head + " Nothing to compare yet: the next session will be set against this one."
    before = max(t.before_sessions for t in trends)
    head += (f" The latest session against the {'median of the ' if before > 1 else ''}previous "
             f"{plural(before, 'session') if before > 1 else 'one'}:")
    table = [("figure", "latest", "before", "")]
    for t in trends:
        shown = t.measure.shown
        table.append((t.measure.label, "-" if t.latest is None else shown(t.latest),
                      "-" if t.before is None else shown(t.before), t.words))
    widths = [max(len(r[k]) for r in table) for k in range(3)]
    lines = ["  " + "  ".join(cell.ljust(w) for cell, w in zip(r[:3], widths)) + "  " + r[3] for r in table]
    return "\n".join([head, *(line.rstrip() for line in lines)])


def files_line(out_dir: Path) -> str:
    return f"Progress files in {out_dir}/ ({', '.join(PROGRESS_FILES)})"

"""The progress folder: progress.png, progress.html and progress.csv, written together.

Everything is rendered before the folder is touched. Then the earlier run's files are removed, progress.csv
first, and the new ones written atomically, progress.csv last: stopped at any moment, the folder holds the
earlier run, or no progress.csv (an unfinished run: each file there is whole, but the set is not), or the
complete new run.
"""
from __future__ import annotations

from pathlib import Path

from talkbalance.errors import OutputError
from talkbalance.io.outputs import write_atomic
from talkbalance.progress.compare import Trend
from talkbalance.progress.figures import SessionRow
from talkbalance.progress.page import progress_html
from talkbalance.progress.table import progress_csv

PROGRESS_FILES = ("progress.png", "progress.html", "progress.csv")      # in the order written


def write_progress(rows: list[SessionRow], trends: list[Trend], out_dir: Path) -> None:
    """Write the progress files of ``rows`` (one trainee, time order) and their ``trends`` into ``out_dir``
    (created when missing); raises ``OutputError`` when it cannot be written."""
    # matplotlib loads only to draw
    from talkbalance.progress.chart import progress_png

    png = progress_png(rows)
    files: dict[str, str | bytes] = {"progress.png": png, "progress.html": progress_html(rows, trends, png, out_dir),
             "progress.csv": progress_csv(rows)}
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name in reversed(PROGRESS_FILES):
            (out_dir / name).unlink(missing_ok=True)
        for name in PROGRESS_FILES:
            write_atomic(out_dir / name, files[name])
    except OSError as exc:
        raise OutputError.from_os_error(out_dir, "cannot write the progress files", exc) from None

"""progress.csv: one row per session in time order, the figures as ``SessionRow`` holds them.

Shares are fractions (0.35 is 35 %), times in seconds; an empty cell is a figure the session cannot give; the
``*_met`` columns are the session's coaching verdicts (``yes``/``no``, empty when it has no such item).
"""
from __future__ import annotations

import csv
import io

from talkbalance.progress.figures import VERDICTS, SessionRow

HEADER = ("session", "trainee", "date", "recorded_at", "time_source", "duration_s", "talk_share", "talk_share_min",
          "talk_share_max", "interruptions_per_10_min", "quick_response_share", "backchannels_per_client_min",
          "median_response_latency_s", "longest_monologue_s", *VERDICTS.values())


def cell(value: object) -> str:
    """A value as progress.csv writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def row_values(row: SessionRow) -> dict[str, object]:
    """Every column of ``row``'s line, by name."""
    return {"session": str(row.folder), "trainee": row.trainee, "date": row.recorded_at.date().isoformat(),
            "recorded_at": row.recorded_at.isoformat(timespec="seconds"), "time_source": row.time_source,
            "duration_s": row.duration_s, "talk_share": row.talk_share,
            "talk_share_min": row.targets.talk_share_min, "talk_share_max": row.targets.talk_share_max,
            "interruptions_per_10_min": row.interruptions_per_10_min, "quick_response_share": row.quick_response_share,
            "backchannels_per_client_min": row.backchannels_per_client_min,
            "median_response_latency_s": row.median_response_latency_s,
            "longest_monologue_s": row.longest_monologue_s, **row.verdicts}


def progress_csv(rows: list[SessionRow]) -> str:
    """The text of progress.csv."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    for row in rows:
        values = row_values(row)
        writer.writerow([cell(values.get(name)) for name in HEADER])
    return buf.getvalue()

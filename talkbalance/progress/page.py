"""progress.html: the progress table with a link to each session's report, the comparison, and progress.png.

The page stands alone and works offline: the picture is embedded, the styles are inline, and each session is
linked by a path relative to the page (its ``report.html`` when the folder has one, else its ``summary.json``).
"""
from __future__ import annotations

import base64
import os
from html import escape
from pathlib import Path
from urllib.parse import quote

from talkbalance.progress.compare import Trend
from talkbalance.progress.figures import VERDICTS, SessionRow
from talkbalance.progress.sessions import SUMMARY

REPORT = "report.html"
STYLE = """body{font-family:sans-serif;color:#1a202c;margin:2em;max-width:110em}
table{border-collapse:collapse;font-size:.92em}th,td{padding:.3em .6em;border-bottom:1px solid #e2e8f0;text-align:right}
th{background:#f7fafc;vertical-align:bottom}td:first-child,th:first-child{text-align:left}
.met{color:#276749}.not{color:#c53030}.muted{color:#718096}img{max-width:100%;height:auto}
li{margin:.2em 0}"""
VERDICT_TITLES = {column: item for item, column in VERDICTS.items()}


def session_link(row: SessionRow, out_dir: Path) -> str:
    """The href of ``row``'s session from a page in ``out_dir``: its report.html, or its summary.json."""
    target = row.folder / REPORT
    if not target.is_file():
        target = row.folder / SUMMARY
    return quote(Path(os.path.relpath(os.path.abspath(target), os.path.abspath(out_dir))).as_posix())


def _num(value: float | None, text: str) -> str:
    return '<span class="muted">–</span>' if value is None else escape(text.format(value))


def _verdict(met: bool | None) -> str:
    if met is None:
        return '<span class="muted">–</span>'
    return '<span class="met">met</span>' if met else '<span class="not">not met</span>'


def session_names(rows: list[SessionRow]) -> list[str]:
    """What the table calls each session: its folder below the folder all of them share (``week1/s00`` in a batch
    output folder), or just its folder's name when there is one session."""
    folders = [os.path.abspath(r.folder) for r in rows]
    if len(folders) == 1:
        return [Path(folders[0]).name]
    common = os.path.commonpath(folders)
    return [Path(os.path.relpath(f, common)).as_posix() for f in folders]


def _row(row: SessionRow, name: str, out_dir: Path) -> str:
    t = row.targets
    cells = [f'<a href="{session_link(row, out_dir)}">{escape(name)}</a>',
             escape(f"{row.recorded_at:%Y-%m-%d %H:%M}"), escape(f"{row.duration_s / 60:.1f} min"),
             _num(row.talk_share, "{:.0%}") + escape(f" ({t.talk_share_min:.0%}–{t.talk_share_max:.0%})"),
             _num(row.interruptions_per_10_min, "{:.1f}"), _num(row.quick_response_share, "{:.0%}"),
             _num(row.backchannels_per_client_min, "{:.1f}"), _num(row.median_response_latency_s, "{:.2f} s"),
             _num(row.longest_monologue_s, "{:.0f} s"), *(_verdict(met) for met in row.verdicts.values())]
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def progress_html(rows: list[SessionRow], trends: list[Trend], png: bytes, out_dir: Path) -> str:
    """The page for the rows of one trainee in time order, their ``trends`` and progress.png's bytes, as it reads
    from ``out_dir``."""
    trainee = escape(rows[0].trainee)
    heads = ["Session", "Recorded", "Duration", "Trainee talk share (target)", "Interruptions of the client per 10 min",
             "Quick answers", "Backchannels per client minute", "Median response latency", "Longest monologue",
             *(escape(VERDICT_TITLES[c]) for c in VERDICTS.values())]
    if trends:
        found = "".join(f"<li><b>{escape(t.measure.label)}</b>: {escape(t.words)}</li>" for t in trends)
        comparison = f"<h2>The latest session against the previous ones</h2><ul>{found}</ul>"
    else:
        comparison = "<p>Only one session so far: nothing to compare yet.</p>"
    picture = base64.b64encode(png).decode("ascii")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Progress of {trainee}</title>'
            f"<style>{STYLE}</style></head><body>\n<h1>Active-listening progress of {trainee}</h1>\n"
            f"<p>{len(rows)} session{'s' * (len(rows) != 1)} in the order they were recorded; each links its "
            f"report. The coaching columns are each session's verdicts.</p>\n{comparison}\n"
            f"<table><thead><tr>{''.join(f'<th>{h}</th>' for h in heads)}</tr></thead><tbody>\n"
            + "\n".join(_row(r, name, out_dir) for r, name in zip(rows, session_names(rows)))
            + f'\n</tbody></table>\n<p><img alt="The figures of each session over time" '
              f'src="data:image/png;base64,{picture}"></p>\n</body></html>\n')

"""The session output files of OUTPUTS.md: summary.json, events.csv, activity.rttm, labels.txt, and (rendered
elsewhere) report.png, report.html (with the audio it plays, ``review_audio``), activity.TextGrid and activity.eaf;
``write_outputs`` writes those chosen (``io/formats.py``).

Frames become seconds here (3 decimals). File names and columns are a public
interface: change them only with a ``SCHEMA_VERSION`` bump (``core/summary.py``) and a README note.
"""
from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable
from pathlib import Path

from talkbalance.core.types import Event, SessionResult, Spurt
from talkbalance.io.formats import DEFAULT_FORMATS, FORMAT_FILES, check_formats
from talkbalance.io.review_audio import REVIEW_COPY, ReviewAudio, review_audio, write_review_copy

OUTPUT_FILES = (*FORMAT_FILES.values(), REVIEW_COPY)      # summary.json first; report.html's copy of the audio last
EVENTS_HEADER = ["kind", "start_s", "end_s", "speaker", "other", "outcome", "duration_s"]


def _t(frames: int, frame_s: float) -> str:
    return f"{frames * frame_s:.3f}"


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write ``content`` to ``path`` so that a reader never sees a half-written file."""
    tmp = path.with_name(path.name + ".tmp")
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def summary_text(summary: dict) -> str:
    return json.dumps(summary, indent=2, ensure_ascii=False) + "\n"


def write_summary(path: Path, summary: dict) -> None:
    write_atomic(path, summary_text(summary))


def event_row(event: Event, names: list[str], frame_s: float) -> list[str]:
    """One ``events.csv`` row."""
    return [event.kind, _t(event.start, frame_s), _t(event.end, frame_s), names[event.speaker],
            names[event.other] if event.other is not None else "", event.outcome,
            _t(event.end - event.start, frame_s)]


def event_rows(events: list[Event], names: list[str], frame_s: float) -> list[list[str]]:
    """The rows of ``events.csv`` (without the header), in time order."""
    return [event_row(e, names, frame_s) for e in sorted(events, key=lambda e: (e.start, e.end, e.speaker))]


def events_csv(events: list[Event], names: list[str], frame_s: float) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(EVENTS_HEADER)
    writer.writerows(event_rows(events, names, frame_s))
    return buf.getvalue()


def rttm(spurts: list[list[Spurt]], names: list[str], frame_s: float, file_id: str) -> str:
    """NIST RTTM, one SPEAKER line per talk spurt, in time order."""
    lines = [f"SPEAKER {file_id} 1 {_t(s.start, frame_s)} {_t(s.length, frame_s)} <NA> <NA> {names[s.speaker]} <NA> <NA>"
             for s in sorted((s for sp in spurts for s in sp), key=lambda s: (s.start, s.speaker))]
    return "\n".join(lines) + ("\n" if lines else "")


def event_label(event: Event, names: list[str]) -> str:
    """Short Audacity label text for an event."""
    who = names[event.speaker]
    other = names[event.other] if event.other is not None else ""      # every kind but a pause has one
    if event.kind == "interruption":
        return f"interruption {who}→{other} ({event.outcome})"
    if event.kind in ("backchannel", "simultaneous_start", "transition_overlap"):
        return f"{event.kind.replace('_', ' ')} {who}→{other}"
    if event.kind == "gap":
        return f"gap {other}→{who}"
    return f"pause {who}"


def labels(result: SessionResult) -> str:
    """Audacity label track: talk spurts and events, ``start\\tend\\ttext``, in time order."""
    fs, names = result.frame_s, result.names
    rows = [(s.start, s.end, names[s.speaker]) for sp in result.conversation.spurts for s in sp]
    rows += [(e.start, e.end, event_label(e, names)) for e in result.conversation.events]
    rows.sort(key=lambda r: (r[0], r[1]))
    return "".join(f"{_t(a, fs)}\t{_t(b, fs)}\t{text}\n" for a, b, text in rows)


def earlier_results(out_dir: Path) -> list[str]:
    """The output files of an earlier run that ``out_dir`` holds (what a new run replaces)."""
    return [name for name in OUTPUT_FILES if (out_dir / name).exists()]


def clear_earlier_results(out_dir: Path) -> None:
    """Remove an earlier run's output files, summary.json first (the folder stops claiming to be complete)."""
    for name in OUTPUT_FILES:
        (out_dir / name).unlink(missing_ok=True)


def rendered(result: SessionResult, name: str, audio: ReviewAudio | None = None) -> str | bytes:
    """The content of format ``name``'s file (``FORMAT_FILES``), but summary.json; report.html plays ``audio``."""
    fs, names = result.frame_s, result.names
    if name == "csv":
        return events_csv(result.conversation.events, names, fs)
    if name == "rttm":
        return rttm(result.conversation.spurts, names, fs, result.file_id)
    if name == "labels":
        return labels(result)
    if name == "png":
        from talkbalance.report.png import report_png
        return report_png(result)
    if name == "html":
        from talkbalance.report.html import report_html
        return report_html(result, audio.url if audio is not None else None)
    if name == "textgrid":
        from talkbalance.io.textgrid import textgrid
        return textgrid(result)
    from talkbalance.io.elan import eaf  # the last format: eaf
    return eaf(result)


def write_outputs(result: SessionResult, out_dir: str | Path, formats: Iterable[str] = DEFAULT_FORMATS) -> dict:
    """Write the output files of OUTPUTS.md (but audio.wav) chosen by ``formats`` into ``out_dir``; return the summary.

    Parameters
    ----------
    result : SessionResult
        An analysed session (``analyze_file``, ``Engine.finish``).
    out_dir : str or Path
        The session folder; created when missing. An earlier run's files in it are replaced.
    formats : names from ``json, csv, rttm, labels, png, html, textgrid, eaf``
        The files to write (default: the first six). ``summary.json`` is written whatever is chosen.

    Returns
    -------
    dict
        The ``summary.json`` document written.

    report.html plays ``result.recording``: the file itself, linked relative to ``out_dir``, when browsers play it
    as it is, else a compressed copy, ``report_audio.ogg``, encoded beside it (``review_audio``).

    Everything is rendered before the folder is touched (but the audio copy, encoded as it is written). Then
    ``summary.json`` is replaced with the new one marked incomplete, the earlier run's files that this run
    does not write are removed, the new ones are written, and ``summary.json`` is marked
    complete last. Stopped at any moment (Ctrl-C, a crash, a full disk), the folder holds the
    earlier run untouched, or files whose ``summary.json`` says ``"complete": false``,
    or the complete new run; never a mix that claims to be complete.
    """
    out_dir = Path(out_dir)
    summary = result.summary()
    chosen = check_formats(formats)
    audio = review_audio(result.recording, len(result.names), out_dir) if "html" in chosen else None
    files = {FORMAT_FILES[name]: rendered(result, name, audio) for name in chosen if name != "json"}
    copy = audio.copy_of if audio is not None else None
    out_dir.mkdir(parents=True, exist_ok=True)
    write_summary(out_dir / "summary.json", {**summary, "complete": False})
    recorded = {os.path.abspath(p) for p in result.recording.paths} if result.recording is not None else set()
    for name in OUTPUT_FILES:
        stale = name not in files and name != "summary.json" and not (name == REVIEW_COPY and copy is not None)
        if stale and os.path.abspath(out_dir / name) not in recorded:       # never the recording itself
            (out_dir / name).unlink(missing_ok=True)
    if copy is not None:
        write_review_copy(copy, out_dir / REVIEW_COPY)
    for name, content in files.items():
        write_atomic(out_dir / name, content)
    write_summary(out_dir / "summary.json", summary)
    return summary

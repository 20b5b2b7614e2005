"""A corpus run: which sessions are already done, the rest analysed (worker processes or a Dask cluster),
and the tables written as they finish.

Output folder layout: ``<out_dir>/<session id>/`` holds what ``analyze`` writes for that session (the chosen
formats, summary.json always) and ``.batch.json`` (``resume.py``); ``<out_dir>/sessions.csv`` and
``<out_dir>/events.csv`` are the corpus tables (``table.py``). The tables list this run's sessions only.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from talkbalance.batch.cluster import dask_outcomes
from talkbalance.batch.pool import pool_outcomes
from talkbalance.batch.resume import fingerprint, is_complete
from talkbalance.batch.sessions import Session
from talkbalance.batch.table import Tables, carried, read_tables, writing
from talkbalance.batch.task import Outcome, SessionTask
from talkbalance.config import Config, load_config, session_config
from talkbalance.errors import InputError, TalkbalanceError
from talkbalance.io.formats import BATCH_FORMATS, check_formats

Executor = Callable[[list[SessionTask]], Iterator[Outcome]]


@dataclass
class BatchReport:
    """How a run went: sessions in all, skipped as already done, the ids that failed, audio analysed (s)."""

    sessions: int
    skipped: int
    failed: list[str] = field(default_factory=list)
    audio_s: float = 0.0


def run_batch(sessions: Sequence[Session], out_dir: str | Path, *, formats: Sequence[str] = BATCH_FORMATS,
              force: bool = False, jobs: int | None = None, scheduler: str | None = None,
              executor: Executor | None = None, on_start: Callable[[int, int], None] | None = None,
              on_outcome: Callable[[Outcome], None] | None = None) -> BatchReport:
    """Analyse every session into ``out_dir`` and write the corpus tables; return how it went.

    Parameters
    ----------
    sessions : the corpus (``find_sessions``, ``read_manifest``)
    out_dir : the output folder (created when missing)
    formats : what each session folder holds, as ``write_outputs`` takes it (summary.json always)
    force : analyse again the sessions an earlier run completed with the same inputs and settings
    jobs : worker processes on this machine (default: one per core)
    scheduler : address of a Dask scheduler (``tcp://host:8786``): run the sessions on its cluster instead
    executor : runs the tasks and yields their outcomes as they finish (default: from ``jobs`` or ``scheduler``)
    on_start : called once with (sessions in all, sessions skipped)
    on_outcome : called as each session finishes, after its rows are on disk

    Every setting is checked (a config, a trainee name) before anything is analysed; a session that fails
    (an unreadable file) is a row with status ``error`` and the others go on.
    """
    out = Path(os.path.abspath(out_dir))
    tasks = plan(sessions, out, check_formats(formats))
    execute = executor or (partial(dask_outcomes, scheduler) if scheduler else partial(pool_outcomes, jobs=jobs))
    with writing(out):
        out.mkdir(parents=True, exist_ok=True)
    rows, counts = read_tables(out)
    kept = [t for t in tasks if not force and carried(rows.get(t.session.id), counts.get(t.session.id, 0))
            and is_complete(Path(t.folder), t.fingerprint)]
    kept_ids = {t.session.id for t in kept}
    tables = Tables(out, [rows[t.session.id] for t in kept])
    report = BatchReport(len(tasks), len(kept))
    if on_start is not None:
        on_start(len(tasks), len(kept))
    try:
        for outcome in execute([t for t in tasks if t.session.id not in kept_ids]):
            tables.add(outcome)
            report.audio_s += outcome.duration_s
            if outcome.error:
                report.failed.append(outcome.session)
            if on_outcome is not None:
                on_outcome(outcome)
    finally:
        tables.close()
    report.failed.sort()
    return report


def plan(sessions: Sequence[Session], out: Path, formats: tuple[str, ...]) -> list[SessionTask]:
    """Every session's task, its settings resolved as ``analyze_file`` would (a bad one raises, naming the session)."""
    configs: dict[str | None, Config] = {}
    tasks: list[SessionTask] = []
    seen: set[str] = set()
    for s in sessions:
        if s.id in seen:
            raise InputError(f"session {s.id} is listed twice; give each session its own id.")
        seen.add(s.id)
        try:
            if s.settings.config not in configs:
                configs[s.settings.config] = load_config(s.settings.config)
            cfg = session_config(s.inputs, configs[s.settings.config], s.settings.speakers, s.settings.trainee)
        except TalkbalanceError as exc:
            raise type(exc)(f"session {s.id}: {exc}") from None
        tasks.append(SessionTask(s, cfg, str(out / s.id), formats, fingerprint(s, cfg, formats)))
    return tasks

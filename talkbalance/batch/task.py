"""One session's work, as a worker process or a Dask worker runs it: analyse, write its folder, report back.

``run_session`` is a top-level function of plain picklable data, so that any process can run it; it imports the
analysis on first use (a worker imports once and runs many sessions). A user-level problem (an unreadable file,
a folder that cannot be written) comes back as an error ``Outcome``; anything else propagates, for the runner
(or Dask's retries) to handle.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from talkbalance.batch.sessions import Session
from talkbalance.config import Config
from talkbalance.errors import OutputError, TalkbalanceError


@dataclass(frozen=True)
class SessionTask:
    """Everything a worker needs for one session: the settings already resolved, where to write, what to write."""

    session: Session
    config: Config
    folder: str                     # absolute path of the session's output folder
    formats: tuple[str, ...]
    fingerprint: dict               # ``resume.fingerprint``, stored when the folder is complete


@dataclass(frozen=True)
class Outcome:
    """What the parent needs of a finished session: its summary and events.csv rows, or the error."""

    session: str
    duration_s: float = 0.0         # audio analysed
    summary: dict | None = None
    events: list[list[str]] = field(default_factory=list)    # events.csv rows, without the header
    error: str = ""


def start_worker() -> None:
    """A worker process's start: no OpenBLAS thread pools (before numpy loads), Ctrl-C left to the parent."""
    import signal

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_session(task: SessionTask) -> Outcome:
    """Analyse ``task``'s session and write its folder as ``analyze`` does (plus the resume marker), with the
    session id as the RTTM's file id."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from talkbalance.api import analyze_file
    from talkbalance.batch.resume import forget, remember
    from talkbalance.io.outputs import event_rows, write_outputs

    folder, s = Path(task.folder), task.session
    try:
        result = analyze_file(list(s.inputs), config=task.config, channels=s.settings.channels,
                              speakers=task.config.speakers.names)      # as resolved, even if named A and B
        result.file_id = "_".join(s.id.split())      # unique in the corpus (two folders may each hold an s00.wav)
        try:
            forget(folder)
            summary = write_outputs(result, folder, task.formats)
            remember(folder, task.fingerprint)
        except OSError as exc:
            raise OutputError.from_os_error(folder, "cannot write the results", exc) from None
    except TalkbalanceError as exc:
        return Outcome(s.id, error=str(exc))
    return Outcome(s.id, result.seconds(result.duration_frames), summary,
                   event_rows(result.conversation.events, result.names, result.frame_s))


def crashed(task: SessionTask, exc: BaseException) -> Outcome:
    """The error ``Outcome`` of a session whose analysis stopped unexpectedly (a bug, a worker that died)."""
    reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return Outcome(task.session.id, error=f"the analysis of {', '.join(task.session.inputs)} stopped unexpectedly "
                                          f"({reason}); run the batch again to retry it, and report it if it persists.")

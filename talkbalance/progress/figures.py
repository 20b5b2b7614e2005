"""One session's active-listening figures for the progress table, taken from its summary.json.

The trainee is the speaker with role ``trainee``; the client is the speaker with role ``client``, or else the
other speaker. Targets come from the session's own ``config.coaching`` (the settings it was analysed with), and
the healthy response latency range is ``HEALTHY_LATENCY_S``.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from talkbalance.config import Coaching
from talkbalance.core.wording import plural
from talkbalance.errors import InputError
from talkbalance.progress.sessions import SUMMARY, SessionFolder, Skipped

HEALTHY_LATENCY_S = (0.5, 2.0)      # a median gap before answering: a moment of space, not a stall

# the coaching items of summary.json (by title) -> their verdict column, in the order of the table
VERDICTS = {"let the client talk": "talk_share_met", "avoid interruptions": "interruptions_met",
            "leave space before answering": "quick_response_met", "don't monologue": "monologue_met",
            "show you are listening": "backchannels_met"}


@dataclass(frozen=True)
class Targets:
    """The coaching targets a session was judged by."""

    talk_share_min: float
    talk_share_max: float
    max_interruptions: int              # per session
    max_quick_response_share: float
    min_backchannels_per_client_min: float
    monologue_alert_s: float


@dataclass(frozen=True)
class SessionRow:
    """The progress figures of one session. A figure the session cannot give is None (the client never spoke,
    no coaching block); a verdict is None when the session has no such coaching item."""

    folder: Path
    trainee: str
    recorded_at: datetime
    time_source: str
    duration_s: float
    talk_share: float | None
    interruptions_per_10_min: float | None
    quick_response_share: float | None
    backchannels_per_client_min: float | None
    median_response_latency_s: float | None
    longest_monologue_s: float
    verdicts: dict[str, bool | None]        # VERDICTS' columns -> met
    targets: Targets


def session_rows(sessions: list[SessionFolder]) -> tuple[list[SessionRow], list[Skipped]]:
    """The rows of ``sessions``, in their order, and the sessions whose summary lacks a figure (left out)."""
    rows: list[SessionRow] = []
    skipped: list[Skipped] = []
    for session in sessions:
        try:
            rows.append(session_row(session))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            skipped.append(Skipped(session.folder, f"{SUMMARY} is not a talkbalance summary (a figure is missing or "
                                                   f"malformed: {type(exc).__name__} {exc})"))
    return rows, skipped


def session_row(session: SessionFolder) -> SessionRow:
    """The figures of ``session`` (which has a trainee: ``read_session`` checked)."""
    summary = session.summary
    speakers = summary["speakers"]
    me = next(s for s in speakers if s.get("role") == "trainee")
    client = next((s for s in speakers if s.get("role") == "client"),
                  next((s for s in speakers if s is not me), None))
    coaching = {c.get("item"): c for c in summary.get("coaching") or [] if isinstance(c, dict)}
    duration_s = summary["session"]["duration_s"]
    made = me.get("interruptions_made") or {}
    interruptions = made.get("successful", 0) + made.get("unsuccessful", 0)
    quick = coaching.get("leave space before answering")
    return SessionRow(
        folder=session.folder, trainee=str(me.get("name", "")), recorded_at=session.recorded_at,
        time_source=session.time_source, duration_s=duration_s, talk_share=me.get("talk_share"),
        interruptions_per_10_min=round(interruptions * 600 / duration_s, 3) if duration_s > 0 else None,
        quick_response_share=quick["value"] if quick else None,
        backchannels_per_client_min=_backchannel_rate(me, client, coaching.get("show you are listening")),
        median_response_latency_s=(me.get("response_latency") or {}).get("median_s"),
        longest_monologue_s=me.get("longest_monologue_s", 0.0),
        verdicts={column: coaching[item].get("met") if item in coaching else None for item, column in VERDICTS.items()},
        targets=targets(summary))


def _backchannel_rate(me: dict, client: dict | None, item: dict | None) -> float | None:
    """Backchannels per minute of client speech: the coaching item's value (what the verdict judged), or, in a
    session without coaching, from the talk times."""
    if item is not None:
        return item["value"]
    client_min = (client or {}).get("talk_time_s", 0.0) / 60
    return round(me.get("backchannels", 0) / client_min, 3) if client_min > 0 else None


def targets(summary: dict) -> Targets:
    """The coaching targets in ``summary``'s config (the defaults for any it lacks)."""
    saved = (summary.get("config") or {}).get("coaching") or {}
    c = Coaching()

    def get(name: str):
        return saved.get(name, getattr(c, name))

    return Targets(get("talk_share_min"), get("talk_share_max"), get("max_trainee_interruptions"),
                   get("max_quick_response_share"), get("min_backchannels_per_client_min"), get("monologue_alert_s"))


def one_trainee(rows: list[SessionRow], trainee: str | None) -> tuple[list[SessionRow], int]:
    """The rows of ``trainee`` (by name), or of the only trainee there is; and how many rows were left out.

    Raises ``InputError`` when no session is the trainee's, or when there are several trainees and none is named.
    """
    counts = Counter(r.trainee for r in rows)
    listed = ", ".join(f"{name}: {plural(n, 'session')}" for name, n in sorted(counts.items()))
    if trainee is None:
        if len(counts) > 1:
            raise InputError(f"the sessions are of {len(counts)} trainees ({listed}); pass `trainee` with one of "
                             "those names to follow one trainee's progress.")
        return rows, 0
    kept = [r for r in rows if r.trainee == trainee]
    if not kept:
        raise InputError(f"no session has a trainee named {trainee!r} (the trainees are {listed}); pass one of "
                         "those names to `trainee`.")
    return kept, len(rows) - len(kept)

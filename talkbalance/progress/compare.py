"""The latest session against the trainee's previous ones: better, worse or about the same, per figure.

Each figure's value in the latest session is set against the median of its values in the (up to)
``PREVIOUS`` sessions before it. "Better" is a smaller distance from what good practice looks like, by the
latest session's targets: a talk share closer to the target band, fewer interruptions, fewer quick answers, more
backchannels, a median response latency closer to ``HEALTHY_LATENCY_S``, a shorter longest monologue. Distances
within ``Measure.same_within`` are "about the same".
"""
from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from talkbalance.progress.figures import HEALTHY_LATENCY_S, SessionRow, Targets

PREVIOUS = 3
Verdict = Literal["better", "worse", "same", "no data"]


def _outside(value: float, low: float, high: float) -> float:
    """How far ``value`` lies outside ``[low, high]`` (0 inside)."""
    return max(0.0, low - value, value - high)


@dataclass(frozen=True)
class Measure:
    """A figure of the progress table as the comparison reads it."""

    key: str                                         # the ``SessionRow`` attribute
    label: str
    technique: str                                   # the active-listening technique it shows
    shown: Callable[[float], str]                    # the value as the console prints it
    distance: Callable[[float, Targets], float]      # from good practice: 0 is on target, smaller is better
    same_within: float
    better: str
    worse: str


def _pct(x: float) -> str:
    return f"{x:.0%}"


MEASURES = (
    Measure("talk_share", "trainee talk share", "let the client talk", _pct,
            lambda x, t: _outside(x, t.talk_share_min, t.talk_share_max), 0.005,
            "closer to the target band", "further from the target band"),
    Measure("interruptions_per_10_min", "interruptions of the client per 10 min", "let the client finish",
            lambda x: f"{x:.1f}", lambda x, t: x, 0.05,
            "fewer interruptions; you let the client finish", "more interruptions; let the client finish before "
                                                              "you come in"),
    Measure("quick_response_share", "quick answers (share of answers)", "leave space", _pct, lambda x, t: x, 0.005,
            "fewer quick answers; you left space before answering", "more quick answers; leave a moment of space "
                                                                    "before you answer"),
    Measure("backchannels_per_client_min", "backchannels per client minute", "show you are listening",
            lambda x: f"{x:.1f}", lambda x, t: -x, 0.05,
            "more backchannels; you showed you are listening", "fewer backchannels; show you are listening "
                                                               "('mm-hm', 'right')"),
    Measure("median_response_latency_s", "median response latency", "leave space", lambda x: f"{x:.2f} s",
            lambda x, t: _outside(x, *HEALTHY_LATENCY_S), 0.02,
            "closer to a healthy {healthy} pause before answering; you left space",
            "further from a healthy {healthy} pause before answering; leave space, without long silences"),
    Measure("longest_monologue_s", "longest monologue", "let the client talk", lambda x: f"{x:.0f} s",
            lambda x, t: x, 0.5,
            "shorter; you handed the floor back sooner", "longer; keep your turns short and hand the floor back"),
)


@dataclass(frozen=True)
class Trend:
    """One figure of the latest session against the median of the sessions before it."""

    measure: Measure
    latest: float | None
    before: float | None               # median of the previous sessions' values (None: none had one)
    before_sessions: int               # how many previous sessions had a value
    verdict: Verdict
    words: str                         # the plain-language finding, naming the technique


def compare(rows: list[SessionRow]) -> list[Trend]:
    """Each measure's trend from the rows of one trainee in time order; empty with fewer than two sessions."""
    if len(rows) < 2:
        return []
    latest, previous = rows[-1], rows[-1 - PREVIOUS:-1]
    return [_trend(m, getattr(latest, m.key), [getattr(r, m.key) for r in previous], latest) for m in MEASURES]


def _trend(m: Measure, value: float | None, earlier: list[float | None], latest: SessionRow) -> Trend:
    known = [x for x in earlier if x is not None]
    if value is None or not known:
        missing = "the latest session has no value" if value is None else "no earlier session has a value"
        return Trend(m, value, None, 0, "no data", f"nothing to compare ({missing}).")
    before = statistics.median(known)
    t = latest.targets
    now, then = m.distance(value, t), m.distance(before, t)
    if abs(now - then) <= m.same_within:
        verdict: Verdict = "same"
        detail = f"on target, as before ({m.technique})" if now == 0 == then else f"no clear change ({m.technique})"
    else:
        verdict = "better" if now < then else "worse"
        healthy = f"{HEALTHY_LATENCY_S[0]:g}–{HEALTHY_LATENCY_S[1]:g} s"
        detail = (m.better if verdict == "better" else m.worse).format(healthy=healthy)
    if m.key == "talk_share":
        detail = _talk_share_words(verdict, value, t, detail)
    return Trend(m, value, before, len(known), verdict,
                 f"{'about the same' if verdict == 'same' else verdict}: {detail}.")


def _talk_share_words(verdict: Verdict, share: float, t: Targets, detail: str) -> str:
    """Where the talk share now lies against the band, and what to do about it."""
    band = f"the {t.talk_share_min:.0%}–{t.talk_share_max:.0%} band"
    where = "above" if share > t.talk_share_max else "below" if share < t.talk_share_min else "inside"
    advice = {"above": "; let the client talk", "below": "; reflect back and summarise what you hear",
              "inside": " (let the client talk)"}[where]
    if verdict == "same":
        return f"{'as before,' if where == 'inside' else 'still'} {where} {band}{advice}"
    return f"{detail}, now {where} {band}{advice}"

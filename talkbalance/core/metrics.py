"""Per-speaker and session figures and the coaching block (METRICS.md §2, §3, §5, §6).

Turns a ``Conversation`` (integer frames) into ``SessionFigures`` (seconds, rounded
as ``summary.json`` shows them).
"""
from __future__ import annotations

import numpy as np

from talkbalance.config import Config
from talkbalance.core.figures import CoachingItem, Distribution, SessionFigures, SessionTotals, SpeakerFigures
from talkbalance.core.intervals import total, union
from talkbalance.core.spurts import overlapping, timeline
from talkbalance.core.types import Conversation
from talkbalance.core.units import to_frames
from talkbalance.core.wording import plural

TIMES_SHOWN = 5        # a message lists the times of at most this many moments (the item's "times" has all)


def _s(frames: float, frame_s: float) -> float:
    return round(float(frames) * frame_s, 3)


def distribution(values_s: list[float], *quantiles: int) -> Distribution:
    """``count`` plus the named percentiles (``median`` is p50); ``None`` when empty."""
    out: Distribution = {"count": len(values_s)}
    for q in quantiles:
        key = "median_s" if q == 50 else ("max_s" if q == 100 else f"p{q}_s")
        out[key] = round(float(np.percentile(values_s, q)), 3) if values_s else None
    return out


def summarize(conv: Conversation, names: list[str], roles: list[str], duration_frames: int,
              frame_s: float, cfg: Config) -> SessionFigures:
    """Every figure of the session: per speaker, the totals, and the coaching items."""
    n = len(names)
    talk = [total(timeline(sp)) for sp in conv.spurts]
    all_talk = sum(talk)
    events = conv.events
    speakers = []
    for k in range(n):
        made = [e for e in events if e.speaker == k]
        interruptions = [e for e in made if e.kind == "interruption"]
        speakers.append(SpeakerFigures(
            name=names[k],
            channel=k + 1,
            role=roles[k],
            talk_time_s=_s(talk[k], frame_s),
            talk_share=round(talk[k] / all_talk, 4) if all_talk else None,
            turns=sum(t.speaker == k for t in conv.turns),
            longest_monologue_s=_s(max((t.end - t.start for t in conv.turns if t.speaker == k), default=0), frame_s),
            interruptions_made={o: sum(e.outcome == o for e in interruptions) for o in ("successful", "unsuccessful")},
            interrupted_by_other=sum(e.kind == "interruption" and e.other == k for e in events),
            backchannels=sum(e.kind == "backchannel" for e in made),
            simultaneous_starts=sum(e.kind == "simultaneous_start" for e in made),
            transition_overlaps=sum(e.kind == "transition_overlap" for e in made),
            pauses=distribution([(e.end - e.start) * frame_s for e in made if e.kind == "pause"], 50, 90, 100),
            response_latency=distribution([(e.end - e.start) * frame_s for e in made if e.kind == "gap"], 50, 90),
            fto=distribution([c.offset * frame_s for c in conv.floor_changes if c.speaker == k], 50, 10, 90),
        ))
    timelines = [timeline(sp) for sp in conv.spurts]
    speech = timelines[0]
    for tl in timelines[1:]:
        speech = union(speech, tl)
    overlap = overlapping(conv.spurts)
    speech_f, overlap_f = total(speech), total(overlap)
    minutes = duration_frames * frame_s / 60.0
    session = SessionTotals(
        duration_s=_s(duration_frames, frame_s),
        speech_s=_s(speech_f, frame_s),
        silence_s=_s(duration_frames - speech_f, frame_s),
        overlap_s=_s(overlap_f, frame_s),
        overlap_share_of_speech=round(overlap_f / speech_f, 4) if speech_f else None,
        floor_changes=len(conv.floor_changes),
        switches_per_min=round(len(conv.floor_changes) / minutes, 3) if minutes > 0 else None,
        interruptions=sum(e.kind == "interruption" for e in events),
        backchannels=sum(e.kind == "backchannel" for e in events),
        simultaneous_starts=sum(e.kind == "simultaneous_start" for e in events),
        transition_overlaps=sum(e.kind == "transition_overlap" for e in events),
        fto=distribution([c.offset * frame_s for c in conv.floor_changes], 50, 10, 90),
    )
    return SessionFigures(speakers, session, coaching(conv, roles, speakers, talk, frame_s, cfg))


def coaching(conv: Conversation, roles: list[str], speakers: list[SpeakerFigures], talk: list[int], frame_s: float,
             cfg: Config) -> list[CoachingItem]:
    """The active-listening feedback items; empty unless one trainee and one client are set.

    ``talk`` is each speaker's talk time in frames; every comparison is on exact
    values (integer frames), never on the rounded figures shown.
    """
    if sorted(roles) != ["client", "trainee"]:
        return []
    c = cfg.coaching
    me, client = roles.index("trainee"), roles.index("client")
    share_exact = talk[me] / sum(talk) if sum(talk) else 0.0
    share = round(share_exact, 4)
    band = f"{c.talk_share_min:.0%}–{c.talk_share_max:.0%}"
    met = c.talk_share_min <= share_exact <= c.talk_share_max
    items = [CoachingItem(
        key="talk_share",
        item="let the client talk",
        value=share,
        target={"min": c.talk_share_min, "max": c.talk_share_max},
        met=met,
        message=(f"You spoke {share:.0%} of the talk time, inside the {band} target." if met else
                 f"You spoke {share:.0%} of the talk time; aim for {band} so the client has the space."
                 if share_exact > c.talk_share_max else
                 f"You spoke {share:.0%} of the talk time, below the {band} target; reflect back and "
                 "summarise what you heard."),
    )]
    mine = [e for e in conv.events if e.kind == "interruption" and e.speaker == me and e.other == client]
    met = len(mine) <= c.max_trainee_interruptions
    shown = [f"{e.start * frame_s:.1f} s" for e in mine[:TIMES_SHOWN]]
    more = f" and {len(mine) - TIMES_SHOWN} more" if len(mine) > TIMES_SHOWN else ""
    when = f" (at {', '.join(shown)}{more})" if mine else ""
    items.append(CoachingItem(
        key="interruptions",
        item="avoid interruptions",
        value=len(mine),
        target={"max": c.max_trainee_interruptions},
        met=met,
        times=[{"start_s": _s(e.start, frame_s), "outcome": e.outcome} for e in mine],
        message=(f"You interrupted the client {plural(len(mine), 'time')}{when}"
                 + ("" if met else "; let them finish before you come in")
                 + (" (target: none)." if c.max_trainee_interruptions == 0 else
                    f" (target: at most {c.max_trainee_interruptions}).")),
    ))
    responses = [f for f in conv.floor_changes if f.speaker == me and f.previous == client]
    quick = [f for f in responses if f.offset < to_frames(c.quick_response_s, frame_s)]
    quick_share = round(len(quick) / len(responses), 4) if responses else 0.0
    met = quick_share <= c.max_quick_response_share
    items.append(CoachingItem(
        key="response_space",
        item="leave space before answering",
        value=quick_share,
        target={"max_share": c.max_quick_response_share, "quick_response_s": c.quick_response_s},
        met=met,
        median_response_s=speakers[me].fto["median_s"],
        times=[{"start_s": _s(f.at, frame_s), "offset_s": _s(f.offset, frame_s)} for f in quick],
        message=(f"{len(quick)} of your {plural(len(responses), 'answer')} came within {c.quick_response_s:g} s "
                 "of the client stopping, or overlapped their end"
                 + (f"; at most {c.max_quick_response_share:.0%} is the target." if met else
                    f"; leave a moment of space before you answer (target: at most "
                    f"{c.max_quick_response_share:.0%}).")),
    ))
    alert = to_frames(c.monologue_alert_s, frame_s)
    long_turns = [t for t in conv.turns if t.speaker == me and t.end - t.start > alert]
    items.append(CoachingItem(
        key="monologue",
        item="don't monologue",
        value=len(long_turns),
        target={"max": 0, "monologue_alert_s": c.monologue_alert_s},
        met=not long_turns,
        times=[{"start_s": _s(t.start, frame_s), "length_s": _s(t.end - t.start, frame_s)} for t in long_turns],
        message=(f"None of your turns ran longer than {c.monologue_alert_s:g} s." if not long_turns else
                 f"{plural(len(long_turns), 'turn')} of yours ran longer than {c.monologue_alert_s:g} s; "
                 "keep turns short and hand the floor back."),
    ))
    client_min = talk[client] * frame_s / 60.0
    bc = speakers[me].backchannels
    rate = bc / client_min if client_min > 0 else 0.0
    met = rate >= c.min_backchannels_per_client_min
    items.append(CoachingItem(
        key="listening",
        item="show you are listening",
        value=round(rate, 3),
        target={"min": c.min_backchannels_per_client_min},
        met=met,
        message=(f"{plural(bc, 'backchannel')} ('mm-hm', 'right'): {rate:.1f} per minute of client speech"
                 + (f", at least {c.min_backchannels_per_client_min:g} as targeted." if met else
                    f"; aim for at least {c.min_backchannels_per_client_min:g} to show you are following.")),
    ))
    return items

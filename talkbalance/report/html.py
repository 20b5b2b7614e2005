"""The trainer's session page ``report.html`` (OUTPUTS.md): one file that works offline.

The summary figures and the coaching items are written here as HTML, each figure tagged with the JSON pointer of
its ``summary.json`` value (``data-figure``, ``data-value``) and with the moments behind it (``data-show``); the
timeline, the event list and the trends are drawn in the browser by ``review.js`` from the session's data,
embedded as JSON (times in integer milliseconds). ``review.js`` and ``review.css`` are inlined; the only link out
of the page is the relative URL of the recording it plays.
"""
from __future__ import annotations

import json
from html import escape
from importlib.resources import files
from typing import Any

from talkbalance.core.figures import CoachingItem
from talkbalance.core.spurts import overlapping
from talkbalance.core.types import SessionResult
from talkbalance.core.wording import clock, plural, speaker_label
from talkbalance.report.style import INK, OVERLAP_ALPHA, OVERLAP_COLOUR, SMALL_MARKS, TARGET_COLOUR, speaker_colour
from talkbalance.version import __version__

TREND_BIN_S = 300                 # the trends chart: talk share and interruptions per 5 minutes ...
SHORT_TREND_BIN_S = 60            # ... or per minute for a session shorter than
SHORT_SESSION_S = 15 * 60
SEEK_BEFORE_S = 2.0               # a click on a moment plays from this long before it


def report_html(result: SessionResult, audio_url: str | None) -> str:
    """report.html as text; the page plays ``audio_url`` (relative to the page; ``None``: no recording)."""
    labels = [speaker_label(name, role) for name, role in zip(result.names, result.roles)]
    duration_s = result.seconds(result.duration_frames)
    title = f"Session {clock(duration_s)} — {' · '.join(labels)}"
    body = "\n".join([
        _header(result, title, duration_s),
        _player(audio_url),
        _timeline_card(),
        '<div class="columns"><div class="column">',
        _figures_card(result, labels),
        _coaching_card(result.figures.coaching, result),
        _trends_card(),
        _quality_card(result.quality.warnings),
        '</div><div class="column">',
        _events_card(result),
        "</div></div>",
    ])
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<link rel="icon" href="data:,">\n<title>{escape(result.file_id)}: {escape(title)}</title>\n'
            f"<style>\n{_static('review.css')}</style>\n</head>\n<body>\n{body}\n"
            f'<script type="application/json" id="session-data">{_json(session_data(result))}</script>\n'
            f"<script>\n{_static('review.js')}</script>\n</body>\n</html>\n")


def session_data(result: SessionResult) -> dict[str, Any]:
    """What ``review.js`` draws: the talk spurts, overlaps, events, turns and trends, times in milliseconds."""
    def ms(frames: int) -> int:
        return round(frames * result.frame_s * 1000)

    conv = result.conversation
    trainee = result.roles.index("trainee") if "trainee" in result.roles else None
    talk_share = result.figures.coaching_item("talk_share")
    return {
        "names": result.names,
        "labels": [speaker_label(n, r) for n, r in zip(result.names, result.roles)],
        "colours": [speaker_colour(k) for k in range(len(result.names))],
        "duration_ms": ms(result.duration_frames),
        "seek_before_ms": round(SEEK_BEFORE_S * 1000),
        "spurts": [[t for s in spurts for t in (ms(s.start), ms(s.end))] for spurts in conv.spurts],
        "overlaps": [ms(t) for pair in overlapping(conv.spurts).tolist() for t in pair],
        "events": [[e.kind, ms(e.start), ms(e.end), e.speaker, -1 if e.other is None else e.other, e.outcome]
                   for e in sorted(conv.events, key=lambda e: (e.start, e.end, e.speaker))],
        "turns": [[t.speaker, ms(t.start), ms(t.end)] for t in conv.turns],
        "coaching": {c.key: c.times or [] for c in result.figures.coaching},
        "trainee": trainee,
        "talk_share_target": talk_share.target if talk_share is not None else None,
        "trends": trends(result),
        "style": {"ink": INK, "overlap": OVERLAP_COLOUR, "overlap_alpha": OVERLAP_ALPHA, "target": TARGET_COLOUR,
                  **{kind: mark[2] for kind, mark in SMALL_MARKS.items()}},
    }


def trends(result: SessionResult) -> dict[str, Any]:
    """Talk time (ms) and interruptions made, per speaker, in bins of 5 minutes (1 minute for a short session)."""
    duration_s = result.seconds(result.duration_frames)
    bin_s = SHORT_TREND_BIN_S if duration_s < SHORT_SESSION_S else TREND_BIN_S
    bin_frames = max(1, round(bin_s / result.frame_s))
    n_bins = max(1, -(-result.duration_frames // bin_frames))
    talk = [[0] * len(result.names) for _ in range(n_bins)]
    for spurts in result.conversation.spurts:
        for s in spurts:
            for b in range(s.start // bin_frames, min(n_bins - 1, (s.end - 1) // bin_frames) + 1):
                inside = min(s.end, (b + 1) * bin_frames) - max(s.start, b * bin_frames)
                talk[b][s.speaker] += inside
    interruptions = [[0] * len(result.names) for _ in range(n_bins)]
    for e in result.conversation.events:
        if e.kind == "interruption":
            interruptions[min(n_bins - 1, e.start // bin_frames)][e.speaker] += 1
    return {"bin_s": bin_s, "talk_ms": [[round(f * result.frame_s * 1000) for f in row] for row in talk],
            "interruptions": interruptions}


# --- the page's parts ---------------------------------------------------------------------


def _header(result: SessionResult, title: str, duration_s: float) -> str:
    inputs = result.source.get("inputs", [])
    source = ", ".join(str(p) for p in inputs) or result.file_id
    return (f'<header><h1 id="title">{escape(title)}</h1>'
            f'<p class="sub">{escape(source)} · {duration_s:.1f} s · talkbalance {escape(__version__)}</p></header>')


def _player(audio_url: str | None) -> str:
    if audio_url is None:
        return ('<section class="card player"><p class="note" id="no-audio">No recording is linked to this page: '
                "the timeline and figures work, but nothing plays.</p></section>")
    return (f'<section class="card player"><audio id="audio" controls preload="auto" src="{escape(audio_url)}">'
            "</audio><p class=\"hint\">Click a mark on the timeline, a row of the list or a figure to play from "
            f"{SEEK_BEFORE_S:g} s before it. Space plays and pauses.</p>"
            f'<p class="note" id="audio-error" hidden>The recording <code>{escape(audio_url)}</code> did not load: '
            "keep it where it was, beside this page's folder, or analyse the session again.</p></section>")


def _timeline_card() -> str:
    marks = [("spurt", "talk spurt"), ("overlap", "both speaking"), ("interruption-successful", "interruption, successful"),
             ("interruption-unsuccessful", "interruption, unsuccessful"),
             *((kind, label) for kind, (label, *_) in SMALL_MARKS.items()), ("pause", "pause"), ("gap", "gap")]
    legend = "".join(f'<span class="key"><i class="sw {cls}"></i>{escape(label)}</span>' for cls, label in marks)
    return ('<section class="card" id="timeline-card"><div class="bar"><h2>Timeline</h2>'
            f'<div class="legend">{legend}</div></div>'
            '<div class="tools"><button id="zoom-out" title="zoom out (−)">−</button>'
            '<button id="zoom-in" title="zoom in (+)">+</button>'
            '<button id="zoom-all" title="the whole session (0)">whole session</button>'
            '<span class="hint">Scroll or pinch to zoom, drag to pan; hover for durations.</span>'
            '<span id="view-range" class="range"></span></div>'
            '<div id="timeline"><svg id="timeline-svg" role="img" aria-label="timeline of the session"></svg>'
            '<div id="tooltip" hidden></div></div></section>')


def _fig(pointer: str, value: Any, text: str, show: dict[str, Any] | None = None, **extra: Any) -> str:
    """A figure of ``summary.json`` (``pointer``: its JSON pointer) shown as ``text``, linked to the moments
    behind it (``show``: what the event list shows when it is clicked); a list's figure is its ``length``."""
    attrs = f' data-figure="{pointer}"' + ("" if "length" in extra else f' data-value="{escape(json.dumps(value))}"')
    attrs += "".join(f' data-{k.replace("_", "-")}="{escape(str(v))}"' for k, v in extra.items())
    if show is None:
        return f'<span class="fig"{attrs}>{escape(text)}</span>'
    return (f'<button type="button" class="fig link" id="fig{pointer.replace("/", "-")}"{attrs} '
            f'data-show="{escape(json.dumps(show))}">{escape(text)}</button>')


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.0f} %"


def _sec(x: float | int | None) -> str:
    return "–" if x is None else f"{x:.2f} s"


def _num(x: float | None) -> str:
    return "–" if x is None else f"{x:.1f}"


def _long(x: float) -> str:
    return f"{clock(x)} ({x:.1f} s)" if x >= 60 else f"{x:.1f} s"


def _figures_card(result: SessionResult, labels: list[str]) -> str:
    """Per speaker: talk share and time, turns, longest monologue, interruptions each way, backchannels, the
    medians of pauses and response latency; then the session's overlap and switches."""
    rows: list[tuple[str, list[str]]] = []

    def row(label: str, cell) -> None:
        rows.append((label, [cell(k, s) for k, s in enumerate(result.speakers)]))

    p = "/speakers/{}/".format
    row("Talk share", lambda k, s: _fig(p(k) + "talk_share", s.talk_share, _pct(s.talk_share),
                                        {"turns": k, "title": f"{s.name}'s turns, longest first"}))
    row("Talk time", lambda k, s: _fig(p(k) + "talk_time_s", s.talk_time_s, _long(s.talk_time_s)))
    row("Turns", lambda k, s: _fig(p(k) + "turns", s.turns, str(s.turns), {"turns": k, "order": "time",
                                                                        "title": f"{s.name}'s turns"}))
    row("Longest monologue", lambda k, s: _fig(p(k) + "longest_monologue_s", s.longest_monologue_s,
                                               _long(s.longest_monologue_s),
                                               {"turns": k, "limit": 1, "title": f"{s.name}'s longest turn"}))
    row("Interruptions made, successful", lambda k, s: _fig(
        p(k) + "interruptions_made/successful", s.interruptions_made["successful"], str(s.interruptions_made["successful"]),
        {"kind": "interruption", "outcome": "successful", "by": k}))
    row("Interruptions made, unsuccessful", lambda k, s: _fig(
        p(k) + "interruptions_made/unsuccessful", s.interruptions_made["unsuccessful"],
        str(s.interruptions_made["unsuccessful"]), {"kind": "interruption", "outcome": "unsuccessful", "by": k}))
    row("Interrupted by the other", lambda k, s: _fig(p(k) + "interrupted_by_other", s.interrupted_by_other,
                                                      str(s.interrupted_by_other), {"kind": "interruption", "to": k}))
    row("Backchannels", lambda k, s: _fig(p(k) + "backchannels", s.backchannels, str(s.backchannels),
                                          {"kind": "backchannel", "by": k}))
    row("Median pause", lambda k, s: _fig(p(k) + "pauses/median_s", s.pauses["median_s"], _sec(s.pauses["median_s"]),
                                          {"kind": "pause", "by": k}))
    row("Median response latency", lambda k, s: _fig(
        p(k) + "response_latency/median_s", s.response_latency["median_s"], _sec(s.response_latency["median_s"]),
        {"kind": "gap", "by": k}))
    head = "".join(f'<th style="color:{speaker_colour(k)}">{escape(label)}</th>' for k, label in enumerate(labels))
    body = "".join(f"<tr><th>{escape(label)}</th>{''.join(f'<td>{c}</td>' for c in cells)}</tr>" for label, cells in rows)
    t = result.figures.session
    session = (f'<p class="session">Session {_fig("/session/duration_s", t.duration_s, _long(t.duration_s))}: '
               f'both speaking {_fig("/session/overlap_share_of_speech", t.overlap_share_of_speech, _pct(t.overlap_share_of_speech))} '
               f'of the speech, {_fig("/session/switches_per_min", t.switches_per_min, _num(t.switches_per_min))} '
               "speaker switches per minute.</p>")
    return (f'<section class="card" id="figures"><h2>Figures</h2><table class="figures"><thead><tr><th></th>{head}'
            f"</tr></thead><tbody>{body}</tbody></table>{session}"
            '<p class="hint">Click a figure to list the moments behind it.</p></section>')


def _coaching_card(items: list[CoachingItem], result: SessionResult) -> str:
    """Each coaching item (in ``summary.json``'s order): its verdict, its figure against the target, the finding;
    linked to its moments."""
    if not items:
        return ""
    trainee = result.roles.index("trainee")
    client = result.roles.index("client")
    out = []
    for i, item in enumerate(items):
        pointer = f"/coaching/{i}/value"
        figure = _coaching_figure(item, pointer, trainee, client)
        verdict = '<span class="verdict met">✓ met</span>' if item.met else '<span class="verdict not-met">✗ not met</span>'
        out.append(f'<li class="coaching-item" data-key="{item.key}" data-met="{json.dumps(item.met)}">{verdict}'
                   f'<div><span class="item">{escape(item.item)}</span> {figure} '
                   f'<span class="target">target: {escape(_target(item))}</span>'
                   f'<p class="message">{escape(item.message)}</p></div></li>')
    return (f'<section class="card" id="coaching"><h2>Coaching for {escape(result.names[trainee])}</h2>'
            f'<ul class="coaching">{"".join(out)}</ul></section>')


def _coaching_figure(item: CoachingItem, pointer: str, trainee: int, client: int) -> str:
    if item.key == "talk_share":
        return _fig(pointer, item.value, _pct(float(item.value)), {"turns": trainee, "title": "your turns, longest first"})
    if item.key == "interruptions":
        return _fig(pointer, item.value, plural(int(item.value), "interruption"),
                    {"kind": "interruption", "by": trainee, "to": client})
    if item.key == "response_space":
        quick = len(item.times or [])
        times = pointer.replace("/value", "/times")
        return (_fig(times, None, plural(quick, "quick response"), {"coaching": item.key, "title": "quick responses"},
                     length=quick) + " " + _fig(pointer, item.value, f"({_pct(float(item.value))} of your answers)"))
    if item.key == "monologue":
        return _fig(pointer, item.value, plural(int(item.value), "long turn"),
                    {"coaching": item.key, "title": "turns longer than the alert"})
    return _fig(pointer, item.value, f"{float(item.value):.1f} backchannels per minute",
                {"kind": "backchannel", "by": trainee})


def _target(item: CoachingItem) -> str:
    t = item.target
    if item.key == "talk_share":
        return f"{t['min']:.0%}–{t['max']:.0%} of the talk time"
    if item.key == "interruptions":
        return "none" if t["max"] == 0 else f"at most {t['max']:g}"
    if item.key == "response_space":
        return f"at most {t['max_share']:.0%} of answers within {t['quick_response_s']:g} s"
    if item.key == "monologue":
        return f"no turn longer than {t['monologue_alert_s']:g} s"
    return f"at least {t['min']:g} per minute of client speech"


def _trends_card() -> str:
    return ('<section class="card" id="trends"><h2>Within the session</h2><div id="trends-chart"></div>'
            '<p class="hint">Click a column to see that stretch on the timeline.</p></section>')


def _quality_card(warnings: list[str]) -> str:
    if not warnings:
        return ""
    items = "".join(f"<li>{escape(w)}</li>" for w in warnings)
    return f'<section class="card" id="quality"><h2>Notes on the recording</h2><ul class="warnings">{items}</ul></section>'


def _events_card(result: SessionResult) -> str:
    kinds = [("", "every kind"), ("interruption", "interruptions"), ("interruption/successful", "— successful"),
             ("interruption/unsuccessful", "— unsuccessful"), ("backchannel", "backchannels"),
             ("simultaneous_start", "simultaneous starts"), ("transition_overlap", "transition overlaps"),
             ("pause", "pauses"), ("gap", "gaps")]
    kind_options = "".join(f'<option value="{v}">{escape(label)}</option>' for v, label in kinds)
    people = '<option value="">anyone</option>' + "".join(
        f'<option value="{k}">{escape(name)}</option>' for k, name in enumerate(result.names))
    return ('<section class="card" id="events"><div class="bar"><h2>Moments</h2><span id="event-count"></span></div>'
            f'<div class="filters"><label>Show <select id="filter-kind">{kind_options}</select></label>'
            f'<label>by <select id="filter-by">{people}</select></label>'
            f'<label>to <select id="filter-to">{people}</select></label></div>'
            '<div id="focus" hidden><span id="focus-title"></span> <button type="button" id="focus-clear">'
            "show every event</button></div>"
            '<div class="list-wrap"><table id="event-list"><thead><tr><th>time</th><th>what</th><th>who</th>'
            '<th>duration</th></tr></thead><tbody></tbody></table></div></section>')


# --- helpers ------------------------------------------------------------------------------


def _static(name: str) -> str:
    """A file of this package (review.js, review.css), to inline."""
    return (files("talkbalance.report") / name).read_text(encoding="utf-8")


def _json(data: Any) -> str:
    """``data`` as JSON safe inside a ``<script>`` element."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).replace("<", "\\u003c")

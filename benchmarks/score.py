"""Benchmark scorer: a system's ``Conversation`` against a simulator's reference.

    from benchmarks.score import score, summarize
    per_conv = [score(ref, hyp, n_frames) for ref, hyp, n_frames in cases]
    table = summarize(per_conv)

Both conversations are ``talkbalance.core.types.Conversation`` objects for two speakers
(channels 0 and 1) in integer frames of ``frame_s`` seconds (10 ms by default).
``score`` returns raw counts (so that ``summarize`` can micro-average across
conversations) plus per-conversation P/R/F1 and errors for convenience.

Figures, exactly
----------------
Frames. The evaluated frames are ``0 .. n_frames-1``. A speaker is *active* in a
frame when the frame lies inside one of that speaker's spurts ``[start, end)``
(the union of their spurts). Spurt parts outside ``[0, n_frames)`` are ignored by
the frame figures (they are clipped), but not by the talk share.

P/R/F1 (``prf``). ``precision = tp / (tp + fp)``, ``recall = tp / (tp + fn)``,
``F1 = 2 tp / (2 tp + fp + fn)`` (the harmonic mean of P and R whenever both are
defined). The 0/0 cases are defined, never NaN: precision is 1.0 when nothing was
detected (``tp + fp == 0``: no false detections), recall is 1.0 when there was
nothing to detect (``tp + fn == 0``: nothing missed), and F1 is 1.0 when both are
empty (``tp + fp + fn == 0``). So a missed everything gives P = 1, R = 0, F1 = 0;
a pure false alarm gives P = 0, R = 1, F1 = 0. These match pyannote.metrics'
``DetectionPrecision`` / ``DetectionRecall`` conventions.

1. Per-speaker frame P/R/F1 (``speakers[k]["frames"]``): over the frames,
   ``tp`` = reference and hypothesis both mark speaker k active, ``fp`` = only the
   hypothesis does, ``fn`` = only the reference does. ``ref`` / ``hyp`` are the
   active-frame counts of each side.
2. Per-speaker crosstalk false-alarm rate (``speakers[k]["crosstalk"]``):
   ``partner_only`` = frames where the reference has the partner active and
   speaker k inactive; ``fa`` = those of them where the hypothesis marks speaker
   k active; ``rate = fa / partner_only`` (``None`` when ``partner_only == 0``).
   It measures partner bleed accepted as speaker k's speech. Likewise
   ``speakers[k]["others"]``: over the frames where only other voices in the room
   are active (``others`` given, neither speaker active), the share marked as k's.
3. Overlap frame P/R/F1 (``overlap``): as 1., with "active" replaced by "both
   speakers active" on each side.
4. Talk-share error (``talk_share``): talk time of a speaker = total length of
   their spurts (union, as talkbalance.core.metrics computes it; equal to the sum of
   spurt lengths since one speaker's spurts do not overlap), not clipped to
   ``n_frames``; ``share(0) = talk(0) / (talk(0) + talk(1))``;
   ``error_pp = |share_hyp(0) - share_ref(0)| * 100`` (percentage points; with two
   speakers speaker 1's error is the same). ``None`` when either side has no talk
   at all (the share is undefined).
5. Median errors (``medians``), each ``hyp - ref`` in seconds (signed here;
   ``summarize`` reports the mean and max of the absolute values):
   - ``pause``: median duration ``(end - start) * frame_s`` of the events of kind
     ``"pause"``, pooled over both speakers;
   - ``gap``: the same for the events of kind ``"gap"``;
   - ``fto``: median of ``FloorChange.offset * frame_s`` over all floor changes
     (both incoming speakers pooled).
   ``np.median`` (the mean of the two middle values for an even count). The
   error is ``None`` when either side has no such item.
6. Events (``events``), P/R/F1 with one-to-one matching. A hypothesis event can
   match a reference event when they belong to the same category, have the same
   actor (``Event.speaker``; ``other`` is not compared) and their onsets
   (``Event.start``) differ by at most ``tolerance_s`` (0.5 s; compared in whole
   frames: ``|d| <= floor(tolerance_s / frame_s)`` = 50 frames at 10 ms, so
   0.50 s matches and 0.51 s does not). Categories:
   - ``interruption``: kind ``"interruption"``, any outcome (outcomes need not match);
   - ``interruption_successful`` / ``interruption_unsuccessful``: only the
     interruptions with that outcome on both sides;
   - ``backchannel``: kind ``"backchannel"``.
   Matching is *optimal* (maximum number of matched pairs), per category and
   actor: both onset lists are sorted and swept together, pairing the earliest
   unmatched reference and hypothesis onsets whenever they are within the
   tolerance and otherwise dropping the earlier of the two. For points on a line
   with a symmetric tolerance this greedy sweep yields a maximum-cardinality
   one-to-one matching (an exchange argument), so no pair of events is left
   unmatched that an optimal assignment would have matched. ``tp`` = matched
   pairs, ``fp`` = unmatched hypothesis events, ``fn`` = unmatched reference events.

``summarize`` micro-averages: it sums ``tp``/``fp``/``fn`` (and the crosstalk
``fa``/``partner_only``) over conversations and computes P/R/F1 / the rate from
the sums (it never averages per-conversation F1s). Errors (talk share, medians)
are averaged over the conversations where they are defined, as the mean and the
max of the absolute value, with ``n`` the number of conversations that counted.
"""
from __future__ import annotations

import math

import numpy as np

from talkbalance.core.types import Conversation

SPEAKERS = (0, 1)
TOLERANCE_S = 0.5
EVENT_CATEGORIES = ("interruption", "interruption_successful", "interruption_unsuccessful", "backchannel")
MEDIAN_ITEMS = ("pause", "gap", "fto")


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall, F1 from counts; 0/0 cases defined as in the module docstring.

    ``precision = 1.0`` when ``tp + fp == 0``; ``recall = 1.0`` when ``tp + fn == 0``;
    ``F1 = 2tp / (2tp + fp + fn)``, ``1.0`` when ``tp + fp + fn == 0``.
    """
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
    return precision, recall, f1


def _counts(tp: int, fp: int, fn: int, **extra) -> dict:
    p, r, f = prf(tp, fp, fn)
    return {"tp": int(tp), "fp": int(fp), "fn": int(fn), **extra, "precision": p, "recall": r, "f1": f}


def activity(spurts, n_frames: int) -> np.ndarray:
    """Boolean mask of length ``n_frames``: frames inside any of ``spurts`` (clipped)."""
    mask = np.zeros(n_frames, dtype=bool)
    for s in spurts:
        lo, hi = max(s.start, 0), min(s.end, n_frames)
        if lo < hi:
            mask[lo:hi] = True
    return mask


def _frame_counts(ref: np.ndarray, hyp: np.ndarray) -> dict:
    tp = int(np.count_nonzero(ref & hyp))
    fp = int(np.count_nonzero(~ref & hyp))
    fn = int(np.count_nonzero(ref & ~hyp))
    return _counts(tp, fp, fn, ref=int(np.count_nonzero(ref)), hyp=int(np.count_nonzero(hyp)))


def _talk(spurts) -> int:
    """Talk time in frames: total length of the union of the spurts."""
    ivs = sorted((s.start, s.end) for s in spurts if s.end > s.start)
    total, reach = 0, None
    for lo, hi in ivs:
        if reach is None or lo > reach:
            total += hi - lo
            reach = hi
        elif hi > reach:
            total += hi - reach
            reach = hi
    return total


def _share0(conv: Conversation) -> float | None:
    talk = [_talk(conv.spurts[k]) for k in SPEAKERS]
    return talk[0] / sum(talk) if sum(talk) else None


def _median_s(conv: Conversation, item: str, frame_s: float) -> float | None:
    if item == "fto":
        values = [c.offset for c in conv.floor_changes]
    else:
        values = [e.end - e.start for e in conv.events if e.kind == item]
    return float(np.median(values)) * frame_s if values else None


def _category(conv: Conversation, category: str) -> list:
    if category == "backchannel":
        return [e for e in conv.events if e.kind == "backchannel"]
    events = [e for e in conv.events if e.kind == "interruption"]
    if category == "interruption":
        return events
    outcome = category.removeprefix("interruption_")
    return [e for e in events if e.outcome == outcome]


def match_onsets(ref: list[int], hyp: list[int], tolerance: int) -> int:
    """Size of a maximum one-to-one matching of onsets with ``|r - h| <= tolerance`` (frames)."""
    ref, hyp = sorted(ref), sorted(hyp)
    i = j = matched = 0
    while i < len(ref) and j < len(hyp):
        if abs(ref[i] - hyp[j]) <= tolerance:
            matched += 1
            i += 1
            j += 1
        elif ref[i] < hyp[j]:
            i += 1
        else:
            j += 1
    return matched


def match_events(ref_events: list, hyp_events: list, tolerance: int) -> dict:
    """Counts of a one-to-one matching by actor and onset (see the module docstring, 6.)."""
    tp = 0
    for k in {e.speaker for e in ref_events} | {e.speaker for e in hyp_events}:
        tp += match_onsets([e.start for e in ref_events if e.speaker == k],
                           [e.start for e in hyp_events if e.speaker == k], tolerance)
    return _counts(tp, len(hyp_events) - tp, len(ref_events) - tp)


def tolerance_frames(tolerance_s: float, frame_s: float) -> int:
    """Largest whole number of frames not longer than ``tolerance_s`` (float-noise safe)."""
    return int(math.floor(tolerance_s / frame_s + 1e-9))


def score(reference: Conversation, hypothesis: Conversation, n_frames: int, frame_s: float = 0.01,
          tolerance_s: float = TOLERANCE_S, others: np.ndarray | None = None) -> dict:
    """Raw counts and errors for one conversation (aggregate with `summarize`).

    ``others`` (bool per frame) marks where voices other than the two speakers are active (people
    elsewhere in the room); see the module docstring for the exact definition of every figure.
    """
    for name, conv in (("reference", reference), ("hypothesis", hypothesis)):
        if len(conv.spurts) != 2:
            raise ValueError(f"{name} has {len(conv.spurts)} speakers; the scorer handles exactly 2")
    if n_frames < 0:
        raise ValueError("n_frames must be >= 0")
    ref = [activity(reference.spurts[k], n_frames) for k in SPEAKERS]
    hyp = [activity(hypothesis.spurts[k], n_frames) for k in SPEAKERS]

    busy = np.zeros(n_frames, dtype=bool)
    if others is not None:
        busy[:min(n_frames, len(others))] = others[:n_frames]
    speakers = []
    for k in SPEAKERS:
        partner_only = ref[1 - k] & ~ref[k]
        denom = int(np.count_nonzero(partner_only))
        fa = int(np.count_nonzero(partner_only & hyp[k]))
        others_only = busy & ~ref[0] & ~ref[1]
        others_denom = int(np.count_nonzero(others_only))
        others_fa = int(np.count_nonzero(others_only & hyp[k]))
        speakers.append({
            "frames": _frame_counts(ref[k], hyp[k]),
            "crosstalk": {"fa": fa, "partner_only": denom, "rate": fa / denom if denom else None},
            "others": {"fa": others_fa, "others_only": others_denom,
                       "rate": others_fa / others_denom if others_denom else None},
        })

    share_ref, share_hyp = _share0(reference), _share0(hypothesis)
    share_err = (abs(share_hyp - share_ref) * 100.0
                 if share_ref is not None and share_hyp is not None else None)

    medians = {}
    for item in MEDIAN_ITEMS:
        r, h = _median_s(reference, item, frame_s), _median_s(hypothesis, item, frame_s)
        medians[item] = {"ref_s": r, "hyp_s": h, "error_s": h - r if r is not None and h is not None else None}

    tol = tolerance_frames(tolerance_s, frame_s)
    events = {c: match_events(_category(reference, c), _category(hypothesis, c), tol) for c in EVENT_CATEGORIES}

    return {
        "n_frames": int(n_frames),
        "frame_s": frame_s,
        "tolerance_s": tolerance_s,
        "speakers": speakers,
        "overlap": _frame_counts(ref[0] & ref[1], hyp[0] & hyp[1]),
        "talk_share": {"ref": share_ref, "hyp": share_hyp, "error_pp": share_err},
        "medians": medians,
        "events": events,
    }


def _abs_stats(values: list) -> dict:
    vals = [abs(v) for v in values if v is not None]
    return {"mean": float(np.mean(vals)) if vals else None, "max": max(vals) if vals else None, "n": len(vals)}


def _sum_counts(blocks: list[dict]) -> dict:
    tp, fp, fn = (sum(b[key] for b in blocks) for key in ("tp", "fp", "fn"))
    extra = {key: sum(b[key] for b in blocks) for key in ("ref", "hyp") if blocks and key in blocks[0]}
    return _counts(tp, fp, fn, **extra)


def summarize(scores: list[dict]) -> dict:
    """Micro-averaged P/R/F1 from summed counts; mean (and max) of the per-conversation errors.

    Errors are absolute values (``|talk-share error|`` in percentage points,
    ``|median error|`` in seconds) over the conversations where they are defined.
    """
    speakers = []
    for k in SPEAKERS:
        fa = sum(s["speakers"][k]["crosstalk"]["fa"] for s in scores)
        denom = sum(s["speakers"][k]["crosstalk"]["partner_only"] for s in scores)
        others_fa = sum(s["speakers"][k]["others"]["fa"] for s in scores)
        others_denom = sum(s["speakers"][k]["others"]["others_only"] for s in scores)
        speakers.append({
            "frames": _sum_counts([s["speakers"][k]["frames"] for s in scores]),
            "crosstalk": {"fa": fa, "partner_only": denom, "rate": fa / denom if denom else None},
            "others": {"fa": others_fa, "others_only": others_denom,
                       "rate": others_fa / others_denom if others_denom else None},
        })
    return {
        "n_conversations": len(scores),
        "speakers": speakers,
        "overlap": _sum_counts([s["overlap"] for s in scores]),
        "events": {c: _sum_counts([s["events"][c] for s in scores]) for c in EVENT_CATEGORIES},
        "talk_share_error_pp": _abs_stats([s["talk_share"]["error_pp"] for s in scores]),
        "median_abs_error_s": {item: _abs_stats([s["medians"][item]["error_s"] for s in scores])
                               for item in MEDIAN_ITEMS},
    }

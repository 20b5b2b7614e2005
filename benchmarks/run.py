"""The researchers' benchmark: ``python -m benchmarks [--quick]`` reproduces benchmarks/RESULTS.md.

1. Rooms (benchmarks/rooms.py): conversations spoken in simulated rooms, per condition
   (RT60 x partner distance x another pair in the room), every system side by side.
2. Coherent bleed (benchmarks/simulate/): the headset model whose bleed is a delayed,
   coloured copy, over a grid of bleed level x noise level x sample rate.
3. One speaker with a silent partner channel, the same conversation at three places in one
   file, and the real two-party calls with and without added bleed.
4. Speed: throughput and ratio to a bare webrtcvad loop, peak memory, per-block latency; batch
   throughput on a corpus of short sessions (benchmarks/corpus.py).

Conversations are simulated and scored in worker processes (one per core); each is scored
against its exact reference (benchmarks/score.py).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from tqdm import tqdm

from benchmarks import corpus, latency, realcalls, speed
from benchmarks.paths import ROOT, report_path, results_dir
from benchmarks.rooms import simulate_room
from benchmarks.score import score, summarize
from benchmarks.simulate import PhraseBank, simulate
from benchmarks.single import single_speaker
from benchmarks.systems import silero_available, systems

DATA = ROOT.parent / "shared" / "data"
BLEEDS_DB = (-6, -12, -18, -24, -30)
TARGETS = {  # coherent bleed: figure: (target, higher is better), for bleed levels down to -12 dB
    "frame_f1": (0.93, True), "crosstalk_fa": (0.02, False), "overlap_f1": (0.80, True),
    "interruption_f1": (0.85, True), "backchannel_f1": (0.80, True), "talk_share_error_pp": (2.0, False),
}
ROOM_TARGETS = {  # rooms, pooled and per condition
    "frame_f1": (0.93, True), "crosstalk_fa": (0.02, False), "others_fa": (0.03, False),
    "interruption_f1": (0.85, True), "backchannel_f1": (0.85, True), "talk_share_error_pp": (1.5, False),
}
RT60S = {"dry": (0.2, 0.4), "medium": (0.4, 0.6), "reverberant": (0.6, 0.9)}
DISTANCES = {"near": (0.8, 1.5), "far": (1.5, 2.5)}
ROOM_RATES = (8000, 16000, 44100, 48000)
COLUMNS = ["frame_f1", "crosstalk_fa", "overlap_f1", "interruption_f1", "successful_f1", "unsuccessful_f1",
           "backchannel_f1", "talk_share_error_pp", "gap_median_error_s", "fto_median_error_s"]
ROOM_COLUMNS = ["frame_f1", "precision", "recall", "crosstalk_fa", "others_fa", "overlap_f1", "interruption_f1",
                "backchannel_f1", "talk_share_error_pp", "fto_median_error_s"]


def grid(quick: bool) -> dict:
    if quick:
        return {"noises_dbfs": (-60,), "rates_hz": (16000,), "conversations": 1, "duration_s": 120.0,
                "silero_bleeds": (-12,), "room_conversations": 1, "room_duration_s": 90.0,
                "room_conditions": [("medium", "near", True), ("reverberant", "far", False)]}
    return {"noises_dbfs": (-65, -45), "rates_hz": (8000, 16000, 44100), "conversations": 5, "duration_s": 180.0,
            "silero_bleeds": BLEEDS_DB, "room_conversations": 2, "room_duration_s": 180.0,
            "room_conditions": [(r, d, o) for r in RT60S for d in DISTANCES for o in (False, True)]}


def headline(summary: dict) -> dict:
    """The target figures from a ``summarize`` result."""
    sp = summary["speakers"]
    fa = [s["crosstalk"]["rate"] for s in sp if s["crosstalk"]["rate"] is not None]
    others = [s["others"]["rate"] for s in sp if s["others"]["rate"] is not None]
    return {
        "frame_f1": float(np.mean([s["frames"]["f1"] for s in sp])),
        "precision": float(np.mean([s["frames"]["precision"] for s in sp])),
        "recall": float(np.mean([s["frames"]["recall"] for s in sp])),
        "crosstalk_fa": float(max(fa)) if fa else 0.0,
        "others_fa": float(max(others)) if others else None,
        "overlap_f1": summary["overlap"]["f1"],
        "interruption_f1": summary["events"]["interruption"]["f1"],
        "successful_f1": summary["events"]["interruption_successful"]["f1"],
        "unsuccessful_f1": summary["events"]["interruption_unsuccessful"]["f1"],
        "backchannel_f1": summary["events"]["backchannel"]["f1"],
        "talk_share_error_pp": summary["talk_share_error_pp"]["mean"] or 0.0,
        "pause_median_error_s": summary["median_abs_error_s"]["pause"]["mean"],
        "gap_median_error_s": summary["median_abs_error_s"]["gap"]["mean"],
        "fto_median_error_s": summary["median_abs_error_s"]["fto"]["mean"],
    }


# --------------------------------------------------------------------------- work in the worker processes

_BANK: PhraseBank | None = None


def _load_bank(folder: Path) -> None:
    global _BANK
    _BANK = PhraseBank.from_folder(folder)


def _score_job(job: tuple) -> list[tuple[tuple, dict]]:
    """Simulate one conversation and score every system asked for on it: [(key, score)]."""
    kind, key, params, names = job
    if kind == "room":
        sim = simulate_room(_BANK, **params)
        others = sim.others
    else:
        sim = simulate(_BANK, **params)
        others = None
    n_frames = int(len(sim.audio) / sim.rate_hz / 0.01)
    found = systems()
    out = []
    for name in names:
        hyp = found[name](sim.audio, sim.rate_hz)
        s = score(sim.reference_conversation, hyp, n_frames, others=others)
        if kind == "room":
            s["condition"] = {"rt60_s": sim.measured_rt60_s, "partner_m": round(sim.setup.partner_m, 2)}
        out.append(((name, *key), s))
    return out


def _run_jobs(jobs: list[tuple], speech: Path, desc: str) -> dict[tuple, list]:
    scores: dict[tuple, list] = {}
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1, initializer=_load_bank, initargs=(speech,)) as pool, \
            tqdm(total=len(jobs), desc=desc, file=sys.stderr) as bar:
        for result in pool.map(_score_job, jobs):
            for key, s in result:
                scores.setdefault(key, []).append(s)
            bar.update()
    return scores


def coherent_jobs(g: dict, names: list[str]) -> list[tuple]:
    jobs = []
    for bleed in BLEEDS_DB:
        for noise in g["noises_dbfs"]:
            for rate in g["rates_hz"]:
                for i in range(g["conversations"]):
                    chosen = [n for n in names if n != "silero" or (bleed in g["silero_bleeds"] and i == 0
                                                                     and noise == g["noises_dbfs"][0] and rate == 16000)]
                    jobs.append(("coherent", (bleed, noise, rate),
                                 {"seed": 1000 + i, "duration_s": g["duration_s"], "bleed_db": bleed,
                                  "noise_dbfs": noise, "rate_hz": rate}, chosen))
    return jobs


def room_jobs(g: dict, names: list[str]) -> list[tuple]:
    jobs = []
    for c, (rt60, distance, others) in enumerate(g["room_conditions"]):
        for i in range(g["room_conversations"]):
            seed = 5000 + 100 * c + i
            jobs.append(("room", (rt60, distance, "others" if others else "no others"),
                         {"seed": seed, "duration_s": g["room_duration_s"], "rate_hz": ROOM_RATES[seed % len(ROOM_RATES)],
                          "others": others, "rt60_s": RT60S[rt60], "partner_m": DISTANCES[distance]}, names))
    return jobs


def pooled_rows(scores: dict[tuple, list], by: int | None) -> list[dict]:
    """One row per (system, key[by]) pooling everything else (by None: per system)."""
    groups: dict[tuple, list] = {}
    for key, s in scores.items():
        groups.setdefault((key[0],) + ((key[1 + by],) if by is not None else ()), []).extend(s)
    return [{"system": k[0], "group": k[1] if len(k) > 1 else "all", "conversations": len(v),
             **headline(summarize(v))} for k, v in groups.items()]


# --------------------------------------------------------------------------- tables


def fmt(x, digits=3) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def table(rows: list[dict], columns: list[str], first: str = "group") -> str:
    lines = [f"| system | {first} | n | " + " | ".join(columns) + " |", "|---" * (len(columns) + 3) + "|"]
    for r in rows:
        lines.append(f"| {r['system']} | {r['group']} | {r['conversations']} | "
                     + " | ".join(fmt(r.get(c), 2 if c == "talk_share_error_pp" else 3) for c in columns) + " |")
    return "\n".join(lines)


def _meets(value, target: float, higher: bool) -> bool:
    return value is not None and (value >= target if higher else value <= target)


def target_table(pooled: list[dict]) -> tuple[str, bool]:
    """Coherent bleed: talkbalance against the targets at each bleed level down to -12 dB, and against naive."""
    lines = ["| figure | target | " + " | ".join(f"{b} dB" for b in BLEEDS_DB) + " |", "|---" * (len(BLEEDS_DB) + 2) + "|"]
    all_met = True
    for fig, (target, higher) in TARGETS.items():
        cells = []
        for bleed in BLEEDS_DB:
            tb = next(r for r in pooled if r["system"] == "talkbalance" and r["group"] == bleed)
            nv = next(r for r in pooled if r["system"] == "naive" and r["group"] == bleed)
            ok = _meets(tb[fig], target, higher)
            beats = tb[fig] > nv[fig] if higher else tb[fig] < nv[fig]
            if bleed <= -12:
                all_met &= ok and beats
            mark = ("met" if ok else "MISSED") + (", beats naive" if beats else ", NOT better than naive")
            cells.append(f"{fmt(tb[fig], 3)} ({mark})" if bleed <= -12 else f"{fmt(tb[fig], 3)} (reported)")
        lines.append(f"| {fig} | {'≥' if higher else '≤'} {target} | " + " | ".join(cells) + " |")
    return "\n".join(lines), all_met


def room_target_table(pooled: list[dict], conditions: list[dict]) -> tuple[str, bool]:
    """Rooms: talkbalance pooled, its worst condition, and Silero pooled, against the targets."""
    tb = next(r for r in pooled if r["system"] == "talkbalance")
    others = {r["system"]: r for r in pooled if r["system"] in ("silero", "naive")}
    mine = [r for r in conditions if r["system"] == "talkbalance"]
    lines = ["| figure | target | talkbalance pooled | talkbalance, worst condition | "
             + " | ".join(f"{n} pooled" for n in others) + " |", "|---" * (4 + len(others)) + "|"]
    all_met = True
    for fig, (target, higher) in ROOM_TARGETS.items():
        values = [r[fig] for r in mine if r[fig] is not None]
        worst = (min if higher else max)(values) if values else None
        ok = _meets(tb[fig], target, higher) and _meets(worst, target, higher)
        all_met &= ok
        cells = [f"{fmt(tb[fig])} ({'met' if _meets(tb[fig], target, higher) else 'MISSED'})",
                 f"{fmt(worst)} ({'met' if _meets(worst, target, higher) else 'MISSED'})"]
        cells += [fmt(r[fig]) for r in others.values()]
        lines.append(f"| {fig} | {'≥' if higher else '≤'} {target} | " + " | ".join(cells) + " |")
    return "\n".join(lines), all_met


def calls_table(rows: list[dict]) -> str:
    lines = ["| call | system | bleed added | talk share A | interruptions A→B / B→A | median gap s | "
             "share shift pp | interruption shift | gap shift s |", "|---" * 9 + "|"]
    for r in rows:
        lines.append(f"| {r['call']} | {r['system']} | {r['bleed_db'] if r['bleed_db'] else 'none'} | "
                     f"{r['talk_share_a']:.3f} | {r['interruptions_a_to_b']} / {r['interruptions_b_to_a']} | "
                     f"{fmt(r['median_gap_s'], 2)} | {fmt(r.get('talk_share_shift_pp'), 2)} | "
                     f"{r.get('interruption_shift', '-')} | {fmt(r.get('median_gap_shift_s'), 3)} |")
    return "\n".join(lines)


def positions_table(rows: list[dict]) -> str:
    lines = ["| recording | copy | talk A s | talk B s | interruptions | backchannels |", "|---" * 6 + "|"]
    for r in rows:
        for c, (talk, interruptions, backchannels) in enumerate(r["copies"], start=1):
            lines.append(f"| {r['name']} | {c} | {talk[0]:.1f} | {talk[1]:.1f} | {interruptions} | {backchannels} |")
    return "\n".join(lines)


def plot(pooled: list[dict], path: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figs = list(TARGETS)
    fig = Figure(figsize=(15, 8), dpi=100)
    FigureCanvasAgg(fig)
    for i, name in enumerate(figs):
        ax = fig.add_subplot(2, 3, i + 1)
        for system in dict.fromkeys(r["system"] for r in pooled):
            pts = [(r["group"], r[name]) for r in pooled if r["system"] == system]
            ax.plot(*zip(*pts), marker="o", label=system)
        target, _ = TARGETS[name]
        ax.axhline(target, color="grey", linestyle="--", linewidth=1)
        ax.set_title(name.replace("_", " "))
        ax.set_xlabel("bleed (dB)")
        ax.grid(alpha=0.3)
    fig.axes[0].legend(fontsize=8)
    fig.suptitle("Coherent bleed: accuracy against bleed level (dashed: target)")
    fig.tight_layout()
    fig.savefig(path)


# --------------------------------------------------------------------------- the run


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks",
                                     description="The researchers' benchmark: every system on simulated rooms and "
                                                 "two-headset conversations against exact references, one speaker "
                                                 "alone, a conversation at three places in a file, the real calls, "
                                                 "speed.",
                                     epilog="A full run replaces benchmarks/RESULTS.md and benchmarks/results/; "
                                            "--quick and --skip-speed runs write to benchmarks/results/quick/ "
                                            "(ignored by git).")
    parser.add_argument("--quick", action="store_true",
                        help="a small grid (one conversation per bleed level, two rooms) and a short speed run: "
                             "a few minutes")
    parser.add_argument("--speech", type=Path, default=DATA / "librispeech_dev",
                        help="folder of speech recordings the conversations are simulated from "
                             "(default: ../shared/data/librispeech_dev)")
    parser.add_argument("--calls", type=Path, default=DATA / "two_party_calls",
                        help="folder of real two-party calls, one mono WAV per party (default: "
                             "../shared/data/two_party_calls; skipped when absent)")
    parser.add_argument("--skip-speed", action="store_true",
                        help="leave out the speed and memory measurements (the run then counts as partial)")
    args = parser.parse_args(argv)
    full = not (args.quick or args.skip_speed)
    if not args.speech.is_dir():
        print(f"benchmarks: {args.speech} not found; pass --speech DIR (a folder of speech recordings).",
              file=sys.stderr)
        return 2
    started = time.time()
    g = grid(args.quick)
    names = list(systems())
    room_scores = _run_jobs(room_jobs(g, names), args.speech, "simulated rooms")
    room_pooled = pooled_rows(room_scores, None)
    room_conditions = pooled_rows({(k[0], " / ".join(k[1:])): v for k, v in room_scores.items()}, 0)
    room_targets, rooms_met = room_target_table(room_pooled, room_conditions)
    coherent_scores = _run_jobs(coherent_jobs(g, names), args.speech, "coherent bleed")
    pooled = pooled_rows(coherent_scores, 0)
    targets, met = target_table(pooled)
    folder = results_dir(full)
    plot(pooled, folder / "accuracy_vs_bleed.png")
    single = single_speaker(args.speech)
    without_silero = {k: v for k, v in systems().items() if k != "silero"}
    call_rows = realcalls.run_calls(args.calls, without_silero) if args.calls.is_dir() else []
    positions = realcalls.positions(args.calls, ROOT / "recordings" / "demo" / "practice_session.flac")
    rt = room_scores and [s["condition"]["rt60_s"] for v in room_scores.values() for s in v]
    sections = [
        "# talkbalance benchmark results",
        "",
        f"Run on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.machine()}, "
        f"{platform.python_version()}, {os.cpu_count()} cores; command: "
        f"`python -m benchmarks{' --quick' if args.quick else ''}`; took {(time.time() - started) / 60:.1f} min "
        "before the speed section.",
        "",
        "## Rooms",
        "",
        f"{g['room_conversations']} conversation(s) of {g['room_duration_s']:.0f} s per condition, spoken in simulated "
        "rooms (benchmarks/rooms.py: image sources, headset mics 4-8 cm from the mouths, unequal mic gains, "
        "gain steps of 3-6 dB, a quiet talker in a third of the sessions, mic noise -65 to -50 dBFS, output at "
        f"{', '.join(str(r) for r in ROOM_RATES)} Hz). Conditions: RT60 "
        + ", ".join(f"{k} {a}-{b} s" for k, (a, b) in RT60S.items())
        + " (measured "
        + (f"{min(rt):.2f}-{max(rt):.2f} s" if rt else "-")
        + "); partner " + ", ".join(f"{k} {a}-{b} m" for k, (a, b) in DISTANCES.items())
        + "; with or without another pair practising 2-5 m away (talking up to as loud as the pair).",
        "",
        room_targets,
        "",
        f"All room targets met, pooled and in every condition: **{'yes' if rooms_met else 'no'}**.",
        "",
        "### Every system, pooled over the rooms",
        "",
        table(room_pooled, ROOM_COLUMNS),
        "",
        "### Every system per condition (RT60 / partner distance / other voices)",
        "",
        table(sorted(room_conditions, key=lambda r: (r["system"], r["group"])), ROOM_COLUMNS, "condition"),
        "",
        "## Coherent bleed (the delayed-copy headset model)",
        "",
        f"Grid: bleed {list(BLEEDS_DB)} dB x noise {list(g['noises_dbfs'])} dBFS x rate {list(g['rates_hz'])} Hz, "
        f"{g['conversations']} conversation(s) of {g['duration_s']:.0f} s per cell, simulated from "
        f"`{args.speech.name}` (benchmarks/simulate/). "
        + ("Silero (neural) runs on a subset (16 kHz, first noise level, one conversation per bleed level in "
           f"{list(g['silero_bleeds'])}): its Python binding is slow." if silero_available() else "Silero not installed: skipped."),
        "",
        targets,
        "",
        f"All targets met down to -12 dB and better than naive: **{'yes' if met else 'no'}**.",
        "",
        table(pooled, COLUMNS, "bleed dB"),
        "",
        f"![accuracy against bleed]({'results' if full else '.'}/accuracy_vs_bleed.png)",
        "",
        "## One speaker, partner channel silent",
        "",
        single,
        "",
        "## The same conversation at three places in one file",
        "",
        "Each recording three times in a row, each copy 0.37 s shorter than the recording so that the copies fall "
        "differently on the gate's hops; talkbalance, default settings.",
        "",
        positions_table(positions) if positions else "no recordings found: skipped.",
        "",
        "## Real two-party calls (8 kHz), and added bleed",
        "",
        calls_table(call_rows) if call_rows else f"{args.calls} not found: skipped.",
    ]
    if not args.skip_speed:
        with tempfile.TemporaryDirectory() as tmp:
            hours, long_hours = (0.25, 0.0) if args.quick else (1.0, 10.0)
            sp = speed.measure(hours, long_hours, Path(tmp), repeats=1 if args.quick else speed.REPEATS)
            settings = {**corpus.FULL, "sessions": 4, "session_s": 60.0, "repeats": 1} if args.quick else corpus.FULL
            batch = corpus.measure(Path(tmp), **settings)
        lat = latency.measure(ROOT / "recordings" / "demo" / "practice_session.flac", repeats=1 if args.quick else 3)
        sections += ["", "## Speed", "", speed.save(sp, hours, full), "", "Per-block latency of `Engine.feed`:", "",
                     latency.table(lat), "", "## Batch throughput", "", corpus.save(batch, full)]
    text = "\n".join(sections) + "\n"
    report = report_path(full)
    report.write_text(text)
    rows = {"rooms": [{k: v for k, v in r.items()} for r in room_pooled + room_conditions],
            "coherent": pooled}
    (folder / "grid.json").write_text(json.dumps(rows, indent=1) + "\n")
    print(text)
    print(f"written to {report.relative_to(ROOT)} and {folder.relative_to(ROOT)}/"
          + ("" if full else " (a quick or partial run: the full run's committed results are untouched)"),
          file=sys.stderr)
    return 0

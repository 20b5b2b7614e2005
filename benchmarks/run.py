"""The researchers' benchmark: ``python -m benchmarks [--quick]`` reproduces benchmarks/RESULTS.md.

1. Simulated two-headset conversations (benchmarks/simulate.py) over a grid of bleed level x
   noise level x sample rate, scored against their exact references (benchmarks/score.py) for
   every system side by side (benchmarks/systems.py).
2. The real two-party calls, and how far added bleed moves each system's figures.
3. Speed: throughput and ratio to a bare webrtcvad loop, peak memory, per-block latency.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from benchmarks import latency, realcalls, speed
from benchmarks.paths import ROOT, report_path, results_dir
from benchmarks.score import score, summarize
from benchmarks.simulate import PhraseBank, simulate
from benchmarks.systems import silero_available, systems

DATA = ROOT.parent / "shared" / "data"
BLEEDS_DB = (-6, -12, -18, -24, -30)
TARGETS = {  # figure: (target, higher is better), for bleed levels down to -12 dB
    "frame_f1": (0.93, True), "crosstalk_fa": (0.02, False), "overlap_f1": (0.80, True),
    "interruption_f1": (0.85, True), "backchannel_f1": (0.80, True), "talk_share_error_pp": (2.0, False),
}


def grid(quick: bool) -> dict:
    if quick:
        return {"noises_dbfs": (-60,), "rates_hz": (16000,), "conversations": 1, "duration_s": 120.0,
                "silero_bleeds": (-12,)}
    return {"noises_dbfs": (-65, -45), "rates_hz": (8000, 16000, 44100), "conversations": 5, "duration_s": 180.0,
            "silero_bleeds": BLEEDS_DB}


def headline(summary: dict) -> dict:
    """The target figures from a ``summarize`` result."""
    sp = summary["speakers"]
    fa = [s["crosstalk"]["rate"] for s in sp if s["crosstalk"]["rate"] is not None]
    return {
        "frame_f1": float(np.mean([s["frames"]["f1"] for s in sp])),
        "crosstalk_fa": float(max(fa)) if fa else 0.0,
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


def run_grid(bank: PhraseBank, g: dict) -> list[dict]:
    """Score every system on every cell; one row per (system, bleed, noise, rate)."""
    found = systems()
    cells = [(b, n, r) for b in BLEEDS_DB for n in g["noises_dbfs"] for r in g["rates_hz"]]
    scores: dict[tuple, list] = {}
    with tqdm(total=len(cells) * g["conversations"], desc="simulated conversations", file=sys.stderr) as bar:
        for bleed, noise, rate in cells:
            for i in range(g["conversations"]):
                sim = simulate(bank, seed=1000 + i, duration_s=g["duration_s"], bleed_db=bleed,
                               noise_dbfs=noise, rate_hz=rate)
                n_frames = int(len(sim.audio) / rate / 0.01)
                for name, system in found.items():
                    if name == "silero" and (bleed not in g["silero_bleeds"] or i > 0 or noise != g["noises_dbfs"][0]
                                             or rate != 16000):
                        continue
                    hyp = system(sim.audio, rate)
                    scores.setdefault((name, bleed, noise, rate), []).append(
                        score(sim.reference_conversation, hyp, n_frames))
                bar.update()
    rows = []
    for (name, bleed, noise, rate), s in scores.items():
        rows.append({"system": name, "bleed_db": bleed, "noise_dbfs": noise, "rate_hz": rate,
                     "conversations": len(s), **headline(summarize(s)), "_scores": s})
    return rows


def by_bleed(rows: list[dict]) -> list[dict]:
    """Pool every noise level and rate: one row per (system, bleed)."""
    out = []
    for name in dict.fromkeys(r["system"] for r in rows):
        for bleed in BLEEDS_DB:
            pooled = [s for r in rows if r["system"] == name and r["bleed_db"] == bleed for s in r["_scores"]]
            if pooled:
                out.append({"system": name, "bleed_db": bleed, "conversations": len(pooled),
                            **headline(summarize(pooled))})
    return out


def fmt(x, digits=3) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def accuracy_table(rows: list[dict]) -> str:
    cols = ["frame_f1", "crosstalk_fa", "overlap_f1", "interruption_f1", "successful_f1", "unsuccessful_f1",
            "backchannel_f1", "talk_share_error_pp", "gap_median_error_s", "fto_median_error_s"]
    lines = ["| system | bleed dB | n | " + " | ".join(cols) + " |", "|---" * (len(cols) + 3) + "|"]
    for r in rows:
        lines.append(f"| {r['system']} | {r['bleed_db']} | {r['conversations']} | "
                     + " | ".join(fmt(r[c], 2 if c == "talk_share_error_pp" else 3) for c in cols) + " |")
    return "\n".join(lines)


def target_table(pooled: list[dict]) -> tuple[str, bool]:
    """talkbalance against the targets at each bleed level down to -12 dB, and against naive."""
    lines = ["| figure | target | " + " | ".join(f"{b} dB" for b in BLEEDS_DB) + " |", "|---" * (len(BLEEDS_DB) + 2) + "|"]
    all_met = True
    for fig, (target, higher) in TARGETS.items():
        cells = []
        for bleed in BLEEDS_DB:
            tb = next(r for r in pooled if r["system"] == "talkbalance" and r["bleed_db"] == bleed)
            nv = next(r for r in pooled if r["system"] == "naive" and r["bleed_db"] == bleed)
            ok = tb[fig] >= target if higher else tb[fig] <= target
            beats = tb[fig] > nv[fig] if higher else tb[fig] < nv[fig]
            if bleed <= -12:
                all_met &= ok and beats
            mark = ("met" if ok else "MISSED") + (", beats naive" if beats else ", NOT better than naive")
            cells.append(f"{fmt(tb[fig], 3)} ({mark})" if bleed <= -12 else f"{fmt(tb[fig], 3)} (reported)")
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


def plot(pooled: list[dict], path: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figs = list(TARGETS)
    fig = Figure(figsize=(15, 8), dpi=100)
    FigureCanvasAgg(fig)
    for i, name in enumerate(figs):
        ax = fig.add_subplot(2, 3, i + 1)
        for system in dict.fromkeys(r["system"] for r in pooled):
            pts = [(r["bleed_db"], r[name]) for r in pooled if r["system"] == system]
            ax.plot(*zip(*pts), marker="o", label=system)
        target, _ = TARGETS[name]
        ax.axhline(target, color="grey", linestyle="--", linewidth=1)
        ax.set_title(name.replace("_", " "))
        ax.set_xlabel("bleed (dB)")
        ax.grid(alpha=0.3)
    fig.axes[0].legend(fontsize=8)
    fig.suptitle("Accuracy against headset bleed (dashed: target)")
    fig.tight_layout()
    fig.savefig(path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks",
                                     description="The researchers' benchmark: every system on simulated two-headset "
                                                 "conversations against exact references, the real calls, speed.",
                                     epilog="A full run replaces benchmarks/RESULTS.md and benchmarks/results/; "
                                            "--quick and --skip-speed runs write to benchmarks/results/quick/ "
                                            "(ignored by git).")
    parser.add_argument("--quick", action="store_true",
                        help="a small grid (one conversation per bleed level) and a short speed run: a few minutes")
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
    bank = PhraseBank.from_folder(args.speech)
    rows = run_grid(bank, g)
    pooled = by_bleed(rows)
    targets, met = target_table(pooled)
    folder = results_dir(full)
    plot(pooled, folder / "accuracy_vs_bleed.png")
    call_rows = realcalls.run_calls(args.calls, {k: v for k, v in systems().items() if k != "silero"}) \
        if args.calls.is_dir() else []
    sections = [
        "# talkbalance benchmark results",
        "",
        f"Run on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.machine()}, "
        f"{platform.python_version()}, {__import__('os').cpu_count()} cores; command: "
        f"`python -m benchmarks{' --quick' if args.quick else ''}`; took {(time.time() - started) / 60:.1f} min "
        "before the speed section.",
        "",
        f"Grid: bleed {list(BLEEDS_DB)} dB x noise {list(g['noises_dbfs'])} dBFS x rate {list(g['rates_hz'])} Hz, "
        f"{g['conversations']} conversation(s) of {g['duration_s']:.0f} s per cell, simulated from "
        f"`{args.speech.name}` (benchmarks/simulate.py). Silero (neural) runs on a subset "
        f"(16 kHz, first noise level, one conversation per bleed level in {list(g['silero_bleeds'])}): "
        "its Python binding is slow." if silero_available() else "Silero not installed: skipped.",
        "",
        "## Targets (talkbalance, default config)",
        "",
        targets,
        "",
        f"All targets met down to -12 dB and better than naive: **{'yes' if met else 'no'}**.",
        "",
        "## Every system, pooled over noise and rate",
        "",
        accuracy_table(pooled),
        "",
        f"![accuracy against bleed]({'results' if full else '.'}/accuracy_vs_bleed.png)",
        "",
        "## talkbalance per cell",
        "",
        accuracy_table([r for r in rows if r["system"] == "talkbalance"]),
        "",
        "## Real two-party calls (8 kHz), and added bleed",
        "",
        calls_table(call_rows) if call_rows else f"{args.calls} not found: skipped.",
    ]
    if not args.skip_speed:
        with tempfile.TemporaryDirectory() as tmp:
            hours, long_hours = (0.25, 0.0) if args.quick else (1.0, 10.0)
            sp = speed.measure(hours, long_hours, Path(tmp))
        lat = latency.measure(ROOT / "recordings" / "demo" / "practice_session.flac", repeats=1 if args.quick else 3)
        sections += ["", "## Speed", "", speed.save(sp, hours, full), "", "Per-block latency of `Engine.feed`:", "",
                     latency.table(lat)]
    text = "\n".join(sections) + "\n"
    report = report_path(full)
    report.write_text(text)
    (folder / "grid.json").write_text(json.dumps([{k: v for k, v in r.items() if k != "_scores"} for r in rows],
                                                 indent=1) + "\n")
    print(text)
    print(f"written to {report.relative_to(ROOT)} and {folder.relative_to(ROOT)}/"
          + ("" if full else " (a quick or partial run: the full run's committed results are untouched)"),
          file=sys.stderr)
    return 0

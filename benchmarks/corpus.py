"""Throughput of ``talkbalance batch`` on a corpus of short sessions, against what the 1-hour figure predicts.

    python -m benchmarks.corpus [--sessions 16] [--session-s 180] [--jobs 1,2] [--repeats 3]

A full run (the defaults) writes benchmarks/results/corpus.md and corpus.json; other
settings write to benchmarks/results/quick/ (ignored by git).

In one run:
- ``talkbalance batch`` over ``--sessions`` stereo WAV sessions of ``--session-s`` seconds
  (the demo session repeated, each started at another place), default formats, as a fresh
  process each time (interpreter start, worker processes, every file and both tables
  included), for each ``--jobs``, in ``--repeats`` turns (medians are kept: this machine's
  speed drifts by a fifth within minutes);
- in each turn, the per-core throughput of ``analyze`` with the same formats on a 1-hour
  file, which predicts ``jobs`` times that for the batch;
- in each turn, the fixed costs: ``talkbalance batch`` over two 2-second sessions (interpreter, the parent's
  imports, a worker started and its imports) and ``analyze`` on a 2-second file; with the
  1-hour file's cost per second of audio (less ``analyze``'s fixed cost) they predict the batch
  if fixed costs are paid once per worker and a session's audio costs what an hour's does;
- the peak memory of the largest process of each batch run (the parent or a worker);
- the per-core throughput on a 1-hour 8 kHz file, as telephone corpora (Fisher) are.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from benchmarks.paths import ROOT, results_dir
from benchmarks.speed import DEMO, child, make_long_wav
from talkbalance.io.formats import BATCH_FORMATS

FULL = {"sessions": 16, "session_s": 180.0, "jobs": (1, 2), "repeats": 3}
TINY_S = 2.0                    # the sessions that measure the fixed costs (s)
TELEPHONE_HZ = 8000             # a telephone corpus's rate (Fisher): upsampled to the 16 kHz analysis rate

_TIMED = r"""
import json, resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True)
elapsed = time.perf_counter() - start
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss   # the largest process waited for
print(json.dumps({"seconds": elapsed, "max_rss_mb": peak_kb / 1024}))
"""


def make_corpus(folder: Path, sessions: int, session_s: float) -> float:
    """Write ``sessions`` 16 kHz stereo WAV files of ``session_s`` seconds; return the audio in all (s)."""
    demo, rate = sf.read(DEMO, dtype="int16")
    frames = int(session_s * rate)
    repeated = np.concatenate([demo] * (frames // len(demo) + 2))
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(sessions):
        start = (i * len(demo) // sessions) % len(demo)      # each session starts at another place in the demo
        sf.write(folder / f"s{i:02d}.wav", repeated[start:start + frames], rate, "PCM_16")
    return sessions * frames / rate


def timed_batch(corpus: Path, out: Path, jobs: int) -> dict:
    """One ``talkbalance batch`` run in a fresh process: wall seconds and the largest process's peak memory."""
    command = [sys.executable, "-m", "talkbalance", "batch", str(corpus), "--out", str(out), "--jobs", str(jobs),
               "--quiet"]
    proc = subprocess.run([sys.executable, "-c", _TIMED, *command], capture_output=True, text=True, check=True,
                          cwd=ROOT)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(workdir: Path, sessions: int, session_s: float, jobs: tuple[int, ...], repeats: int) -> dict:
    """Each repeat times, in turn, ``analyze`` on the 1-hour file and on a 2-second one, the tiny batch and the
    corpus for each ``jobs`` (this machine's speed drifts by a fifth within minutes): the figures are medians,
    and each prediction is compared with the batch run of its own turn."""
    audio_s = make_corpus(workdir / "corpus", sessions, session_s)
    make_corpus(workdir / "tiny", 2, TINY_S)
    formats = ",".join(BATCH_FORMATS)
    hour = workdir / "hour.wav"
    telephone_s = make_long_wav(hour, 1.0, TELEPHONE_HZ)
    telephone = telephone_s / child("analyze", hour, workdir / "hour_out", formats)["seconds"]
    hour_s = make_long_wav(hour, 1.0)
    turns = []
    for r in range(repeats):
        hour_run_s = child("analyze", hour, workdir / "hour_out", formats)["seconds"]
        analyze_fixed_s = child("analyze", workdir / "tiny" / "s00.wav", workdir / "tiny_out", formats)["seconds"]
        batch_fixed_s = timed_batch(workdir / "tiny", workdir / f"tiny_{r}", 1)["seconds"]
        runs = {j: timed_batch(workdir / "corpus", workdir / f"out_{j}_{r}", j) for j in jobs}
        turns.append({"hour_s": hour_run_s, "analyze_fixed_s": analyze_fixed_s, "batch_fixed_s": batch_fixed_s,
                      "runs": runs})
    hour.unlink()

    def median(values) -> float:
        return statistics.median(list(values))

    per_core = median(hour_s / t["hour_s"] for t in turns)
    per_audio_s = median((t["hour_s"] - t["analyze_fixed_s"]) / hour_s for t in turns)  # fixed costs apart
    result = {"sessions": sessions, "session_s": session_s, "audio_s": audio_s, "formats": list(BATCH_FORMATS),
              "analyze_1h_x_realtime_per_core": per_core, "telephone_1h_x_realtime_per_core": telephone,
              "analyze_fixed_s": median(t["analyze_fixed_s"] for t in turns),
              "batch_fixed_s": median(t["batch_fixed_s"] for t in turns),
              "hour_cost_per_audio_s": per_audio_s, "jobs": {}}
    for j in jobs:
        busiest_s = -(-sessions // j) * session_s           # the audio of the worker with the most sessions
        seconds = [t["runs"][j]["seconds"] for t in turns]
        turn_rate = [(t["hour_s"] - t["analyze_fixed_s"]) / hour_s for t in turns]
        modelled = [t["batch_fixed_s"] + busiest_s * rate for t, rate in zip(turns, turn_rate)]
        result["jobs"][str(j)] = {
            "seconds": median(seconds), "runs_s": seconds, "x_realtime": audio_s / median(seconds),
            "predicted_x_realtime": j * per_core,
            "naive_ratio": median(audio_s / s / (j * hour_s / t["hour_s"]) for s, t in zip(seconds, turns)),
            "modelled_s": median(modelled), "modelled_ratio": median(m / s for m, s in zip(modelled, seconds)),
            "session_cost_vs_hour": median((s - t["batch_fixed_s"]) / busiest_s / rate
                                           for s, t, rate in zip(seconds, turns, turn_rate)),
            "peak_mb": max(t["runs"][j]["max_rss_mb"] for t in turns)}
    return result


def report(r: dict) -> str:
    jobs = r["jobs"]
    lines = [
        f"Batch throughput on {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}: {r['sessions']} sessions of {r['session_s']:g} s "
        f"({r['audio_s'] / 60:.0f} min of 16 kHz stereo audio), formats {', '.join(r['formats'])}; "
        f"`talkbalance batch` as a fresh process, median of {len(next(iter(jobs.values()))['runs_s'])} turns; "
        f"each turn also times `analyze` on the 1-hour file and the fixed costs, and each ratio is the median "
        f"of the turns' own ratios. "
        f"Per-core `analyze` with the same formats on a 1-hour file: "
        f"{r['analyze_1h_x_realtime_per_core']:.0f}x real time.",
        "",
        "| `--jobs` | wall time | throughput | `jobs` x the 1-hour figure | ratio | fixed costs once per worker "
        "| ratio | a session's audio against an hour's, per second | peak memory, largest process |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for j, v in jobs.items():
        lines.append(f"| {j} | {v['seconds']:.2f} s | {v['x_realtime']:.0f}x real time | "
                     f"{v['predicted_x_realtime']:.0f}x | {v['naive_ratio']:.2f} | "
                     f"{v['modelled_s']:.2f} s | {v['modelled_ratio']:.2f} | "
                     f"{v['session_cost_vs_hour']:.2f}x | {v['peak_mb']:.0f} MB |")
    lines += ["", f"Fixed costs: `talkbalance batch` over two {TINY_S:g}-second sessions took {r['batch_fixed_s']:.2f} s "
              f"(interpreter, the parent's imports, one worker started and its imports), `analyze` on a "
              f"{TINY_S:g}-second file {r['analyze_fixed_s']:.2f} s; an hour's audio cost "
              f"{r['hour_cost_per_audio_s'] * 1000:.2f} ms per second besides. \"fixed costs once per worker\" is "
              f"the batch's fixed cost plus the audio of the busiest worker at that rate.",
              "", f"Per-core `analyze` with the same formats on a 1-hour 8 kHz stereo file (telephone rate, "
              f"resampled to 16 kHz for the analysis): {r['telephone_1h_x_realtime_per_core']:.0f}x real time."]
    if "1" in jobs and len(jobs) > 1:
        for j, v in jobs.items():
            if j != "1":
                lines += ["", f"`--jobs {j}` is {jobs['1']['seconds'] / v['seconds']:.2f}x faster than `--jobs 1`."]
    return "\n".join(lines)


def save(results: dict, full: bool) -> str:
    """Write corpus.md and corpus.json (into benchmarks/results only for a full run); return the markdown."""
    text = report(results)
    out = results_dir(full)
    (out / "corpus.md").write_text(text + "\n")
    (out / "corpus.json").write_text(json.dumps(results, indent=2) + "\n")
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.corpus", description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=FULL["sessions"], help="sessions in the corpus (default 16)")
    parser.add_argument("--session-s", type=float, default=FULL["session_s"],
                        help="length of each session in seconds (default 180)")
    parser.add_argument("--jobs", default="1,2", help="comma list of worker counts to time (default 1,2)")
    parser.add_argument("--repeats", type=int, default=FULL["repeats"], help="runs per worker count (default 3)")
    parser.add_argument("--workdir", type=Path, help="where the temporary files go (default: system temp)")
    args = parser.parse_args(argv)
    try:
        jobs = tuple(int(j) for j in args.jobs.split(","))
    except ValueError:
        parser.error(f"--jobs takes a comma list of whole numbers, like 1,2; got {args.jobs!r}")
    if args.sessions < 1 or args.session_s <= 0 or args.repeats < 1 or min(jobs) < 1:
        parser.error("--sessions, --session-s, --repeats and every --jobs must be positive")
    settings = {"sessions": args.sessions, "session_s": args.session_s, "jobs": jobs, "repeats": args.repeats}
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        results = measure(Path(tmp), **settings)
    full = settings == FULL
    print(save(results, full))
    if not full:
        print("benchmarks.corpus: not the full run's settings: written to benchmarks/results/quick/ "
              "(the committed results are untouched)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Speed and memory of ``talkbalance analyze`` on long recordings.

    python -m benchmarks.speed [--hours 1] [--long-hours 10] [--workdir DIR]

A full run (the defaults) writes benchmarks/results/speed.md and speed.json; other
lengths write to benchmarks/results/quick/ (ignored by git).

Builds long 16 kHz stereo WAV files by repeating the bundled demo session, then,
in one run:
- end-to-end ``analyze`` throughput (read, analyse, write every output file) as a
  multiple of real time, on one core;
- a bare webrtcvad loop over both channels of the same file (read in the blocks
  ``analyze`` reads, ``Vad.is_speech`` per 10 ms frame: what a minimal script would
  do), and talkbalance's time as a ratio of it;
- the engine alone (no file reading or output writing), fed in the same blocks;
- peak memory (max RSS of a fresh process) for the short and the long file.

The three timings are taken in turn, ``REPEATS`` times, each in a fresh process: the
medians are reported, and the ratio is the median of each turn's own ratio, so that
the machine's drift between minutes does not enter it.
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

import soundfile as sf
import soxr

from benchmarks.paths import ROOT, results_dir
from talkbalance.api import BLOCK_S

DEMO = ROOT / "recordings" / "demo" / "practice_session.flac"
FULL_HOURS, FULL_LONG_HOURS = 1.0, 10.0      # the full run; other lengths write to benchmarks/results/quick
REPEATS = 3                  # each timing taken in turn this many times; the medians are reported

_CHILD = r"""
import json, sys, time
from pathlib import Path
mode, path, out, block_s = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
start = time.perf_counter()
if mode == "analyze":
    from talkbalance.cli.analyze import analyze_to_folder
    from talkbalance.config import Config
    from talkbalance.io.formats import DEFAULT_FORMATS
    formats = sys.argv[5].split(",") if len(sys.argv) > 5 else DEFAULT_FORMATS
    analyze_to_folder([path], Path(out), Config(), quiet=True, formats=formats)
elif mode == "engine":
    import soundfile as sf
    from talkbalance.config import Config
    from talkbalance.core.engine import Engine
    audio, rate = sf.read(path, dtype="int16", frames=int(sys.argv[5]))
    start = time.perf_counter()
    engine, block = Engine(Config(), rate), int(rate * block_s)
    for i in range(0, len(audio), block):
        engine.feed(audio[i:i + block])
    engine.finish()
else:
    import numpy as np, soundfile as sf, webrtcvad
    vads = [webrtcvad.Vad(2), webrtcvad.Vad(2)]
    with sf.SoundFile(path) as f:
        rate = f.samplerate
        n = rate // 100
        for block in f.blocks(blocksize=int(rate * block_s), dtype="int16"):
            for c in (0, 1):
                pcm = np.ascontiguousarray(block[:, c]).tobytes()
                for i in range(0, len(pcm) - 2 * n + 1, 2 * n):
                    vads[c].is_speech(pcm[i:i + 2 * n], rate)
elapsed = time.perf_counter() - start
# VmHWM belongs to this process image; ru_maxrss would carry over the forking parent's peak
hwm_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({"seconds": elapsed, "max_rss_mb": hwm_kb / 1024}))
"""


def make_long_wav(path: Path, hours: float, rate_hz: int = 16000) -> float:
    """Write ``hours`` of stereo PCM_16 at ``rate_hz`` (the demo's 16 kHz, or resampled) by repeating the demo;
    return its duration in seconds."""
    demo, rate = sf.read(DEMO, dtype="int16")
    if rate_hz != rate:
        demo, rate = soxr.resample(demo, rate, rate_hz, "VHQ"), rate_hz
    total = int(hours * 3600 * rate)
    with sf.SoundFile(path, "w", rate, 2, "PCM_16") as f:
        written = 0
        while written < total:
            piece = demo[: total - written]
            f.write(piece)
            written += len(piece)
    return total / rate


def child(mode: str, wav: Path, out: Path, *extra: str) -> dict:
    """Run one measurement in a fresh process (one core, its own peak memory); ``extra``: the engine's sample
    count, or the formats ``analyze`` writes (a comma list; default: analyze's)."""
    proc = subprocess.run([sys.executable, "-c", _CHILD, mode, str(wav), str(out), str(BLOCK_S), *extra],
                          capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(hours: float, long_hours: float, workdir: Path, repeats: int = REPEATS) -> dict:
    """``analyze``, the bare loop and the engine alone, taken in turn ``repeats`` times (this machine's speed
    drifts by a fifth within minutes): the medians, and the ratios of each turn's pair."""
    short = workdir / f"session_{hours:g}h.wav"
    duration = make_long_wav(short, hours)
    turns = [{"analyze": child("analyze", short, workdir / "out_short"), "bare": child("bare", short, workdir / "unused"),
              "engine": child("engine", short, workdir / "unused", str(int(duration * 16000)))}
             for _ in range(repeats)]
    analyze_s, bare_s, engine_s = (statistics.median(t[k]["seconds"] for t in turns) for k in ("analyze", "bare", "engine"))
    ratios = [t["analyze"]["seconds"] / t["bare"]["seconds"] for t in turns]
    engine_ratios = [t["engine"]["seconds"] / t["bare"]["seconds"] for t in turns]
    results = {
        "duration_s": duration, "repeats": repeats,
        "analyze_s": analyze_s, "analyze_x_realtime": duration / analyze_s,
        "bare_vad_s": bare_s, "bare_vad_x_realtime": duration / bare_s,
        "ratio_to_bare_vad": statistics.median(ratios), "ratios_to_bare_vad": ratios,
        "engine_s": engine_s, "engine_x_realtime": duration / engine_s,
        "engine_ratio_to_bare_vad": statistics.median(engine_ratios),
        "peak_mb_short": max(t["analyze"]["max_rss_mb"] for t in turns),
    }
    short.unlink()
    if long_hours:
        long = workdir / f"session_{long_hours:g}h.wav"
        long_duration = make_long_wav(long, long_hours)
        run = child("analyze", long, workdir / "out_long")
        results.update(long_hours=long_hours, peak_mb_long=run["max_rss_mb"],
                       long_x_realtime=long_duration / run["seconds"])
        long.unlink()
    return results


def _spread(values: list[float] | None) -> str:
    """`` (each turn: 1.91, 2.02, 1.95)`` when there were several turns."""
    return f" (each turn: {', '.join(f'{v:.2f}' for v in values)})" if values and len(values) > 1 else ""


def report(r: dict, hours: float) -> str:
    lines = [
        f"Speed on {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}; {hours:g} h 16 kHz stereo WAV, 10 ms frames, default config; "
        f"medians of {r.get('repeats', 1)} turns (`analyze`, the bare loop, the engine, each in a fresh process).",
        "",
        "| figure | value | target |",
        "|---|---|---|",
        f"| end-to-end `analyze` throughput | {r['analyze_x_realtime']:.0f}x real time ({r['analyze_s']:.1f} s) | >= 1000x |",
        f"| bare webrtcvad loop, both channels | {r['bare_vad_x_realtime']:.0f}x real time ({r['bare_vad_s']:.1f} s) | |",
        f"| `analyze` time / bare VAD loop time | {r['ratio_to_bare_vad']:.2f}{_spread(r.get('ratios_to_bare_vad'))} "
        f"| <= 2 |",
        f"| engine alone (no I/O) | {r['engine_x_realtime']:.0f}x real time, {r['engine_ratio_to_bare_vad']:.2f}x bare VAD | |",
        f"| peak memory, {hours:g} h | {r['peak_mb_short']:.0f} MB | < 200 MB |",
    ]
    if "peak_mb_long" in r:
        lines.append(f"| peak memory, {r['long_hours']:g} h | {r['peak_mb_long']:.0f} MB "
                     f"({r['long_x_realtime']:.0f}x real time) | < 200 MB, flat |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.speed", description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=FULL_HOURS, help=f"length of the timed file (default {FULL_HOURS:g})")
    parser.add_argument("--long-hours", type=float, default=FULL_LONG_HOURS,
                        help=f"length of the memory run's file; 0 skips it (default {FULL_LONG_HOURS:g})")
    parser.add_argument("--workdir", type=Path, help="where the temporary WAV files go (default: system temp)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        results = measure(args.hours, args.long_hours, Path(tmp))
    full = (args.hours, args.long_hours) == (FULL_HOURS, FULL_LONG_HOURS)
    print(save(results, args.hours, full))
    return 0


def save(results: dict, hours: float, full: bool) -> str:
    """Write speed.md and speed.json (into benchmarks/results only for a full run); return the markdown table."""
    text = report(results, hours)
    out = results_dir(full)
    (out / "speed.md").write_text(text + "\n")
    (out / "speed.json").write_text(json.dumps(results, indent=2) + "\n")
    return text


if __name__ == "__main__":
    raise SystemExit(main())

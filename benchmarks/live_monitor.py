"""Latency and CPU of the live monitor, on a replay of the demo session paced in real time.

``python -m benchmarks.live_monitor [--seconds S]`` writes benchmarks/results/live_monitor.md (a run of
another length than the full 100 s writes benchmarks/results/quick/live_monitor.md).

Replay goes through ``run_live``, the same queue, worker, pipeline, writers and
display loop as a device (each 100 ms block is delivered when its last sample is
due); a ``LatencyProbe`` sink and a display wrapper watch it. This measures:

- block arrival → updated snapshot (the worker's whole job per block);
- event rule satisfied → on screen: for each interruption and backchannel, the
  audio moment its class became certain (an interruption: the interrupter past
  ``backchannel_max_s`` inside the partner's speech, or the partner's spurt
  confirmed ended, ``min_pause_s`` after its last speech frame; a backchannel:
  its own end confirmed) to the display update that first drew it;
- event rule satisfied → written to events.csv (the log keeps time order, so an
  event is written once nothing earlier can still change);
- CPU time of the whole process per second of session, with the plot window
  (under Xvfb when there is no display) and with the console status line.
"""
from __future__ import annotations

import argparse
import bisect
import io
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.paths import ROOT, results_dir
from talkbalance.config import load_config
from talkbalance.core.events import derive
from talkbalance.core.types import Event, Spurt
from talkbalance.live.display import Display
from talkbalance.live.display.status_line import StatusLine
from talkbalance.live.monitor import LiveOptions, run_live
from talkbalance.live.session import LiveSession
from talkbalance.live.sinks import LatencyProbe
from talkbalance.live.view import Snapshot

DEMO = ROOT / "recordings" / "demo" / "practice_session.flac"
CONFIG = ROOT / "configs" / "peer-support.toml"
FULL_SECONDS = 100.0         # a full run; shorter or longer runs write to benchmarks/results/quick
WARM_UP_S = 5.0          # device CPU is measured after this much time from launch


class Watched:
    """A display that notes when each interruption and backchannel mark is first shown, and the process's CPU and
    wall time from its opening to its closing (the session's live part: not the final files)."""

    def __init__(self, display: Display, frame_s: float):
        self._display = display
        self._frame_s = frame_s
        self.shown: dict[tuple, float] = {}
        self.opened = (time.process_time(), time.monotonic())
        self.closed_at = self.opened

    @property
    def closed(self) -> bool:
        return self._display.closed

    def update(self, snap: Snapshot) -> None:
        self._display.update(snap)
        now = time.monotonic()
        for m in snap.marks:
            self.shown.setdefault((m.kind, m.speaker, round(m.start_s / self._frame_s)), now)

    def wait(self, seconds: float) -> None:
        self._display.wait(seconds)

    def close(self) -> None:
        self.closed_at = (time.process_time(), time.monotonic())
        self._display.close()


def run_session(seconds: float, plot: bool) -> dict:
    """Replay the demo for ``seconds`` at real time through ``run_live``; return the timings."""
    cfg = load_config(CONFIG)
    seen: dict[str, Any] = {}

    def probe(session: LiveSession) -> list[LatencyProbe]:
        seen["probe"] = LatencyProbe(session.view)
        return [seen["probe"]]

    def display(session: LiveSession, stop: threading.Event) -> Watched:
        if plot:
            from talkbalance.live.display.plot import LivePlot

            shown: Display = LivePlot(session.latest)
        else:
            shown = StatusLine(io.StringIO(), wake=stop)
        seen["display"] = Watched(shown, session.engine.frame_s)
        return seen["display"]

    with tempfile.TemporaryDirectory() as tmp:
        session, _ = run_live(LiveOptions(cfg, Path(tmp) / "session", replay=str(DEMO), duration_s=seconds,
                                          plot=plot, sinks=probe, display=display))
    p: LatencyProbe = seen["probe"]
    watched: Watched = seen["display"]
    engine = session.engine
    streamed = [sp[:n] for sp, n in zip(engine.spurts, p.final_spurts)]     # final before the session's end
    events = derive(streamed, engine.rules).events
    logged_at = {(e.kind, e.speaker, e.start): t for e, t in p.logged}
    due = [(e, _certain_frame(e, engine.spurts, engine.rules, cfg)) for e in events
           if e.kind in ("interruption", "backchannel")]
    fed = [n for n, _ in p.arrivals]

    def arrival(frame: int) -> float:
        """When the block holding the end of ``frame`` was delivered."""
        last_sample = round((frame + 1) * engine.frame_s * session.rate_hz) - 1
        return p.arrivals[bisect.bisect_right(fed, last_sample)][1]

    screen = [watched.shown[(e.kind, e.speaker, e.start)] - arrival(f) for e, f in due
              if (e.kind, e.speaker, e.start) in watched.shown]
    log = [logged_at[(e.kind, e.speaker, e.start)] - arrival(f) for e, f in due
           if (e.kind, e.speaker, e.start) in logged_at]
    (cpu0, wall0), (cpu1, wall1) = watched.opened, watched.closed_at
    return {"plot": plot, "seconds": wall1 - wall0, "cpu_share": (cpu1 - cpu0) / (wall1 - wall0),
            "snapshot_ms": np.array(p.snapshot_s) * 1000, "screen_s": np.array(screen),
            "log_s": np.array(log), "events": len(due)}


def device_cpu(seconds: float, device: str = "pulse") -> tuple[float, float] | None:
    """CPU share of ``talkbalance live --device DEVICE --no-plot`` while the demo plays into it.

    Returns (steady, start-up): the process's CPU share from ``WARM_UP_S`` after
    launch until one second before its end, read from /proc; and its share over
    the first ``WARM_UP_S`` (imports, and PortAudio's ALSA-to-PulseAudio bridge,
    which spins for about two seconds while the stream starts). Needs a
    PulseAudio sink whose monitor the device records (see
    tests/test_live_device.py); returns None when ``paplay`` is missing.
    """
    if shutil.which("paplay") is None:
        return None
    tick = os.sysconf("SC_CLK_TCK")

    def cpu_s(pid: int) -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick

    with tempfile.TemporaryDirectory() as tmp:
        player = subprocess.Popen(["paplay", str(DEMO)])
        live = subprocess.Popen([sys.executable, "-m", "talkbalance", "live", "--device", device, "--no-plot",
                                 "--duration", str(seconds), "--out", f"{tmp}/session"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        launched = time.monotonic()
        time.sleep(WARM_UP_S)
        warm_cpu, warm_at = cpu_s(live.pid), time.monotonic()
        time.sleep(seconds - WARM_UP_S - 1.0)
        end_cpu, end_at = cpu_s(live.pid), time.monotonic()
        live.wait()
        player.kill()
        player.wait()
    return (end_cpu - warm_cpu) / (end_at - warm_at), warm_cpu / (warm_at - launched)


def _certain_frame(e: Event, spurts: list[list[Spurt]], rules, cfg) -> int:
    """The frame after which the audio so far fixes the event's class (see the module docstring)."""
    y = next(s for s in spurts[e.speaker] if s.start == e.start)
    min_pause = round(cfg.talkspurts.min_pause_s / (cfg.vad.frame_ms / 1000))
    if e.kind == "backchannel":
        return y.end + min_pause
    x = next(s for s in spurts[e.other] if s.start <= e.start < s.end or s.start == e.start)
    candidates = []
    if y.length > rules.backchannel_max and min(x.end, y.end) - y.start >= rules.min_interruption_overlap:
        candidates.append(y.start + rules.backchannel_max + 1)
    if e.outcome == "successful":
        candidates.append(x.end + min_pause)
    else:
        candidates.append(y.end + min_pause)
    return min(candidates)


def _pct(values: np.ndarray, q: float, scale: float = 1.0) -> str:
    return f"{np.percentile(values, q) * scale:.0f}" if len(values) else "-"


def report(runs: list[dict]) -> str:
    lines = ["| display | session | CPU (one core) | block → snapshot p50 / p99 / max | rule → screen p50 / max "
             "| rule → events.csv p50 / max | events |",
             "|---|---|---|---|---|---|---|"]
    for r in runs:
        ms = r["snapshot_ms"]
        lines.append(
            f"| {'plot window' if r['plot'] else 'status line'} | {r['seconds']:.0f} s | {r['cpu_share']:.1%} "
            f"| {np.percentile(ms, 50):.1f} / {np.percentile(ms, 99):.1f} / {ms.max():.1f} ms "
            f"| {_pct(r['screen_s'], 50, 1000)} / {_pct(r['screen_s'], 100, 1000)} ms "
            f"| {_pct(r['log_s'], 50, 1000)} / {_pct(r['log_s'], 100, 1000)} ms | {r['events']} |")
    return "\n".join(lines)


def _with_display():
    """A context that provides an X display (Xvfb) when there is none."""
    if os.environ.get("DISPLAY") or shutil.which("Xvfb") is None:
        return None
    display = ":97"
    proc = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x800x24"], stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    os.environ["DISPLAY"] = display
    return proc


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.live_monitor", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=FULL_SECONDS,
                        help=f"session length per run (the demo is 102 s; default {FULL_SECONDS:g}, the full run)")
    parser.add_argument("--device", action="store_true",
                        help="also measure CPU while capturing from PulseAudio's 'pulse' device (needs a running "
                             "PulseAudio with a sink the demo can play into)")
    args = parser.parse_args(argv)
    xvfb = _with_display()
    try:
        runs = [run_session(args.seconds, plot=False), run_session(args.seconds, plot=True)]
    finally:
        if xvfb is not None:
            xvfb.terminate()
    device = device_cpu(args.seconds) if args.device else None
    text = (f"Live monitor on a real-time replay of the demo session ({args.seconds:.0f} s per run, "
            f"{os.cpu_count()} cores, `python -m benchmarks.live_monitor`):\n\n{report(runs)}\n")
    if device is not None:
        text += (f"\nCapturing from the PulseAudio device while the demo plays into it (`--device`, status line, "
                 f"no file reading): {device[0]:.1%} of one core in steady state (from {WARM_UP_S:g} s after launch "
                 f"to 1 s before the end); {device[1]:.0%} over the first {WARM_UP_S:g} s (imports, and PortAudio's "
                 "ALSA-to-PulseAudio bridge spinning while the stream starts).\n")
    out = results_dir(args.seconds == FULL_SECONDS) / "live_monitor.md"
    out.write_text(text)
    print(text)
    print(f"written to {out.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

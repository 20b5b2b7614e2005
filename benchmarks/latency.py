"""Per-block latency of the streaming core: time spent in ``Engine.feed`` for live-sized blocks."""
from __future__ import annotations

import time

import numpy as np
import soundfile as sf

from talkbalance.config import Config
from talkbalance.core.engine import Engine

BLOCK_SIZES_MS = (10, 20, 50, 100)


def block_latency(audio: np.ndarray, rate_hz: int, block_ms: int) -> dict:
    """p50/p99/max milliseconds of ``feed`` per block, over the whole recording."""
    engine = Engine(Config(), rate_hz)
    n = rate_hz * block_ms // 1000
    times = []
    for i in range(0, len(audio) - n + 1, n):
        start = time.perf_counter()
        engine.feed(audio[i:i + n])
        times.append(time.perf_counter() - start)
    ms = np.array(times) * 1000
    return {"block_ms": block_ms, "p50_ms": float(np.percentile(ms, 50)), "p99_ms": float(np.percentile(ms, 99)),
            "max_ms": float(ms.max()), "blocks": len(ms)}


def measure(path, repeats: int = 3) -> list[dict]:
    """Latency for each block size, on ``repeats`` copies of the recording at ``path``."""
    audio, rate = sf.read(path, dtype="int16")
    audio = np.concatenate([audio] * repeats)
    return [block_latency(audio, rate, ms) for ms in BLOCK_SIZES_MS]


def table(rows: list[dict]) -> str:
    lines = ["| block | p50 | p99 | max |", "|---|---|---|---|"]
    lines += [f"| {r['block_ms']} ms | {r['p50_ms']:.2f} ms | {r['p99_ms']:.2f} ms | {r['max_ms']:.2f} ms |" for r in rows]
    return "\n".join(lines)

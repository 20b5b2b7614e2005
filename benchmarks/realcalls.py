"""Real two-party calls: each system's figures, and how far added headset bleed moves them.

The calls in ``../shared/data/two_party_calls`` have one person per 8 kHz track with
little bleed (28-55 dB apart). Each system analyses the original pair; then each
partner's track is added into the other at -12, -18 and -24 dB (1 ms later) and the
figures should not move.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from benchmarks.systems import System
from talkbalance.config import Config
from talkbalance.core.engine import Engine
from talkbalance.core.types import Conversation

BLEED_LEVELS_DB = (-12, -18, -24)
BLEED_DELAY_MS = 1.0
OFF_THE_HOPS_S = 0.37        # each copy is this much shorter than the recording: it falls differently on the hops


def find_calls(folder: Path) -> list[tuple[str, Path, Path]]:
    """(name, agent track, caller track) for every call in the folder."""
    return [(a.name.replace("_agent.wav", ""), a, a.with_name(a.name.replace("_agent", "_caller")))
            for a in sorted(folder.glob("*_agent.wav")) if a.with_name(a.name.replace("_agent", "_caller")).exists()]


def load_call(agent: Path, caller: Path) -> tuple[np.ndarray, int]:
    a, rate = sf.read(agent, dtype="float32")
    b, _ = sf.read(caller, dtype="float32")
    n = min(len(a), len(b))
    return np.stack([a[:n], b[:n]], axis=1), rate


def add_bleed(audio: np.ndarray, rate_hz: int, bleed_db: float) -> np.ndarray:
    """Each partner's track added into the other, ``bleed_db`` weaker and 1 ms later."""
    d = int(round(BLEED_DELAY_MS * rate_hz / 1000))
    g = 10 ** (bleed_db / 20)
    late = np.concatenate((np.zeros((d, 2), audio.dtype), audio[:-d]))
    mixed = audio + g * late[:, ::-1]
    return np.clip(mixed, -1, 1).astype(np.float32)


def figures(conv: Conversation, duration_s: float, frame_s: float = 0.01) -> dict:
    """The figures trainers look at first."""
    talk = [sum(s.length for s in sp) for sp in conv.spurts]
    gaps = [(e.end - e.start) * frame_s for e in conv.events if e.kind == "gap"]
    interruptions = [e for e in conv.events if e.kind == "interruption"]
    return {
        "talk_share_a": talk[0] / sum(talk) if sum(talk) else float("nan"),
        "interruptions_a_to_b": sum(e.speaker == 0 for e in interruptions),
        "interruptions_b_to_a": sum(e.speaker == 1 for e in interruptions),
        "median_gap_s": float(np.median(gaps)) if gaps else float("nan"),
        "pauses": sum(e.kind == "pause" for e in conv.events),
        "floor_changes": len(conv.floor_changes),
        "duration_s": duration_s,
    }


def run_calls(folder: Path, systems: dict[str, System]) -> list[dict]:
    """One row per (call, system, condition): figures, and deltas from the original tracks."""
    rows = []
    for name, agent, caller in find_calls(folder):
        audio, rate = load_call(agent, caller)
        duration = len(audio) / rate
        for system_name, system in systems.items():
            base = figures(system(audio, rate), duration)
            rows.append({"call": name, "system": system_name, "bleed_db": None, **base})
            for bleed in BLEED_LEVELS_DB:
                fig = figures(system(add_bleed(audio, rate, bleed), rate), duration)
                rows.append({
                    "call": name, "system": system_name, "bleed_db": bleed, **fig,
                    "talk_share_shift_pp": abs(fig["talk_share_a"] - base["talk_share_a"]) * 100,
                    "interruption_shift": abs(fig["interruptions_a_to_b"] - base["interruptions_a_to_b"])
                    + abs(fig["interruptions_b_to_a"] - base["interruptions_b_to_a"]),
                    "median_gap_shift_s": abs(fig["median_gap_s"] - base["median_gap_s"]),
                })
    return rows


def three_copies(audio: np.ndarray, rate_hz: int) -> list[tuple[list[float], int, int]]:
    """The recording three times in a row (each copy ``OFF_THE_HOPS_S`` short): per copy, each speaker's talk
    time (s), and the interruptions and backchannels that start in it."""
    copy = audio[:len(audio) - int(OFF_THE_HOPS_S * rate_hz)]
    engine = Engine(Config(), rate_hz)
    three = np.concatenate([copy] * 3)
    for i in range(0, len(three), 5 * rate_hz):
        engine.feed(three[i:i + 5 * rate_hz])
    conv = engine.finish().conversation
    frames = len(copy) * 100 // rate_hz
    out = []
    for c in range(3):
        lo, hi = c * frames, (c + 1) * frames
        talk_s = [sum(max(0, min(s.end, hi) - max(s.start, lo)) for s in sp) / 100 for sp in conv.spurts]
        events = [e for e in conv.events if lo <= e.start < hi]
        out.append((talk_s, sum(e.kind == "interruption" for e in events), sum(e.kind == "backchannel" for e in events)))
    return out


def positions(calls: Path, demo: Path) -> list[dict]:
    """``three_copies`` of the demo session and of every call found."""
    recordings = [("demo", *sf.read(demo, dtype="float32"))]
    if calls.is_dir():
        recordings += [(name, *load_call(a, b)) for name, a, b in find_calls(calls)]
    return [{"name": name, "copies": three_copies(audio, rate)} for name, audio, rate in recordings]

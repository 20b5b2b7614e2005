"""The exact reference: the talk spurts each mic's own speaker really produced, computed from the
placed clean voices (``reference_spurts``), and the files written for a simulated session
(``write_reference``: audio, RTTM, events.csv and the script).

The reference talk spurts are exact: for each channel, the own clean voice times ``s * gain_k``
(the mic model in ``acoustics``) in 10 ms frames at 16 kHz; a frame is speech when its power is at least ``REF_MARGIN_DB`` (3 dB) above
the mic's noise power (``noise_dbfs``) and above ``REF_FLOOR_DBFS`` (-55 dBFS); then METRICS.md 1.4
smoothing (bridge silences < 0.2 s, drop runs < 0.1 s). The reference does not depend on the output
rate. ``reference_conversation`` applies talkbalance's own event rules to the reference spurts: it
is the truth to score against; ``script`` records what was intended (about 97 % of the scripted
events appear in the reference as scripted; the rest change class where a quiet mic loses a weak
stretch of its speaker's voice, or when two simultaneous starts are one frame apart).
"""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import soundfile as sf

from benchmarks.simulate.acoustics import Channel
from benchmarks.simulate.common import FRAME_S, MIN_PAUSE_FRAMES, MIN_SPURT_FRAMES, _db, _frame_power
from talkbalance.core.intervals import bridge, drop_short, runs
from talkbalance.core.types import Spurt
from talkbalance.io.outputs import events_csv, rttm

if TYPE_CHECKING:
    from benchmarks.simulate.conversation import SimConversation

# Reference
REF_FLOOR_DBFS = -55.0
REF_MARGIN_DB = 3.0


def reference_spurts(own: np.ndarray, gains: np.ndarray, channels: tuple[Channel, Channel]) -> list[list[Spurt]]:
    """Exact reference talk spurts from the placed clean voices (see the module docstring)."""
    out = []
    for k, ch in enumerate(channels):
        level = _db(_frame_power(own[k] * gains[k]))
        active = (level > ch.noise_dbfs + REF_MARGIN_DB) & (level > REF_FLOOR_DBFS)
        iv = drop_short(bridge(runs(active), MIN_PAUSE_FRAMES), MIN_SPURT_FRAMES)
        out.append([Spurt(k, int(s), int(e)) for s, e in iv.tolist()])
    return out


NAMES = ["A", "B"]


def write_reference(sim: SimConversation, folder: Path, name: str, subtype: str = "PCM_16") -> None:
    """``<name>.wav`` (the audio), ``<name>.rttm`` (reference spurts, speakers A / B),
    ``<name>_events.csv`` (talkbalance events.csv format, from ``reference_conversation``) and
    ``<name>_script.json`` (seed, speakers, channels, headroom and the script)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sf.write(folder / f"{name}.wav", sim.audio, sim.rate_hz, subtype=subtype)
    (folder / f"{name}.rttm").write_text(rttm(sim.reference, NAMES, FRAME_S, name), encoding="utf-8")
    (folder / f"{name}_events.csv").write_text(events_csv(sim.reference_conversation.events, NAMES, FRAME_S),
                                               encoding="utf-8", newline="")
    meta = dict(seed=sim.seed, rate_hz=sim.rate_hz, duration_s=sim.duration_s, speakers=dict(zip(NAMES, sim.speakers)),
                channels=[asdict(c) for c in sim.channels], speech_scale_db=sim.speech_scale_db, script=sim.script)
    (folder / f"{name}_script.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")

"""``talkbalance recover DIR``: complete the folder of a live session that ended uncleanly.

Repairs the header of ``audio.wav`` (a killed writer may leave it behind the
data), then analyses the recording through the same pipeline as ``analyze``
(``analyze_file``), with the settings the session was using and its capture start
(from its interim ``summary.json``), and writes every output file again.
"""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import soundfile as sf

from talkbalance.cli.analyze import analyze_to_folder
from talkbalance.config import Config, config_from_tables
from talkbalance.errors import InputError
from talkbalance.io.wav import repair_wav


def recover_session(folder: Path) -> tuple[dict, str]:
    """Repair and re-analyse ``folder``; return the new summary and a one-line account of the repair."""
    audio = folder / "audio.wav"
    if not folder.exists():
        raise InputError(f"{folder}: folder not found; check the path (live sessions are saved in "
                        "recordings/<start time>_practice).")
    if not folder.is_dir():
        raise InputError(f"{folder} is a file, not a session folder; pass the folder that holds audio.wav.")
    if not audio.is_file():
        raise InputError(f"{folder}: there is no audio.wav here; pass the folder of a live session "
                        "(recordings/<start time>_practice).")
    try:
        before, after = repair_wav(audio)
    except (ValueError, OSError) as exc:
        raise InputError(f"{audio}: cannot repair it ({exc}); it is not a WAV file written by talkbalance live.") from None
    interim = _interim_summary(folder)
    cfg, settings = _session_config(interim, folder)
    rate = sf.info(str(audio)).samplerate
    repair = (f"audio.wav header repaired: {before / rate:.2f} s → {after / rate:.2f} s of audio"
              if before != after else "audio.wav header was already consistent")
    summary = analyze_to_folder([str(audio)], folder, cfg, quiet=True, file_id=folder.name,
                               notes=(f"recovered with `talkbalance recover` after the live session ended "
                                      f"uncleanly ({repair}; {settings})",), recorded_at=_capture_start(interim))
    return summary, repair


def _interim_summary(folder: Path) -> dict:
    """The session's interim ``summary.json``, or ``{}`` when there is none to read."""
    try:
        saved = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return saved if isinstance(saved, dict) else {}


def _session_config(interim: dict, folder: Path) -> tuple[Config, str]:
    """The config saved in the session's interim summary, or the defaults when there is none."""
    saved = interim.get("config")
    if not isinstance(saved, dict):
        return Config(), "no readable summary.json, so the default settings were used"
    return config_from_tables(saved, str(folder / "summary.json")), "settings from the interim summary.json"


def _capture_start(interim: dict) -> datetime | None:
    """When the live capture started, as the interim summary says (None: audio.wav's modification time is used)."""
    try:
        return datetime.fromisoformat(interim["source"]["recorded_at"])
    except (KeyError, TypeError, ValueError):
        return None

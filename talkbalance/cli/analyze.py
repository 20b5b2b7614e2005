"""``talkbalance analyze``: a recorded session through the engine into the output files."""
from __future__ import annotations

import re
from pathlib import Path

from tqdm import tqdm

from talkbalance.config import Config
from talkbalance.core.engine import Engine
from talkbalance.errors import InputError, OutputError
from talkbalance.core.types import SessionResult
from talkbalance.io.outputs import write_outputs
from talkbalance.io.inputs import open_session
from talkbalance.core.wording import plural, speaker_label

BLOCK_S = 5.0          # seconds of audio per read; any size gives the same results


def analyze_files(paths: list[str], out_dir: Path, cfg: Config, channels: tuple[int, int] | None = None,
                  quiet: bool = False, file_id: str | None = None,
                  notes: tuple[str, ...] = ()) -> tuple[SessionResult, dict]:
    """Analyse one session (a stereo file or two mono files) and write every output file.

    ``file_id`` names the session in the RTTM (default: the first input's name);
    ``notes`` are added to ``quality.warnings``.
    """
    with open_session(paths, channels) as source:
        info = source.info
        if info.duration_s * 1000 < cfg.vad.frame_ms:
            raise InputError(f"{' and '.join(map(str, info.inputs))} holds only {info.duration_s * 1000:.1f} ms of "
                            f"audio, less than one {cfg.vad.frame_ms} ms analysis frame: it is empty; re-export "
                            "the recording.")
        engine = Engine(cfg, info.sample_rate_hz)
        block = max(1, int(info.sample_rate_hz * BLOCK_S))
        with tqdm(total=round(info.duration_s, 1), unit="s", desc="analysing", delay=1.0, disable=quiet,
                  bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s audio [{elapsed}<{remaining}]",
                  leave=False) as bar:
            for chunk in source.blocks(block):
                engine.feed(chunk)
                bar.update(len(chunk) / info.sample_rate_hz)
        result = engine.finish()
    result.quality.warnings[:0] = [*notes, *info.warnings]
    src = {"inputs": [str(p) for p in info.inputs], "sample_rate": info.sample_rate_hz,
           "channels": info.channels, "duration_s": round(info.duration_s, 3),
           "analysis_rate": cfg.vad.rate_hz, "frame_ms": cfg.vad.frame_ms}
    try:
        summary = write_outputs(out_dir, result, src, cfg, file_id=file_id or _file_id(paths[0]))
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot write the results ({exc.strerror or exc}); "
                        "choose another `out_dir` folder or free some disk space.") from None
    return result, summary


def _file_id(path: str) -> str:
    """An RTTM file id (no spaces) from the input file name."""
    return re.sub(r"\s+", "_", Path(path).stem) or "session"


def _pct(x) -> str:
    return "-" if x is None else f"{x:.0%}"


def _sec(x) -> str:
    return "-" if x is None else f"{x:.2f} s"


def format_summary(summary: dict) -> str:
    """A short human-readable summary for the console."""
    sp, ses = summary["speakers"], summary["session"]
    lines = [f"Session {ses['duration_s']:.1f} s: speech {ses['speech_s']:.1f} s, overlap {ses['overlap_s']:.1f} s, "
             f"{ses['switches_per_min'] or 0:.1f} speaker switches per minute."]
    for k, s in enumerate(sp):
        other = sp[1 - k]["name"] if len(sp) == 2 else "the other"
        im = s["interruptions_made"]
        lines.append(
            f"  {speaker_label(s['name'], s['role'])}: talk share {_pct(s['talk_share'])} ({s['talk_time_s']:.1f} s), "
            f"{plural(s['turns'], 'turn')}, interrupted {other} {plural(im['successful'] + im['unsuccessful'], 'time')} "
            f"({im['successful']} successful, {im['unsuccessful']} unsuccessful), "
            f"{plural(s['backchannels'], 'backchannel')}, median response latency (gap before speaking) "
            f"{_sec(s['response_latency']['median_s'])}, {plural(s['pauses']['count'], 'pause')}"
            + (f" (median {_sec(s['pauses']['median_s'])})" if s["pauses"]["count"] else ""))
    for item in summary["coaching"]:
        mark = "met" if item["met"] else "NOT met"
        lines.append(f"  [{mark}] {item['item']}: {item['message']}")
    for w in summary["quality"]["warnings"]:
        lines.append(f"  warning: {w}")
    return "\n".join(lines)

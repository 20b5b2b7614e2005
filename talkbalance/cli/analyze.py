"""``talkbalance analyze``: a recorded session through the engine into the output files."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from tqdm import tqdm

from talkbalance.api import analyze_file
from talkbalance.config import Config
from talkbalance.core.wording import plural, speaker_label
from talkbalance.errors import OutputError
from talkbalance.io.formats import DEFAULT_FORMATS
from talkbalance.io.outputs import write_outputs


def analyze_to_folder(inputs: Sequence[str], out_dir: Path, config: Config | str | Path | None,
                      channels: Sequence[int] | None = None, speakers: Sequence[str] | None = None,
                      trainee: str | None = None, quiet: bool = False, file_id: str | None = None,
                      notes: tuple[str, ...] = (), formats: Sequence[str] = DEFAULT_FORMATS,
                      recorded_at: datetime | None = None) -> dict:
    """Analyse one session (a stereo file or two mono files) with a progress bar, and write the output files of
    ``formats``; return the summary. ``file_id`` names the session in the RTTM (default: the first input's name);
    ``notes`` are added to ``quality.warnings``; ``recorded_at`` is the session's time (default: the earliest
    input's modification time)."""
    with tqdm(total=None, unit="s", desc="analysing", delay=1.0, disable=quiet, leave=False,
              bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s audio [{elapsed}<{remaining}]") as bar:
        def progress(done_s: float, total_s: float) -> None:
            bar.total = round(total_s, 1)
            bar.update(done_s - bar.n)

        result = analyze_file(list(inputs), config=config, channels=channels, speakers=speakers, trainee=trainee,
                              progress=progress)
    result.quality.warnings[:0] = notes
    if file_id is not None:
        result.file_id = file_id
    if recorded_at is not None:
        result.recorded_at = recorded_at
    try:
        return write_outputs(result, out_dir, formats)
    except OSError as exc:
        raise OutputError.from_os_error(out_dir, "cannot write the results", exc) from None
def _pct(x) -> str:
    return "-" if x is None else f"{x:.0%}"


def _sec(x) -> str:
    return "-" if x is None else f"{x:.2f} s"


def format_summary(summary: dict) -> str:
    """A short human-readable summary for the console."""
    sp, ses = summary["speakers"], summary["session"]
    lines = [f"Session {ses['duration_s']:.1f} s: speech {ses['speech_s']:.1f} s, overlap {ses['overlap_s']:.1f} s, "
             f"{ses['switches_per_min'] or 0:.1f} speaker switches per minute."]
    for s in sp:
        other = " and ".join(o["name"] for o in sp if o is not s) or "the other"
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

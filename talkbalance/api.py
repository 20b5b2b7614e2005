"""The Python API: analyse a recording into a ``SessionResult`` (its blocks through the ``Pipeline``), and write
its output files."""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from talkbalance.config import Config, session_config
from talkbalance.core.summary import source_block
from talkbalance.core.types import Recording, SessionResult
from talkbalance.errors import InputError
from talkbalance.io.inputs import open_session
from talkbalance.pipeline import Block, Pipeline, Progress

BLOCK_S = 20.0         # seconds of audio per read; any size gives the same results, and longer blocks
                       # spread the per-block work (about 12 % faster than 5 s blocks)


def analyze_file(inputs: str | Path | Sequence[str | Path], *, config: Config | str | Path | None = None,
                 channels: Sequence[int] | None = None, speakers: Sequence[str] | None = None,
                 trainee: str | None = None,
                 progress: Callable[[float, float], None] | None = None) -> SessionResult:
    """Analyse one recorded session; nothing is written.

    Parameters
    ----------
    inputs : path or list of one or two paths
        One stereo (or multichannel) file, or two mono files, one per person.
    config : Config, path of a TOML file, or None
        Settings (default: METRICS.md's defaults, ``configs/default.toml``).
    channels : sequence of int, optional
        The channels (counted from 1) of a multichannel file, one per person, first person first.
    speakers : sequence of str, optional
        In channel order (default: the config's, or each mono file's name without its extension).
    trainee : str, optional
        Which of the speakers is the trainee (the other becomes the client).
    progress : callable, optional
        Called with (seconds of audio done, seconds in all) as the analysis goes.

    Returns
    -------
    SessionResult
        Talk spurts, events and figures; ``result.summary()`` is what ``summary.json`` would hold.
        ``result.recorded_at`` is the modification time of the earliest input file.
    """
    paths = [str(inputs)] if isinstance(inputs, (str, Path)) else [str(p) for p in inputs]
    cfg = session_config(paths, config, speakers, trainee)
    with open_session(paths, channels) as source:
        info = source.info
        if info.duration_s * 1000 < cfg.vad.frame_ms:
            raise InputError(f"{' and '.join(map(str, info.inputs))} holds only {info.duration_s * 1000:.1f} ms of "
                             f"audio, less than one {cfg.vad.frame_ms} ms analysis frame: it is empty; re-export "
                             "the recording.")
        pipeline = Pipeline(cfg, info.sample_rate_hz, [Progress(progress, info.duration_s)] if progress is not None else [])
        result = pipeline.run(Block(chunk) for chunk in source.blocks(max(1, int(info.sample_rate_hz * BLOCK_S))))
    result.quality.warnings[:0] = info.warnings
    result.source = source_block({"inputs": [str(p) for p in info.inputs]}, info.sample_rate_hz, info.channels,
                                 info.duration_s, cfg)
    result.file_id = re.sub(r"\s+", "_", Path(paths[0]).stem) or "session"
    result.recorded_at = modified_at(info.inputs)
    result.recording = Recording(tuple(paths), tuple(channels) if channels is not None else None)
    return result


def modified_at(paths: Sequence[str | Path]) -> datetime:
    """When the earliest of ``paths`` was last modified (local time, with its UTC offset): a recording's time."""
    return datetime.fromtimestamp(min(os.stat(p).st_mtime for p in paths)).astimezone()

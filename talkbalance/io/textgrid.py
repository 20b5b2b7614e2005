"""``activity.TextGrid``: the session's tiers (``io/tiers.py``) as a Praat TextGrid, written with praatio."""
from __future__ import annotations

from praatio.data_classes.interval_tier import IntervalTier
from praatio.utilities.textgrid_io import getTextgridAsStr

from talkbalance.core.types import SessionResult
from talkbalance.io.tiers import event_tiers, speaker_tiers


def textgrid(result: SessionResult) -> str:
    """The long-format TextGrid text: interval tiers from 0 to the session's end, times in seconds (3 decimals)."""
    def s(frames: int) -> float:
        return round(frames * result.frame_s, 3)

    end_s = s(result.duration_frames)
    tiers = [IntervalTier(name, [(s(a), s(b), label) for a, b, label in intervals], 0.0, end_s)
             for name, intervals in speaker_tiers(result) + event_tiers(result)]
    document = {"xmin": 0.0, "xmax": end_s,
                "tiers": [{"class": t.tierType, "name": t.name, "xmin": t.minTimestamp, "xmax": t.maxTimestamp,
                           "entries": t.entries} for t in tiers]}
    return getTextgridAsStr(document, "long_textgrid", includeBlankSpaces=True)

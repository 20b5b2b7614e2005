"""``activity.eaf``: the session's tiers (``io/tiers.py``) as an ELAN annotation document, written with pympi-ling.

Speaker tiers name their participant; the recordings are linked as the document's media (absolute file URLs),
so ELAN opens them with it. Times are whole milliseconds.
"""
from __future__ import annotations

import mimetypes
from pathlib import Path

from pympi.Elan import Eaf, to_string

from talkbalance.core.types import SessionResult
from talkbalance.io.tiers import event_tiers, speaker_tiers
from talkbalance.version import __version__

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def eaf(result: SessionResult) -> bytes:
    """The .eaf document (UTF-8 XML)."""
    def ms(frames: int) -> int:
        return round(frames * result.frame_s * 1000)

    doc = Eaf(author=f"talkbalance {__version__}")
    doc.remove_tier("default")
    for path in result.source.get("inputs", []):
        doc.add_linked_file(Path(path).absolute().as_uri(), mimetype=mimetypes.guess_type(path)[0] or "audio/x-wav")
    for name, intervals in speaker_tiers(result) + event_tiers(result):
        doc.add_tier(name, part=name if name in result.names else None)      # a speaker's tier names its participant
        for a, b, label in intervals:
            doc.add_annotation(name, ms(a), ms(b), label)
    return XML_DECLARATION + to_string(doc, encoding="UTF-8")

"""The annotation tiers of a session, for the TextGrid and ELAN files: one per speaker and one per event kind.

A speaker's tier holds their talk spurts, labelled with their name. Each event kind has its own tier,
named ``"<kind> events"`` (``"simultaneous start events"``; speaker names hold no spaces, so the names never
clash), labelled as in labels.txt: one category per tier, and room for a later kind that spans others. No two
intervals of a tier overlap (an interval tier cannot hold them): a speaker's spurts are disjoint, each overlap
event spans one stretch where both talk, and each pause or gap one stretch where nobody does.
"""
from __future__ import annotations

from typing import get_args

from talkbalance.core.types import EventKind, SessionResult
from talkbalance.io.outputs import event_label

Tier = tuple[str, list[tuple[int, int, str]]]       # name, intervals [start, end) in frames with their labels


def speaker_tiers(result: SessionResult) -> list[Tier]:
    """One tier per speaker, in channel order, named after them."""
    return [(name, [(s.start, s.end, name) for s in spurts]) for name, spurts in zip(result.names, result.conversation.spurts)]


def event_tiers(result: SessionResult) -> list[Tier]:
    """One tier per event kind (every kind, in ``EventKind`` order, even when empty)."""
    events = sorted(result.conversation.events, key=lambda e: (e.start, e.end))
    return [(f"{kind.replace('_', ' ')} events", [(e.start, e.end, event_label(e, result.names)) for e in events
                                                   if e.kind == kind]) for kind in get_args(EventKind)]

"""talkbalance: turn-taking, overlap and talk-share analysis for two-person listening practice.

The Python API (see the README)::

    import talkbalance
    result = talkbalance.analyze_file("session.wav", trainee="A")
    result.summary()                    # what summary.json holds
    talkbalance.write_outputs(result, "session_results")

Importing it has no side effects; the analysis modules load when first used.
"""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from talkbalance.config import Config, load_config
from talkbalance.errors import ConfigError, DeviceError, InputError, OutputError, TalkbalanceError
from talkbalance.version import __version__

if TYPE_CHECKING:
    from talkbalance.api import analyze_file
    from talkbalance.core.engine import Engine
    from talkbalance.core.figures import CoachingItem, SessionFigures, SessionTotals, SpeakerFigures
    from talkbalance.core.types import SessionEvent, SessionResult
    from talkbalance.io.outputs import write_outputs

_LAZY = {"analyze_file": "talkbalance.api", "write_outputs": "talkbalance.io.outputs", "Engine": "talkbalance.core.engine",
         "SessionResult": "talkbalance.core.types", "SessionEvent": "talkbalance.core.types",
         "SessionFigures": "talkbalance.core.figures", "SpeakerFigures": "talkbalance.core.figures",
         "SessionTotals": "talkbalance.core.figures", "CoachingItem": "talkbalance.core.figures"}

__all__ = ["CoachingItem", "Config", "ConfigError", "DeviceError", "Engine", "InputError", "OutputError", "SessionEvent",
           "SessionFigures", "SessionResult", "SessionTotals", "SpeakerFigures", "TalkbalanceError", "__version__",
           "analyze_file", "load_config", "write_outputs"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'talkbalance' has no attribute {name!r}")

"""Crosstalk rejection: whose voice is in each headset mic (METRICS.md §1.3).

``gate`` decides each frame; ``canceller`` models a coherent leak; ``spectral`` judges the bleed band by band.
"""
from talkbalance.core.crosstalk.gate import CrosstalkGate

__all__ = ["CrosstalkGate"]

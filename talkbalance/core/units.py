"""Seconds and frames: every interval inside the core is whole analysis frames."""


def to_frames(seconds: float, frame_s: float) -> int:
    """A duration in whole frames (rounded: 0.2 s at 10 ms is exactly 20 frames)."""
    return int(round(seconds / frame_s))

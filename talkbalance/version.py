"""The release of talkbalance."""

__version__ = "0.1.0"

"""talkbalance: turn-taking, overlap and talk-share analysis for two-person listening practice."""

__version__ = "0.1.0"

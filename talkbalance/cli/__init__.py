"""The command line: argument parsing, one module per command, console formatting.

The only layer that knows command-line flag names; it may import every other layer.
"""
import os

# The only linear algebra here is on tiny matrices (9x9 solves); OpenBLAS worker threads would only spin
# and take CPU from the audio threads. Set before numpy loads (the command line imports it after this);
# the environment wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from talkbalance.cli.main import main  # noqa: E402  (after the thread setting)

__all__ = ["main"]

"""The command line: argument parsing, one module per command, console formatting.

The only layer that knows command-line flag names; it may import every other layer.
"""
from talkbalance.cli.main import main

__all__ = ["main"]

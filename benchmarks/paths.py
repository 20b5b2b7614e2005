"""Where benchmark results go: a full run replaces the committed results, a quick one never does."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
FULL = BENCH / "results"                # committed: the full run's figures, quoted by the README
QUICK = FULL / "quick"                  # ignored by git: quick and partial runs


def results_dir(full: bool) -> Path:
    """The folder for a run's files (created)."""
    folder = FULL if full else QUICK
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def report_path(full: bool) -> Path:
    """``benchmarks/RESULTS.md`` for a full run, ``benchmarks/results/quick/RESULTS.md`` otherwise."""
    return BENCH / "RESULTS.md" if full else results_dir(False) / "RESULTS.md"

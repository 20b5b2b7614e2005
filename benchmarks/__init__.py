"""The researchers' benchmark (``python -m benchmarks``); see the README's Benchmarks section."""
import os

# timed as the command line runs talkbalance (talkbalance/cli/__init__.py): one OpenBLAS thread
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

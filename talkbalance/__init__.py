"""talkbalance: turn-taking, overlap and talk-share analysis for two-person listening practice."""
import os

# The only linear algebra here is on tiny matrices (9x9 solves); OpenBLAS worker threads would
# only spin and take CPU from the audio threads. Set before numpy loads; the environment wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"

"""The command line, ``python -m benchmarks.simulate`` (arguments in the package docstring): simulates
one conversation per seed from the speech under ``--data`` and writes each one's audio, exact
reference and script to ``--out`` (``write_reference``), printing a line per conversation.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.simulate.bank import PhraseBank
from benchmarks.simulate.conversation import simulate
from benchmarks.simulate.reference import write_reference


def main(argv=None) -> None:
    root = Path(__file__).resolve().parents[2]      # the checkout
    ap = argparse.ArgumentParser(prog="python -m benchmarks.simulate",
                                 description="Simulate two-headset conversations with exact references.")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--data", type=Path, default=root.parent / "shared" / "data" / "librispeech_dev")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--duration", type=float, default=180.0)
    ap.add_argument("--bleed-db", type=float, default=-18.0)
    ap.add_argument("--noise-dbfs", type=float, default=-60.0)
    ap.add_argument("--rate", type=int, default=16000)
    args = ap.parse_args(argv)
    bank = PhraseBank.from_folder(args.data)
    for seed in args.seeds:
        sim = simulate(bank, seed, args.duration, args.bleed_db, args.noise_dbfs, args.rate)
        write_reference(sim, args.out, f"sim_{seed:04d}")
        print(f"sim_{seed:04d}: speakers {sim.speakers}, gains {[c.gain_db for c in sim.channels]} dB, "
              f"{len(sim.reference_conversation.events)} reference events")


if __name__ == "__main__":
    main()

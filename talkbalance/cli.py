"""Command-line interface: ``talkbalance analyze ...``.

User mistakes raise ``UserError``: one sentence on stderr, exit status 2, no traceback.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from talkbalance import __version__
from talkbalance.config import load_config
from talkbalance.errors import UserError


def _pair(text: str, what: str) -> list[str]:
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2 or not all(parts):
        raise UserError(f"{what} needs two comma-separated values, e.g. {what} 1,2; got {text!r}.")
    return parts


def _channels(text: str) -> tuple[int, int]:
    try:
        a, b = (int(p) for p in _pair(text, "--channels"))
    except ValueError:
        raise UserError(f"--channels takes two channel numbers counted from 1, e.g. --channels 1,2; got {text!r}.") from None
    return a, b


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="talkbalance", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"talkbalance {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    a = sub.add_parser("analyze", help="analyse a recorded practice session",
                       description="Analyse a stereo file (one person per channel) or two mono files.")
    a.add_argument("inputs", nargs="+", metavar="INPUT", help="a stereo file, or two mono files (one per person)")
    a.add_argument("--out", type=Path, help="output folder (default: <first input name>_talkbalance)")
    a.add_argument("--config", help="TOML config file (see configs/default.toml)")
    a.add_argument("--speakers", help="names of the two people in channel order, e.g. trainee,client")
    a.add_argument("--trainee", help="which speaker is the trainee (the other becomes the client)")
    a.add_argument("--channels", help="two channels (from 1) to pick from a multichannel file, e.g. 3,4")
    a.add_argument("--quiet", action="store_true", help="no progress bar or summary on the console")
    return parser


def cmd_analyze(args) -> int:
    from talkbalance.analyze import analyze_files, format_summary

    if len(args.inputs) > 2:
        raise UserError(f"got {len(args.inputs)} input files; pass one stereo file or two mono files (one per person).")
    cfg = load_config(args.config)
    names = tuple(_pair(args.speakers, "--speakers")) if args.speakers else None
    cfg = cfg.with_speakers(names=names, trainee=args.trainee)
    channels = _channels(args.channels) if args.channels else None
    out = args.out or Path(f"{Path(args.inputs[0]).stem}_talkbalance")
    _, summary = analyze_files(args.inputs, out, cfg, channels=channels, quiet=args.quiet)
    if not args.quiet:
        print(format_summary(summary))
        print(f"Results in {out}/ (summary.json, events.csv, activity.rttm, labels.txt, report.png)")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return {"analyze": cmd_analyze}[args.command](args)
    except UserError as exc:
        print(f"talkbalance: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("talkbalance: interrupted", file=sys.stderr)
        return 130

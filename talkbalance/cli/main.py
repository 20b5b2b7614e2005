"""The command line: ``talkbalance analyze | batch | live | devices | recover | progress``.

User mistakes raise a ``TalkbalanceError``: one sentence on stderr (the parameter names in it turned into flags),
exit status 2, no traceback.
Argument errors found by argparse are reported the same way (no usage block).
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from talkbalance import __version__
from talkbalance.config import load_config
from talkbalance.errors import TalkbalanceError
from talkbalance.io.formats import BATCH_FORMATS, DEFAULT_FORMATS, FORMAT_FILES, check_formats
from talkbalance.io.outputs import earlier_results

DESCRIPTION = ("Measure turn-taking in two-person active-listening practice, one headset mic per person: talk "
               "share, interruptions and backchannels (who to whom), pauses, gaps and turns.")
EPILOG = "Run `talkbalance COMMAND --help` for a command's options."
FORMATS_HELP = ("comma list of the files to write: json (summary.json, always written), csv (events.csv), rttm, "
                "labels, png (report.png), html (report.html, the page to review the session in a browser), "
                "textgrid (Praat), eaf (ELAN); default: {}")
SPEAKERS_HELP = ("names of the two people in channel order, e.g. maya,sam (default: A,B for a stereo file; "
                 "with two mono files, each file's name without its extension)")


# the parameters that library messages name (`channels`), as this command line spells them
FLAGS = {"channels": "--channels", "device": "--device", "rate_hz": "--rate", "out_dir": "--out",
         "config": "--config", "speakers": "--speakers", "trainee": "--trainee", "plot=False": "--no-plot",
         "formats": "--formats", "jobs": "--jobs", "scheduler": "--scheduler", "manifest": "--manifest"}


class UsageError(TalkbalanceError):
    """The command line itself is wrong: an unknown option, a missing or malformed value."""


def for_command_line(message: str) -> str:
    """A library message with the parameters it names (`channels`) written as this command line's flags."""
    return re.sub(r"`([\w=]+)`", lambda m: FLAGS.get(m.group(1), m.group(0)), message)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one sentence, like every other user mistake."""

    def error(self, message: str):
        raise UsageError(f"{message}; see `{self.prog} --help`.")


def _items(text: str, flag: str, example: str) -> list[str]:
    """A comma-separated list (how many is the library's to judge: ``config.require_supported_speakers``)."""
    parts = [p.strip() for p in text.split(",")]
    if not all(parts):
        raise UsageError(f"{flag} takes comma-separated values, one per person, e.g. {flag} {example}; got {text!r}.")
    return parts


def _channels(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in _items(text, "--channels", "1,2"))
    except ValueError:
        raise UsageError(f"--channels takes channel numbers counted from 1, one per person, e.g. --channels 1,2; "
                         f"got {text!r}.") from None


def _speakers(text: str | None) -> tuple[str, ...] | None:
    return tuple(_items(text, "--speakers", "maya,sam")) if text else None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="talkbalance", description=DESCRIPTION, epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"talkbalance {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    a = sub.add_parser("analyze", help="analyse a recorded practice session",
                       description="Analyse a stereo file (one person per channel) or two mono files (one per "
                                   "person). Speakers are named A and B in a stereo file, and after their files "
                                   "(without the extension) when there are two, unless --speakers or the "
                                   "config names them.")
    a.add_argument("inputs", nargs="+", metavar="INPUT", help="a stereo file, or two mono files (one per person)")
    a.add_argument("--out", type=Path, help="output folder (default: <first input name>_talkbalance)")
    a.add_argument("--config", help="TOML config file (see configs/default.toml)")
    a.add_argument("--speakers", help=SPEAKERS_HELP)
    a.add_argument("--trainee", help="which speaker is the trainee, by name (the other becomes the client)")
    a.add_argument("--channels", help="two channels (from 1) to pick from a multichannel file, e.g. 3,4")
    a.add_argument("--formats", type=_formats, default=DEFAULT_FORMATS, metavar="LIST",
                   help=FORMATS_HELP.format(",".join(DEFAULT_FORMATS)))
    a.add_argument("--quiet", action="store_true", help="no progress bar or summary on the console")

    b = sub.add_parser("batch", help="analyse a corpus: many sessions in parallel, with tables of them all",
                       description="Analyse every audio file in the folders given (each stereo file is one session; "
                                   "its id is its path below the folder, without the extension), or the sessions "
                                   "of a manifest, in parallel. Writes each session's files into DIR/<session>/ and "
                                   "the tables DIR/sessions.csv and DIR/events.csv; a second run skips the "
                                   "sessions already done. Exit status 1 when a session failed.")
    b.add_argument("inputs", nargs="*", metavar="INPUT", help="audio files, or folders of them (searched recursively)")
    b.add_argument("--manifest", metavar="CSV", help="a CSV of sessions: session,input,input2,channels,speakers,trainee,"
                                                     "config (paths relative to it); instead of INPUT")
    b.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    b.add_argument("--jobs", type=_positive_int, metavar="N", help="worker processes (default: one per core)")
    b.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the sessions on a Dask cluster, e.g. tcp://host:8786 (pip install talkbalance[dask])")
    b.add_argument("--formats", type=_formats, default=BATCH_FORMATS, metavar="LIST",
                   help=FORMATS_HELP.format(",".join(BATCH_FORMATS)))
    b.add_argument("--force", action="store_true", help="analyse again the sessions an earlier run completed")
    b.add_argument("--config", help="TOML config file for every session (a manifest's config column overrides it)")
    b.add_argument("--speakers", help="names of the two people of every session, in channel order")
    b.add_argument("--trainee", help="which speaker is the trainee, by name, in every session")
    b.add_argument("--channels", help="two channels (from 1) to pick from every multichannel file, e.g. 3,4")
    b.add_argument("--quiet", action="store_true", help="no progress bar or summary; only the failures")

    live = sub.add_parser("live", help="live monitor: capture two headset mics (or replay a file) with a live plot",
                          description="Capture two headset mics, show the figures live, and record the session.")
    live.add_argument("--device", help="input device: its index or part of its name (see `talkbalance devices`)")
    live.add_argument("--channels", help="the two input channels (from 1), one per person; default 1,2")
    live.add_argument("--rate", type=_positive_int, help="capture rate in Hz (default: the device's own rate)")
    live.add_argument("--speakers", help="names of the two people in channel order, e.g. maya,sam (default: A,B)")
    live.add_argument("--trainee", help="which speaker is the trainee, by name (the other becomes the client)")
    live.add_argument("--config", help="TOML config file (see configs/default.toml)")
    live.add_argument("--duration", type=_positive_float, metavar="S", help="stop after S seconds (default: Ctrl-C)")
    live.add_argument("--out", type=Path, help="session folder (default: recordings/<start time>_practice)")
    live.add_argument("--no-plot", action="store_true", help="console status line instead of the plot window")
    live.add_argument("--replay", metavar="FILE", help="feed a recording through the live path instead of a device")
    live.add_argument("--speed", type=_positive_float, default=1.0, metavar="X",
                      help="with --replay: play X times faster than real time (default 1)")

    sub.add_parser("devices", help="list the input devices", description="List the input devices live can use.")

    rec = sub.add_parser("recover", help="repair and complete a live session folder after a crash",
                         description="Repair audio.wav of a live session that ended uncleanly and write every "
                                     "output file again.")
    rec.add_argument("folder", type=Path, metavar="DIR", help="the session folder (holds audio.wav)")

    prog = sub.add_parser("progress", help="a trainee's progress over sessions: a table, a chart and a page",
                          description="Read session folders (from analyze, live or recover; a folder without a "
                                      "summary.json, such as a batch output folder or recordings/, stands for the "
                                      "session folders below it), order them by when they were recorded, and write "
                                      "DIR/progress.csv, DIR/progress.png and DIR/progress.html. The console says, "
                                      "per figure, whether the latest session is better or worse than the median of "
                                      "the previous three. Folders that are not finished sessions with a trainee are "
                                      "named and left out.")
    prog.add_argument("folders", nargs="+", type=Path, metavar="SESSION_DIR", help="session folders, or folders of them")
    prog.add_argument("--trainee", help="follow the trainee of this name (needed when the sessions are of several)")
    prog.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    return parser


def _note(text: str) -> None:
    """One line on stderr that the user should know about (not an error)."""
    print(f"talkbalance: {text}", file=sys.stderr)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"needs a positive number, got {text!r}")
    return value


def _formats(text: str) -> tuple[str, ...]:
    return check_formats(text.split(","))


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"needs a positive whole number, got {text!r}")
    return int(text)


def cmd_analyze(args) -> int:
    from talkbalance.cli.analyze import analyze_to_folder, format_summary

    cfg = load_config(args.config)
    channels = _channels(args.channels) if args.channels else None
    out = args.out or Path(f"{Path(args.inputs[0]).stem}_talkbalance")
    earlier = earlier_results(out)
    summary = analyze_to_folder(args.inputs, out, cfg, channels=channels, speakers=_speakers(args.speakers),
                                trainee=args.trainee, quiet=args.quiet, formats=args.formats)
    if earlier:
        _note(f"{out}/ held the results of an earlier run; they were replaced.")
    if not args.quiet:
        print(format_summary(summary))
        print(f"Results in {out}/ ({', '.join(FORMAT_FILES[name] for name in args.formats)})")
    return 0


def cmd_batch(args) -> int:
    from talkbalance.batch.manifest import read_manifest
    from talkbalance.batch.sessions import Settings, find_sessions
    from talkbalance.cli.batch import run_with_progress

    if bool(args.inputs) == bool(args.manifest):
        raise UsageError("batch takes INPUT files or folders, or --manifest CSV (one of the two); "
                         "see `talkbalance batch --help`.")
    if args.jobs and args.scheduler:
        raise UsageError("--jobs sets this machine's worker processes, and with --scheduler the cluster's workers "
                         "run the sessions; leave out one of them.")
    settings = Settings(channels=_channels(args.channels) if args.channels else None,
                        speakers=_speakers(args.speakers), trainee=args.trainee, config=args.config)
    sessions = read_manifest(args.manifest, settings) if args.manifest else find_sessions(args.inputs, settings)
    return run_with_progress(sessions, args.out, formats=args.formats, force=args.force, jobs=args.jobs,
                             scheduler=args.scheduler, quiet=args.quiet, wording=for_command_line)


def cmd_live(args) -> int:
    from talkbalance.cli.analyze import format_summary
    from talkbalance.live.monitor import LiveOptions, clear_session_dir, default_session_dir, run_live

    if args.speed != 1.0 and not args.replay:
        raise UsageError("--speed only applies to --replay FILE; a live device runs in real time.")
    if args.replay and (args.device or args.rate):
        raise UsageError("--replay FILE takes its audio from the file; leave out --device and --rate.")
    cfg = load_config(args.config)
    cfg = cfg.with_speakers(names=_speakers(args.speakers), trainee=args.trainee)
    out = args.out or default_session_dir(replay=bool(args.replay))
    if clear_session_dir(out, replay=bool(args.replay)):
        _note(f"{out}/ held an earlier session's files; they were removed.")
    opts = LiveOptions(cfg=cfg, out_dir=out, device=args.device,
                       channels=_channels(args.channels) if args.channels else None,
                       rate_hz=args.rate, duration_s=args.duration,
                       plot=not args.no_plot, replay=args.replay, speed=args.speed,
                       say=lambda message: print(for_command_line(message)))
    _, summary = run_live(opts)
    print(format_summary(summary))
    print(f"Session saved in {out}/ (audio.wav, summary.json, events.csv, activity.rttm, labels.txt, report.png, "
          "report.html)")
    return 0


def cmd_devices(args) -> int:
    from talkbalance.live.capture import device_table, input_devices

    print(device_table(input_devices()))
    return 0


def cmd_recover(args) -> int:
    from talkbalance.cli.analyze import format_summary
    from talkbalance.cli.recover import recover_session

    summary, repair = recover_session(args.folder)
    print(f"{args.folder}: {repair}; every output file written again.")
    print(format_summary(summary))
    return 0


def cmd_progress(args) -> int:
    from talkbalance.cli.progress import files_line, format_progress, progress_to_folder

    rows, trends = progress_to_folder(args.folders, args.out, args.trainee,
                                      note=lambda text: _note(for_command_line(text)))
    print(format_progress(rows, trends))
    print(files_line(args.out))
    return 0


def main(argv: list[str] | None = None) -> int:
    commands = {"analyze": cmd_analyze, "batch": cmd_batch, "live": cmd_live, "devices": cmd_devices,
                "recover": cmd_recover, "progress": cmd_progress}
    try:
        args = build_parser().parse_args(argv)
        return commands[args.command](args)
    except TalkbalanceError as exc:
        print(f"talkbalance: error: {for_command_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("talkbalance: interrupted", file=sys.stderr)
        return 130

"""``talkbalance batch``: a corpus run with a progress bar over its sessions, and its account on the console."""
from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from tqdm import tqdm

from talkbalance.batch.runner import run_batch
from talkbalance.batch.sessions import Session
from talkbalance.batch.task import Outcome
from talkbalance.core.wording import plural

NAMED_FAILURES = 10          # failed sessions named on the last line; the rest are counted


def run_with_progress(sessions: Sequence[Session], out: Path, *, formats: Sequence[str], force: bool,
                      jobs: int | None, scheduler: str | None, quiet: bool, wording: Callable[[str], str]) -> int:
    """Run the corpus; return the exit status (0 every session ok, 1 when one failed). ``wording`` turns library
    messages into the command line's."""
    bars: list[tqdm] = []
    audio_s, errors = 0.0, 0

    def started(total: int, skipped: int) -> None:
        bars.append(tqdm(total=total, initial=skipped, unit="session", desc="batch", disable=quiet, leave=False,
                         dynamic_ncols=True, postfix="0.00 h audio, 0 errors",
                         bar_format="{desc}: {n}/{total} sessions |{bar}| [{elapsed}<{remaining}{postfix}]"))

    def finished(outcome: Outcome) -> None:
        nonlocal audio_s, errors
        bar = bars[0]
        audio_s += outcome.duration_s
        if outcome.error:
            errors += 1
            if not quiet:
                bar.write(f"talkbalance: {outcome.session}: {wording(outcome.error)}", file=sys.stderr)
        bar.set_postfix_str(f"{audio_s / 3600:.2f} h audio, {plural(errors, 'error')}", refresh=False)
        bar.update(1)

    try:
        report = run_batch(sessions, out, formats=formats, force=force, jobs=jobs, scheduler=scheduler,
                           on_start=started, on_outcome=finished)
    finally:
        for bar in bars:
            bar.close()
    if not quiet:
        ran = report.sessions - report.skipped
        print(f"{plural(report.sessions, 'session')}: {ran} analysed ({report.audio_s / 3600:.2f} h of audio), "
              f"{report.skipped} already done; tables in {out}/ (sessions.csv, events.csv)")
    if report.failed:
        named = ", ".join(report.failed[:NAMED_FAILURES])
        more = f" and {len(report.failed) - NAMED_FAILURES} more" if len(report.failed) > NAMED_FAILURES else ""
        print(f"talkbalance: {plural(len(report.failed), 'session')} failed: {named}{more} (see the error column of "
              f"{out}/sessions.csv)", file=sys.stderr)
        return 1
    return 0

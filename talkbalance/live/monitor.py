"""``talkbalance live``: input → queue → analysis worker → display, and a safe end.

``run_live`` is the one loop every live run goes through: a device, a replay
and the live-monitor benchmark (which adds a latency probe to the session's
pipeline and wraps the display to see what is shown). The main
thread only draws the latest snapshot on a ``Display`` (a plot window, a
console status line, or none) about ten times a second and watches for the
end: the duration, the end of a replayed file, a lost device, a closed window,
Ctrl-C or SIGTERM.
Whatever ends the session, the input is stopped, the session's writer and
analyser drain their queues up to the ``End`` sentinel, and every file is
finalised.
"""
from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from talkbalance.config import Config
from talkbalance.errors import OutputError
from talkbalance.io.outputs import clear_earlier_results, earlier_results
from talkbalance.live.capture import DeviceInput, FileInput, choose_device
from talkbalance.live.display import Display
from talkbalance.live.display.status_line import StatusLine
from talkbalance.live.session import Inbox, LiveSession
from talkbalance.pipeline import LiveSource, Sink

DISPLAY_EVERY_S = 0.1


@dataclass(frozen=True)
class LiveOptions:
    cfg: Config
    out_dir: Path
    device: str | None = None
    channels: Sequence[int] | None = None       # None: 1,2 of a device, or a file's own two channels
    rate_hz: int | None = None
    duration_s: float | None = None
    plot: bool = True
    replay: str | None = None
    speed: float = 1.0
    say: Callable[[str], None] = print          # notices for the person at the console
    sinks: Callable[[LiveSession], Sequence[Sink]] | None = None       # more sinks for the session's pipeline
    display: Callable[[LiveSession, threading.Event], Display] | None = None   # instead of the plot / status line


def run_live(opts: LiveOptions) -> tuple[LiveSession, dict]:
    """Run one session to its end and write its folder; return the session and its summary.

    ``opts.sinks``, given the session, returns sinks to add to its pipeline (right after the snapshot);
    ``opts.display``, given the session and the stop event (set by SIGTERM), opens the display instead of the
    plot window or status line that ``opts.plot`` chooses.
    """
    inbox = Inbox()
    source: LiveSource
    if opts.replay:
        source = FileInput(opts.replay, opts.channels, opts.speed, inbox)
        described = {"inputs": [opts.replay], "replay_speed": opts.speed}
    else:
        channels = opts.channels or (1, 2)
        device = choose_device(opts.device, channels)
        source = DeviceInput(device, channels, opts.rate_hz, inbox)
        described = {"inputs": [f"device {device.index}: {device.name}"], "device_channels": list(channels)}
    session = LiveSession(opts.cfg, source.rate_hz, opts.out_dir, described, inbox, opts.sinks)
    stop = threading.Event()
    display = (opts.display or partial(_open_display, plot=opts.plot, say=opts.say))(session, stop)
    previous_term = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    previous_int = signal.getsignal(signal.SIGINT)
    session.start()
    try:
        try:
            _show_until_end(source, session, display, stop, opts.duration_s)
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGINT, signal.SIG_IGN)        # finishing must not be cut short
            source.stop()
            session.join()
            display.close()
        try:
            summary = session.finish()
        except OSError as exc:
            raise session.error or OutputError.from_os_error(
                opts.out_dir, "cannot finish the session files", exc,
                "free some disk space, then run `talkbalance recover` on the folder. audio.wav stays readable.") from None
    finally:
        signal.signal(signal.SIGINT, previous_int)
        signal.signal(signal.SIGTERM, previous_term)
    if session.error:
        raise session.error
    if session.failure:
        raise session.failure
    return session, summary


def _show_until_end(source: LiveSource, session: LiveSession, display: Display, stop: threading.Event,
                    duration_s: float | None) -> None:
    """Start the input and draw snapshots until something ends the session."""
    source.start()
    started = time.monotonic()
    while session.running and not stop.is_set() and not display.closed:
        if duration_s is not None and time.monotonic() - started >= duration_s:
            return
        display.update(session.latest)
        display.wait(DISPLAY_EVERY_S)


def _open_display(session: LiveSession, stop: threading.Event, plot: bool, say: Callable[[str], None]) -> Display:
    """The plot window when asked for and a display exists, else the console status line (woken by ``stop``)."""
    if plot:
        from talkbalance.live.display.plot import LivePlot, interactive_display_available

        if interactive_display_available():
            return LivePlot(session.latest)
        say("talkbalance: no display for the plot window; showing a status line instead (use `plot=False` to "
              "choose this yourself).")
    return StatusLine(wake=stop)


def clear_session_dir(out_dir: Path, replay: bool) -> bool:
    """Make ``out_dir`` ready for a new session; True if an earlier session's files were removed.

    A recording from a device is never overwritten: it cannot be made again. A
    replay's audio.wav is a copy of its file, so an earlier replay is replaced.
    """
    audio = out_dir / "audio.wav"
    if audio.exists() and not replay:
        raise OutputError(f"{out_dir} already holds a recorded session (audio.wav); pass another `out_dir` folder, "
                        "or move that one away first.")
    earlier = earlier_results(out_dir) + (["audio.wav"] if audio.exists() else [])
    clear_earlier_results(out_dir)
    audio.unlink(missing_ok=True)
    return bool(earlier)


def default_session_dir(replay: bool) -> Path:
    """``recordings/<start time>_practice`` (``_replay`` for replays)."""
    return Path("recordings") / (time.strftime("%Y-%m-%dT%H-%M-%S") + ("_replay" if replay else "_practice"))

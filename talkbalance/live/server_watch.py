"""Notice when the sound server moves our capture stream to another input.

On a Linux desktop, PortAudio usually records through a sound server (PulseAudio,
or PipeWire's PulseAudio service). When the headset interface is unplugged, the
server does not end the stream: it moves it to the next input, typically the
laptop's own microphone, and the session would go on analysing the wrong audio.
``StreamMoveWatch`` follows the server's events with ``pactl subscribe`` (no
polling: it costs nothing until something changes) and calls back once when the
stream of this process is moved, or its input disappears. Where there is no
``pactl`` or this process has no stream on such a server, it does nothing.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from typing import IO, cast

FIND_STREAM_S = 3.0        # how long to look for this process's stream after the capture started
PACTL_TIMEOUT_S = 5.0


def _pactl_json(*args: str):
    """``pactl -f json ARGS`` parsed, or None when pactl fails or prints no JSON."""
    try:
        proc = subprocess.run(["pactl", "-f", "json", *args], capture_output=True, text=True,
                              timeout=PACTL_TIMEOUT_S)
        return json.loads(proc.stdout) if proc.returncode == 0 else None
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


class StreamMoveWatch:
    """Calls ``on_moved(old_input, new_input)`` once if the server moves this process's capture stream."""

    def __init__(self, on_moved, pid: int | None = None):
        self._on_moved = on_moved
        self._pid = str(pid or os.getpid())
        self._streams: dict[int, int] = {}        # our source-output index -> source index
        self._names: dict[int, str] = {}
        self._events: subprocess.Popen | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.watching = False                     # our stream was found on a sound server

    def start(self) -> None:
        """Watch in a thread of its own (finding the stream may take a moment after the capture started)."""
        self._thread = threading.Thread(target=self._run, name="stream-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping = True
        events = self._events
        if events is not None:
            events.terminate()
        if self._thread is not None:
            self._thread.join(timeout=PACTL_TIMEOUT_S)

    def _run(self) -> None:
        """Find this process's stream, then re-check it on every server event about streams or inputs."""
        if shutil.which("pactl") is None:
            return
        try:   # subscribe first, so that no move between reading the state and listening is missed
            self._events = subprocess.Popen(["pactl", "subscribe"], stdout=subprocess.PIPE,
                                            stderr=subprocess.DEVNULL, text=True)
        except OSError:
            return
        try:
            deadline = time.monotonic() + FIND_STREAM_S
            while not self._streams and not self._stopping and time.monotonic() < deadline:
                self._streams = self._our_streams() or {}
                if not self._streams:
                    time.sleep(0.1)
            self.watching = bool(self._streams)
            if not self.watching:
                return
            self._names = self._source_names()
            for line in cast(IO[str], self._events.stdout):       # a pipe: Popen(stdout=PIPE)
                if self._stopping:
                    return
                if ("source-output" in line or "on source" in line) and self._check():
                    return
        finally:
            self._events.terminate()
            self._events.wait(timeout=PACTL_TIMEOUT_S)

    def _check(self) -> bool:
        """Call back if one of our streams now records another input; True if it did."""
        now = self._our_streams() or {}
        for stream, source in self._streams.items():
            if stream in now and now[stream] != source:
                names = {**self._names, **self._source_names()}
                self._on_moved(names.get(source, f"input #{source}"), names.get(now[stream], f"input #{now[stream]}"))
                return True
        return False

    def _our_streams(self) -> dict[int, int] | None:
        outputs = _pactl_json("list", "source-outputs")
        if outputs is None:
            return None
        return {o["index"]: o["source"] for o in outputs
                if o.get("properties", {}).get("application.process.id") == self._pid}

    def _source_names(self) -> dict[int, str]:
        return {s["index"]: s["name"] for s in _pactl_json("list", "short", "sources") or []}

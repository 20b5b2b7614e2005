"""Audio input for the live monitor: a sound device through sounddevice, or a file replayed in time.

Both are a ``pipeline.LiveSource``: they put the same items into ``out`` (anything
with ``put``): ``Block`` for audio, then exactly one ``End`` that says why the input
stopped. The device callback only copies the block and notes the time and any
overflow flag; all work happens in the worker.
sounddevice (and the PortAudio library under it) is imported only here, only
when a device is used, so analysis and replay work without it.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from talkbalance.config import require_supported_speakers
from talkbalance.core.engine import to_int16
from talkbalance.errors import DeviceError, InputError
from talkbalance.io.inputs import open_session
from talkbalance.io.validate import MAX_RATE_HZ, MIN_RATE_HZ
from talkbalance.live.server_watch import StreamMoveWatch
from talkbalance.pipeline import Block, End

BLOCK_S = 0.1             # seconds per block delivered to the queue
READ_BLOCKS = 25          # a replayed file is read this many blocks at a time
PORTAUDIO_HINT = ("install the PortAudio library (Debian/Ubuntu: sudo apt-get install libportaudio2; "
                  "macOS: brew install portaudio); file analysis and replays work without it")


def sounddevice():
    """Import sounddevice, or explain how to install what it needs."""
    try:
        import sounddevice as sd
    except ImportError:
        raise DeviceError(f"live capture needs the Python package sounddevice and PortAudio: pip install sounddevice, "
                        f"then {PORTAUDIO_HINT}.") from None
    except OSError:
        raise DeviceError(f"live capture cannot find the PortAudio library: {PORTAUDIO_HINT}.") from None
    return sd


@dataclass(frozen=True)
class Device:
    index: int
    name: str
    input_channels: int
    default_rate_hz: int
    is_default: bool


def input_devices() -> list[Device]:
    """Every device with at least one input channel."""
    sd = sounddevice()
    try:
        default = sd.default.device[0]
        if default is None or default < 0:
            default = sd.query_devices(kind="input")["index"]
    except sd.PortAudioError:
        default = -1
    return [Device(d["index"], d["name"], d["max_input_channels"], int(d["default_samplerate"]), d["index"] == default)
            for d in sd.query_devices() if d["max_input_channels"] > 0]


def device_table(devices: list[Device]) -> str:
    """The devices as an aligned text table."""
    if not devices:
        return "no input devices found (is a sound card or USB interface connected?)"
    rows = [f"{'*' if d.is_default else ' '} {d.index:>3}  {d.name:<40} {d.input_channels:>3} in  {d.default_rate_hz} Hz"
            for d in devices]
    return "  index  name" + " " * 37 + "channels  default rate\n" + "\n".join(rows) + "\n(* = default input)"


def choose_device(spec: str | None, channels: Sequence[int]) -> Device:
    """The input device named by ``spec`` (index, or part of its name); the default input when None.

    ``channels`` are the device inputs (counted from 1) of the people, in speaker order."""
    require_supported_speakers(len(channels), "`channels`", DeviceError)
    if min(channels) < 1 or len(set(channels)) != len(channels):
        raise DeviceError(f"`channels` {','.join(map(str, channels))}: give different channel numbers counted from 1, "
                          "one per person, e.g. `channels` 1,2.")
    devices = input_devices()
    listing = "\n" + device_table(devices)
    if spec is None:
        found = [d for d in devices if d.is_default]
        if not found:
            raise DeviceError("there is no default input device; pick one with `device` (run `talkbalance devices`)."
                            + listing)
    elif spec.strip().isdigit():
        found = [d for d in devices if d.index == int(spec)]
    else:
        exact = [d for d in devices if d.name.lower() == spec.lower()]
        found = exact or [d for d in devices if spec.lower() in d.name.lower()]
    if not found:
        raise DeviceError(f"no input device matches `device` {spec!r}; pass an index or part of a name from this list:"
                        + listing)
    if len(found) > 1:
        raise DeviceError(f"`device` {spec!r} matches {len(found)} devices; pass its index or a longer part of its name:"
                        + "\n" + device_table(found))
    device = found[0]
    need = max(channels)
    if device.input_channels < need:
        raise DeviceError(f"input device {device.index} ({device.name}) has {device.input_channels} input channel(s) "
                        f"but channels {','.join(map(str, channels))} were asked for; talkbalance needs one mic per "
                        f"person: pick a device with {need} inputs or change `channels`." + listing)
    return device


class DeviceInput:
    """Records the people's channels of a sound device into ``out`` as ``Block`` items."""

    def __init__(self, device: Device, channels: Sequence[int], rate_hz: int | None, out):
        self._sd = sd = sounddevice()
        self.device = device
        self.rate_hz = int(rate_hz or device.default_rate_hz)
        self._picks = [c - 1 for c in channels]
        self._out = out
        self._stopping = False
        n_channels = max(channels)
        try:
            sd.check_input_settings(device=device.index, channels=n_channels, dtype="int16", samplerate=self.rate_hz)
        except (sd.PortAudioError, ValueError) as exc:
            raise DeviceError(f"input device {device.index} ({device.name}) refuses {self.rate_hz} Hz with "
                            f"{n_channels} channels ({exc}); omit `rate_hz` to use its default "
                            f"{device.default_rate_hz} Hz.") from None
        if not MIN_RATE_HZ <= self.rate_hz <= MAX_RATE_HZ:
            raise DeviceError(f"`rate_hz` {self.rate_hz}: capture between {MIN_RATE_HZ} and {MAX_RATE_HZ} Hz (speech needs "
                            f"at least {MIN_RATE_HZ}); omit `rate_hz` to use the device's {device.default_rate_hz} Hz.")
        self._watch = StreamMoveWatch(self._moved)
        self._stream = sd.InputStream(device=device.index, channels=n_channels, samplerate=self.rate_hz,
                                      dtype="int16", blocksize=int(self.rate_hz * BLOCK_S),
                                      callback=self._callback, finished_callback=self._finished)

    def _callback(self, indata, frames, time_info, status) -> None:
        self._out.put(Block(indata[:, self._picks], time.monotonic(), bool(status.input_overflow)))

    def _finished(self) -> None:
        if not self._stopping:
            self._out.put(End(f"the input device ({self.device.name}) stopped delivering audio (unplugged or "
                              "taken away?); the session was ended there and everything captured was saved"))

    def _moved(self, old: str, new: str) -> None:
        """The sound server moved the stream to another input (the headset interface is gone)."""
        if not self._stopping:
            self._out.put(End(f"the sound server moved the recording from {old} to {new} (was the headset "
                              "interface unplugged?); the session was ended as soon as that was noticed, and "
                              "everything captured before was saved"))

    def start(self) -> None:
        try:
            self._stream.start()
        except self._sd.PortAudioError as exc:
            raise DeviceError(f"input device {self.device.index} ({self.device.name}) cannot start ({exc}); "
                            "is another program using it? Close it or pick another `device`.") from None
        self._watch.start()

    def stop(self) -> None:
        """Stop capturing; the ``End`` item follows the last block."""
        self._stopping = True
        self._watch.stop()
        self._stream.stop(ignore_errors=True)
        self._stream.close(ignore_errors=True)
        self._out.put(End())


class FileInput:
    """Replays a recording into ``out`` as ``Block`` items, paced at ``speed`` times real time."""

    def __init__(self, path: str, channels: Sequence[int] | None, speed: float, out):
        self._source = open_session([path], channels)
        self.info = self._source.info
        self.rate_hz = self.info.sample_rate_hz
        self._speed = speed
        self._out = out
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="replay", daemon=True)
        self.started_s = 0.0            # monotonic time the replay began

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop early; the ``End`` item follows the last block."""
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        """Like a device, deliver each block once its last sample is due; then ``End``."""
        sent, reason = 0, ""
        self.started_s = time.monotonic()
        size = max(1, int(self.rate_hz * BLOCK_S))
        try:
            for chunk in self._source.blocks(size * READ_BLOCKS):
                for block in np.split(chunk, range(size, len(chunk), size)):
                    sent += len(block)
                    due = self.started_s + sent / self.rate_hz / self._speed
                    if self._stop.wait(max(0.0, due - time.monotonic())):
                        return
                    self._out.put(Block(to_int16(block), time.monotonic()))
        except InputError as exc:
            reason = f"the replayed file could not be read to the end: {exc}"
        finally:
            self._source.close()
            self._out.put(End(reason))

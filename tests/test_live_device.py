"""``talkbalance live`` through real PortAudio, recording a virtual PulseAudio device.

A null sink is the "interface": ``paplay`` plays a known stereo file into it and
PortAudio's ``pulse`` device records the sink's monitor. No part of sounddevice
is mocked. The tests start a PulseAudio server of their own (own runtime folder,
socket and sink names, reached through ``PULSE_SERVER``), so a sound server that
is already running, with its own sinks and fallbacks, plays no part; they skip,
saying what to install, when PulseAudio is absent.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile as sf
import soxr
from conftest import DEMO, assert_user_error, cli

pytestmark = pytest.mark.realtime

SINK = f"talkbalance_test_{os.getpid()}"
FALLBACK = f"talkbalance_test_fallback_{os.getpid()}"
NULL_SINK = f"module-null-sink sink_name={SINK} channels=2 rate=16000"
FALLBACK_SINK = f"module-null-sink sink_name={FALLBACK} channels=2 rate=16000"
EXCERPT_S = (25.0, 45.0)          # of the demo: two interruptions, backchannels, gaps
LEAD_IN_S = 0.5                   # silence before the excerpt (see ``excerpt``)
TALK_TOLERANCE_S = 0.3            # PulseAudio resamples what it plays: talk time may differ by this much


def _pactl(*args) -> subprocess.CompletedProcess:
    return subprocess.run(["pactl", *args], capture_output=True, text=True, timeout=20)


def _sink_module(name: str = SINK) -> str | None:
    for line in _pactl("list", "short", "modules").stdout.splitlines():
        if f"sink_name={name} " in line + " ":
            return line.split()[0]
    return None


@pytest.fixture(scope="module")
def pulse(tmp_path_factory):
    """A PulseAudio server of the tests' own with the null sink ``SINK``, the default sink and source."""
    missing = [b for b in ("pulseaudio", "pactl", "paplay") if shutil.which(b) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not found: apt-get install -y libportaudio2 pulseaudio pulseaudio-utils "
                    "libasound2-plugins")
    runtime = tmp_path_factory.mktemp("pulse")
    socket = runtime / "native"
    env = pytest.MonkeyPatch()
    env.setenv("PULSE_RUNTIME_PATH", str(runtime))
    env.setenv("PULSE_STATE_PATH", str(runtime / "state"))
    env.setenv("PULSE_SERVER", f"unix:{socket}")       # paplay, pactl and PortAudio's ALSA bridge all use it
    subprocess.run(["pulseaudio", "--daemonize", "--exit-idle-time=-1", "-n",
                    f"--load=module-native-protocol-unix socket={socket}", f"--load={NULL_SINK}"],
                   check=True, timeout=30, capture_output=True)
    try:
        for _ in range(50):
            if _pactl("info").returncode == 0:
                break
            time.sleep(0.1)
        assert f"unix:{socket}" in _pactl("info").stdout
        _pactl("set-default-sink", SINK)
        _pactl("set-default-source", f"{SINK}.monitor")
        yield
    finally:
        _pactl("exit")
        env.undo()


@pytest.fixture(scope="module")
def excerpt(tmp_path_factory):
    """20 s of the demo session as 16 kHz stereo WAVs: (to play, after ``LEAD_IN_S`` of silence; the excerpt
    alone, for ``analyze``; the samples played).

    The lead-in is for PulseAudio, not talkbalance. The first ~0.1 s of each new
    playback never reaches the sink's monitor (our "microphone"): the sink rewinds
    to mix the new stream into audio it has already rendered, and the monitor does
    not see the rewound part. Observed here: the loss is the same when playback
    starts 1 s after recording, and grows with the reader's buffer (none visible
    with 40 ms blocks, ~90 ms with 100 ms blocks). A real microphone has no rewinds.
    """
    audio, rate = sf.read(DEMO / "practice_session.flac", dtype="int16")
    clip = audio[int(EXCERPT_S[0] * rate):int(EXCERPT_S[1] * rate)]
    played = np.concatenate((np.zeros((int(LEAD_IN_S * rate), 2), np.int16), clip))
    folder = tmp_path_factory.mktemp("excerpt")
    sf.write(folder / "played.wav", played, rate, subtype="PCM_16")
    sf.write(folder / "excerpt.wav", clip, rate, subtype="PCM_16")
    return folder / "played.wav", folder / "excerpt.wav", played


def _live(out, *args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "talkbalance", "live", "--device", "pulse", "--no-plot",
                             "--out", str(out), *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_recording(out, timeout_s=20):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if sf.info(str(out / "audio.wav")).frames > 0:
                return
        except (RuntimeError, OSError):
            pass
        time.sleep(0.05)
    raise AssertionError("the live session did not start recording")


def _paplay(path) -> subprocess.Popen:
    return subprocess.Popen(["paplay", f"--device={SINK}", str(path)])


def _align(recorded: np.ndarray, played: np.ndarray) -> int:
    """Offset (samples) of ``played`` inside ``recorded``, by cross-correlation of the summed channels."""
    a, b = recorded.sum(axis=1).astype(np.float64), played.sum(axis=1).astype(np.float64)
    n = 1 << int(np.ceil(np.log2(len(a) + len(b))))
    xc = np.fft.irfft(np.fft.rfft(a, n) * np.conj(np.fft.rfft(b, n)), n)
    return int(np.argmax(xc[:len(a)]))


def test_devices_lists_the_pulse_input(pulse):
    proc = cli("devices")
    assert proc.returncode == 0, proc.stderr
    assert any(" pulse " in line and "in" in line for line in proc.stdout.splitlines()), proc.stdout


def test_live_recording_matches_what_was_played_and_analyze(pulse, excerpt, tmp_path):
    to_play, clip_path, samples = excerpt
    out = tmp_path / "session"
    live = _live(out, "--duration", 24, "--speakers", "trainee,client", "--trainee", "trainee")
    _wait_recording(out)
    player = _paplay(to_play)
    assert player.wait(timeout=60) == 0
    stdout, stderr = live.communicate(timeout=60)
    assert live.returncode == 0, stderr

    # audio.wav holds what was played, channel for channel
    recorded, rate = sf.read(out / "audio.wav", dtype="float32")
    at16k = soxr.resample(recorded, rate, 16000)
    played = samples.astype(np.float32) / 32768
    offset = _align(at16k, played)
    assert offset + len(played) <= len(at16k) + 160, "the recording stopped before the file ended"
    part = at16k[offset:offset + len(played)]
    for ch in (0, 1):
        n = min(len(part), len(played))
        corr = np.corrcoef(part[:n, ch], played[:n, ch])[0, 1]
        assert corr > 0.99, (ch, corr)

    # the live figures are those of analysing the excerpt, shifted by when it began playing, from its start
    offline_dir = tmp_path / "offline"
    assert cli("analyze", clip_path, "--speakers", "trainee,client", "--trainee", "trainee", "--out", offline_dir,
               "--quiet").returncode == 0
    shift_s = offset / 16000 + LEAD_IN_S
    live_summary = json.loads((out / "summary.json").read_text())
    for name in ("trainee", "client"):
        assert _talk_s(out / "activity.rttm", name, shift_s) == pytest.approx(
            _talk_s(offline_dir / "activity.rttm", name, 0.0), abs=TALK_TOLERANCE_S)
    live_events = [(k, st - shift_s, sp, oc) for k, st, sp, oc in _rows(out / "events.csv")]
    offline_events = _rows(offline_dir / "events.csv")
    assert {e[0] for e in offline_events} >= {"interruption"}
    for mine, theirs in ((offline_events, live_events), (live_events, offline_events)):
        for kind, start, speaker, outcome in mine:
            assert any((k, sp, oc) == (kind, speaker, outcome) and abs(st - start) <= 0.05
                       for k, st, sp, oc in theirs), (kind, start, speaker, outcome)
    assert live_summary["quality"]["dropped_blocks"] == 0


def _talk_s(rttm, name: str, shift_s: float) -> float:
    """``name``'s talk time (s) in the excerpt, from an RTTM whose excerpt starts at ``shift_s``."""
    total = 0.0
    for line in rttm.read_text().splitlines():
        f = line.split()
        if f[7] == name:
            start, end = float(f[3]) - shift_s, float(f[3]) + float(f[4]) - shift_s
            total += max(0.0, end - max(start, 0.0))
    return total


def _rows(path):
    import csv

    with open(path, newline="") as f:
        return [(r["kind"], float(r["start_s"]), r["speaker"], r["outcome"]) for r in csv.DictReader(f)
                if r["kind"] not in ("pause", "gap")]


def test_device_that_disappears_ends_the_session_cleanly(pulse, excerpt, tmp_path):
    to_play = excerpt[0]
    out = tmp_path / "session"
    live = _live(out, "--duration", 30)
    _wait_recording(out)
    player = _paplay(to_play)
    time.sleep(3)
    try:
        assert _pactl("unload-module", _sink_module()).returncode == 0
        stdout, stderr = live.communicate(timeout=20)        # ends by itself, long before --duration
    finally:
        player.kill()
        player.wait()
        _pactl("load-module", *NULL_SINK.split())
        _pactl("set-default-source", f"{SINK}.monitor")
    assert live.returncode == 0, stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["complete"] is True
    assert any("stopped delivering audio" in w for w in summary["quality"]["warnings"])
    recorded, rate = sf.read(out / "audio.wav", dtype="int16")
    assert 2.0 < len(recorded) / rate < 10
    assert summary["source"]["duration_s"] == pytest.approx(len(recorded) / rate, abs=1e-3)
    assert (out / "report.png").exists()


def test_stream_moved_to_another_input_ends_the_session(pulse, excerpt, tmp_path):
    """What a desktop does when a USB headset is unplugged: the sound server moves the recording to the next
    input (here a second sink's monitor) instead of ending it. The session must end there, with a warning."""
    assert _pactl("load-module", *FALLBACK_SINK.split()).returncode == 0
    to_play = excerpt[0]
    out = tmp_path / "session"
    live = _live(out, "--duration", 30)
    try:
        _wait_recording(out)
        player = _paplay(to_play)
        time.sleep(3)
        assert _pactl("unload-module", _sink_module()).returncode == 0
        moved_at = time.monotonic()
        stdout, stderr = live.communicate(timeout=20)        # ends by itself, long before --duration
        ended_after_s = time.monotonic() - moved_at
    finally:
        live.kill()
        player.kill()
        player.wait()
        _pactl("load-module", *NULL_SINK.split())
        _pactl("set-default-source", f"{SINK}.monitor")
        _pactl("unload-module", _sink_module(FALLBACK))
    assert live.returncode == 0, stderr
    assert ended_after_s < 5, ended_after_s
    summary = json.loads((out / "summary.json").read_text())
    assert summary["complete"] is True
    warning = next(w for w in summary["quality"]["warnings"] if "moved the recording" in w)
    assert f"from {SINK}.monitor to {FALLBACK}.monitor" in warning
    recorded, rate = sf.read(out / "audio.wav", dtype="int16")
    assert 2.0 < len(recorded) / rate < 10


def test_stalled_process_loses_input_and_it_is_recorded(pulse, excerpt, tmp_path):
    # PulseAudio buffers a few MB for a reader; at 8 channels x 96 kHz that is 4-5 s (seen here), so an 8 s
    # stall of the whole process (as on an overloaded machine) loses 3-4 s of input, without any overflow flag.
    to_play = excerpt[0]
    out = tmp_path / "session"
    session_s, stall_s, buffer_max_s = 16, 8, 6
    live = _live(out, "--duration", session_s, "--rate", 96000, "--channels", "1,8")
    _wait_recording(out)
    player = _paplay(to_play)
    time.sleep(3)
    live.send_signal(signal.SIGSTOP)
    time.sleep(stall_s)
    live.send_signal(signal.SIGCONT)
    stdout, stderr = live.communicate(timeout=40)
    player.kill()
    player.wait()
    assert live.returncode == 0, stderr
    quality = json.loads((out / "summary.json").read_text())["quality"]
    recorded, rate = sf.read(out / "audio.wav", dtype="int16")
    assert quality["dropped_blocks"] == 1
    assert 2.0 <= quality["dropped_block_times_s"][0] <= 4.5
    lost_s = float(re.search(r"about ([0-9.]+) s of input was lost", " ".join(quality["warnings"])).group(1))
    assert stall_s - buffer_max_s <= lost_s <= stall_s
    # received + lost cannot exceed the session (nothing invented); what is missing beyond that was
    # still in PulseAudio's buffer when the session stopped
    assert session_s - buffer_max_s <= len(recorded) / rate + lost_s <= session_s + 0.3


def test_bad_device_arguments(pulse, tmp_path):
    out = tmp_path / "s"
    assert_user_error(cli("live", "--device", "no-such-device", "--no-plot", "--out", out),
                      "no input device matches --device 'no-such-device'", " pulse ", extra_lines=True)
    assert_user_error(cli("live", "--device", "99", "--no-plot", "--out", out), "--device '99'", extra_lines=True)
    assert_user_error(cli("live", "--device", "pulse", "--channels", "1,40", "--no-plot", "--out", out),
                      "input channel(s) but channels 1,40", extra_lines=True)
    assert_user_error(cli("live", "--device", "pulse", "--rate", "1234567", "--no-plot", "--out", out),
                      "refuses 1234567 Hz", "omit --rate")
    assert_user_error(cli("live", "--device", "pulse", "--rate", "4000", "--no-plot", "--out", out),
                      "--rate 4000", "at least 8000")
    assert not (out / "audio.wav").exists()

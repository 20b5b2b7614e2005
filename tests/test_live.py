"""``talkbalance live --replay`` and ``recover``: the live path end to end, without a sound device.

Replay drives the same queue, worker, writers and display as a device does, so
these tests cover the session folder, its crash safety and the final figures.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime

import numpy as np
import pytest
import soundfile as sf
from conftest import DEMO, ROOT, assert_user_error, cli

PEER = ROOT / "configs" / "peer-support.toml"
DEMO_FILE = DEMO / "practice_session.flac"


def _figures(summary: dict) -> dict:
    """What must agree between a live session and ``analyze`` of its recording."""
    return {k: summary[k] for k in ("speakers", "session", "coaching", "config")}


def _events(path) -> list[list[str]]:
    with open(path, newline="") as f:
        return list(csv.reader(f))


@pytest.fixture(scope="module")
def demo_audio():
    return sf.read(DEMO_FILE, dtype="int16")[0]


@pytest.fixture(scope="module")
def demo_analysis(tmp_path_factory):
    out = tmp_path_factory.mktemp("analysis")
    proc = cli("analyze", DEMO_FILE, "--config", PEER, "--out", out, "--quiet")
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="module")
def replay_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("live") / "session"
    proc = cli("live", "--replay", DEMO_FILE, "--speed", 40, "--no-plot", "--config", PEER, "--out", out)
    assert proc.returncode == 0, proc.stderr
    return out, proc


@pytest.mark.realtime
def test_replay_writes_the_session_folder(replay_run, demo_audio):
    out, proc = replay_run
    for name in ("audio.wav", "summary.json", "events.csv", "activity.rttm", "labels.txt", "report.png", "report.html"):
        assert (out / name).stat().st_size > 0, name
    assert '<audio id="audio" controls preload="auto" src="audio.wav">' in (out / "report.html").read_text()  # not the replayed file
    recorded, rate = sf.read(out / "audio.wav", dtype="int16")
    assert rate == 16000 and np.array_equal(recorded, demo_audio)     # every sample, in order
    summary = json.loads((out / "summary.json").read_text())
    assert summary["complete"] is True and summary["quality"]["dropped_blocks"] == 0
    assert summary["source"]["duration_s"] == pytest.approx(len(demo_audio) / 16000, abs=1e-3)
    started = datetime.fromisoformat(summary["source"]["recorded_at"])        # the capture start, with its offset
    assert started.utcoffset() is not None and 0 < time.time() - started.timestamp() < 600
    assert "Session saved in" in proc.stdout and "[NOT met] avoid interruptions" in proc.stdout


@pytest.mark.realtime
def test_replay_gives_the_figures_of_analyze(replay_run, demo_analysis):
    out, _ = replay_run
    live = json.loads((out / "summary.json").read_text())
    offline = json.loads((demo_analysis / "summary.json").read_text())
    assert _figures(live) == _figures(offline)
    assert _events(out / "events.csv") == _events(demo_analysis / "events.csv")


def test_replay_does_not_need_sounddevice(tmp_path):
    code = ("import sys; from talkbalance.cli.main import main; "
            f"rc = main(['live', '--replay', {str(DEMO_FILE)!r}, '--speed', '200', '--no-plot', '--duration', '2', "
            f"'--out', {str(tmp_path / 's')!r}]); "
            "assert rc == 0 and 'sounddevice' not in sys.modules, sorted(m for m in sys.modules if 'sound' in m)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def _start_replay(out, speed):
    """The live monitor as a person at a terminal starts it: Ctrl-C (SIGINT) in its default state, even when
    this suite runs as a background job, whose shell would have it ignored."""
    return subprocess.Popen([sys.executable, "-m", "talkbalance", "live", "--replay", str(DEMO_FILE), "--speed",
                             str(speed), "--no-plot", "--config", str(PEER), "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _wait_for_audio(out, seconds, rate=16000, timeout_s=60):
    """Wait until audio.wav holds ``seconds`` of audio and an interim summary exists."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if sf.info(str(out / "audio.wav")).frames >= seconds * rate and (out / "summary.json").exists():
                return
        except (RuntimeError, OSError):
            pass
        time.sleep(0.1)
    raise AssertionError("the live session did not get going")


@pytest.mark.realtime
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_or_ctrl_c_finalises_the_session(tmp_path, sig, demo_audio):
    out = tmp_path / "s"
    proc = _start_replay(out, speed=4)
    _wait_for_audio(out, 30)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    summary = json.loads((out / "summary.json").read_text())
    recorded = sf.read(out / "audio.wav", dtype="int16")[0]
    assert summary["complete"] is True
    assert 30 <= len(recorded) / 16000 < len(demo_audio) / 16000 - 5       # stopped early, mid-session
    assert summary["source"]["duration_s"] == pytest.approx(len(recorded) / 16000, abs=1e-3)
    assert np.array_equal(recorded, demo_audio[:len(recorded)])
    assert (out / "report.png").stat().st_size > 0
    # the final files are those of analysing what was recorded
    again = tmp_path / "again"
    assert cli("analyze", out / "audio.wav", "--config", PEER, "--out", again, "--quiet").returncode == 0
    assert _figures(summary) == _figures(json.loads((again / "summary.json").read_text()))
    assert _events(out / "events.csv") == _events(again / "events.csv")


@pytest.mark.realtime
def test_sigkill_leaves_readable_audio_and_events_and_recover_completes(tmp_path, demo_audio, demo_analysis):
    out = tmp_path / "s"
    proc = _start_replay(out, speed=4)
    _wait_for_audio(out, 40)
    proc.kill()
    proc.wait(timeout=30)
    interim = json.loads((out / "summary.json").read_text())
    assert interim["complete"] is False and interim["source"]["duration_s"] > 15
    recorded = sf.read(out / "audio.wav", dtype="int16")[0]
    assert len(recorded) >= 40 * 16000 - 320                   # at most one block behind what we saw
    assert np.array_equal(recorded, demo_audio[:len(recorded)])
    rows = _events(out / "events.csv")
    full = _events(demo_analysis / "events.csv")
    assert rows[0] == full[0] and len(rows) > 10
    assert rows == full[:len(rows)]            # the events so far are exactly the settled ones

    proc = cli("recover", out)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["complete"] is True
    assert any("recovered with `talkbalance recover`" in w for w in summary["quality"]["warnings"])
    assert summary["config"] == interim["config"]              # the session's own settings
    assert summary["source"]["recorded_at"] == interim["source"]["recorded_at"] is not None    # the capture start
    assert summary["speakers"][0]["role"] == "trainee"
    assert (out / "report.png").exists() and (out / "activity.rttm").exists()
    assert _events(out / "events.csv")[:len(rows)] == rows


@pytest.mark.realtime
def test_full_disk_is_a_clear_error_and_what_was_written_stays_readable(tmp_path, demo_audio):
    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("a full disk is simulated with a 1 MB tmpfs, which needs root (mount)")
    try:
        out = mount / "s"
        proc = cli("live", "--replay", DEMO_FILE, "--speed", 50, "--no-plot", "--out", out, timeout=120)
        assert_user_error(proc, str(out), "No space left on device", "free some disk space")
        recorded = sf.read(out / "audio.wav", dtype="int16")[0]
        assert len(recorded) > 5 * 16000
        assert np.array_equal(recorded, demo_audio[:len(recorded)])
        assert _events(out / "events.csv")[0][:6] == ["kind", "start_s", "end_s", "speaker", "other", "outcome"]
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_recover_a_folder_without_audio(tmp_path):
    assert_user_error(cli("recover", tmp_path), str(tmp_path), "no audio.wav")


@pytest.mark.parametrize("args,phrases", [
    (["--speed", "2"], ["--speed only applies to --replay"]),
    (["--replay", str(DEMO_FILE), "--device", "pulse"], ["leave out --device"]),
    (["--replay", "missing.wav"], ["missing.wav"]),
    (["--replay", str(DEMO_FILE), "--trainee", "nobody"], ["--trainee 'nobody'"]),
    (["--channels", "1,1"], ["different channel numbers", "one per person"]),
])
def test_bad_live_arguments(tmp_path, args, phrases):
    assert_user_error(cli("live", "--no-plot", "--out", tmp_path / "s", *args), *phrases)


@pytest.mark.realtime
def test_plot_window_under_xvfb(tmp_path):
    if shutil.which("xvfb-run") is None:
        pytest.skip("xvfb-run not found: apt-get install -y xvfb")
    out = tmp_path / "s"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "MPLBACKEND")}
    proc = subprocess.run(["xvfb-run", "-a", sys.executable, "-m", "talkbalance", "live", "--replay", str(DEMO_FILE),
                           "--speed", "10", "--duration", "4", "--config", str(PEER), "--out", str(out)],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "no display" not in proc.stdout
    assert json.loads((out / "summary.json").read_text())["source"]["duration_s"] > 20


@pytest.mark.realtime
def test_no_display_falls_back_to_the_status_line(tmp_path):
    out = tmp_path / "s"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "MPLBACKEND")}
    proc = subprocess.run([sys.executable, "-m", "talkbalance", "live", "--replay", str(DEMO_FILE), "--speed", "20",
                           "--duration", "2", "--out", str(out)], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "no display for the plot window; showing a status line instead" in proc.stdout
    assert "interruptions made A→B" in proc.stdout                  # the status line itself


def test_missing_sounddevice_says_how_to_install_it(tmp_path):
    # sounddevice made unimportable, as on a machine without it; analysis and replay never need it
    code = ("import sys; sys.modules['sounddevice'] = None; from talkbalance.cli.main import main; "
            "sys.exit(main(['devices']))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert_user_error(proc, "pip install sounddevice", "libportaudio2", "work without it")


@pytest.mark.realtime
def test_one_signal_on_both_channels_ends_the_session(tmp_path, demo_audio):
    """The interface is unplugged and the system's own mono mic now feeds both channels: the session ends."""
    rate = 16000
    two_mics = demo_audio[:10 * rate]
    one_mic = np.repeat(demo_audio[10 * rate:20 * rate, :1], 2, axis=1)
    sf.write(tmp_path / "switched.wav", np.concatenate((two_mics, one_mic)), rate, subtype="PCM_16")
    out = tmp_path / "s"
    proc = cli("live", "--replay", tmp_path / "switched.wav", "--speed", 10, "--no-plot", "--out", out)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    warning = next(w for w in summary["quality"]["warnings"] if "both channels carried the very same signal" in w)
    assert "from 10.0 s" in warning
    assert 11.0 <= summary["source"]["duration_s"] < 13.0                 # ended about 1 s after the switch


@pytest.mark.realtime
def test_an_earlier_session_folder_is_replaced_for_a_replay_and_kept_for_a_device(tmp_path, demo_audio):
    from talkbalance.errors import OutputError
    from talkbalance.live.monitor import clear_session_dir

    sf.write(tmp_path / "short.wav", demo_audio[:16000 * 6], 16000, subtype="PCM_16")
    out = tmp_path / "s"
    first = cli("live", "--replay", tmp_path / "short.wav", "--speed", 20, "--no-plot", "--out", out)
    assert first.returncode == 0 and "earlier session" not in first.stderr
    (out / "report.png").write_bytes(b"from the first run")
    second = cli("live", "--replay", tmp_path / "short.wav", "--speed", 20, "--no-plot", "--out", out)
    assert second.returncode == 0, second.stderr
    assert f"{out}/ held an earlier session's files; they were removed." in second.stderr
    assert (out / "report.png").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(OutputError, match="already holds a recorded session"):   # a device recording is never lost
        clear_session_dir(out, replay=False)
    assert (out / "audio.wav").exists() and (out / "summary.json").exists()

"""Every command the README shows runs as written (those that need no sound card), so it cannot drift.

The shell blocks of README.md are read line by line. Each command is run in a
scratch folder holding the files the examples name (made from the demo session),
and must exit 0 without a traceback. Commands that need a sound device are
recognised and left out, ``make`` targets are checked to exist (``make -n``), the suite's own command is
collected (not run: it would recurse), and the benchmarks run from the checkout:
running them here would set up the machine or run this suite. A command the test
cannot place fails it, so a new README example must be runnable or skipped on purpose.
"""
from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import soundfile as sf
from conftest import DEMO, ROOT, encode_with_pyav

EXCERPT_S = 20                # of the demo session, for the examples' session.wav


def readme_commands() -> list[str]:
    """The command lines of the README's ```sh blocks, comments removed."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            command = line.split(" #", 1)[0].strip()
            if command and not command.startswith("#"):
                commands.append(command)
    return commands


def needs_a_sound_card(words: list[str]) -> bool:
    """``devices``, and ``live`` from a device (not ``--replay``)."""
    command = words[1] if len(words) > 1 else ""
    return command == "devices" or (command == "live" and "--replay" not in words)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """A folder with the files the README's examples name, made from the demo session."""
    folder = tmp_path_factory.mktemp("readme")
    audio, rate = sf.read(DEMO / "practice_session.flac", dtype="int16", frames=16000 * EXCERPT_S)
    sf.write(folder / "session.wav", audio, rate)
    sf.write(folder / "trainee.flac", audio[:, 0], rate)
    sf.write(folder / "client.flac", audio[:, 1], rate)
    for k, name in enumerate(("trainee.m4a", "client.m4a")):       # Zoom's file per participant
        encode_with_pyav(folder / name, audio[:, k:k + 1].astype(np.float32) / 32768, rate, "ipod", "aac", rate)
    silent = np.zeros(len(audio), np.int16)
    sf.write(folder / "zoom.wav", np.stack([silent, silent, audio[:, 0], audio[:, 1]], axis=1), rate)
    shutil.copytree(ROOT / "configs", folder / "configs")
    for week in ("week1", "week2"):                      # the corpus of the batch examples
        (folder / "corpus" / week).mkdir(parents=True)
        sf.write(folder / "corpus" / week / "s00.wav", audio[: rate * 10], rate)
    manifest = re.search(r"```csv\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), flags=re.S)
    assert manifest, "the README shows no manifest"
    (folder / "sessions.csv").write_text(textwrap.dedent(manifest.group(1)), encoding="utf-8")
    crashed = folder / "recordings" / "2026-11-25T14-03-12_practice"
    crashed.mkdir(parents=True)
    sf.write(crashed / "audio.wav", audio, rate, subtype="PCM_16")
    return folder


def test_the_readme_shows_commands():
    commands = readme_commands()
    assert any(c.startswith("make demo") for c in commands) and any(c.startswith("make test") for c in commands)
    assert sum(" analyze " in f" {c} " for c in commands) >= 4


@pytest.mark.parametrize("command", readme_commands())
def test_readme_command_runs_as_written(command, scratch):
    words = shlex.split(command)
    if words[0] == "make":
        proc = subprocess.run(["make", "-n", *words[1:]], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        return
    cwd = scratch
    if words[0] == ".venv/bin/talkbalance":
        words[:1] = [sys.executable, "-m", "talkbalance"]
    elif words[:2] == [".venv/bin/python", "-m"] and words[2] == "talkbalance":
        words[:1] = [sys.executable]
    elif words[:3] == [".venv/bin/python", "-m", "pytest"]:
        # this very suite: collected as written (running it here would recurse), the realtime tests left out
        proc = subprocess.run([sys.executable, *words[1:], "--collect-only"], cwd=ROOT, capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert re.search(r"\d+/\d+ tests collected \(\d+ deselected\)", proc.stdout), proc.stdout[-500:]
        return
    elif words[:2] == [".venv/bin/python", "-m"] and words[2].split(".")[0] == "benchmarks":
        words[:1] = [sys.executable]
        cwd = ROOT                    # the benchmarks run from the checkout
    else:
        pytest.fail(f"the README shows a command this test cannot run: {command}")
    if needs_a_sound_card(words[2:]):
        pytest.skip("needs a sound card (test_live_device.py covers live capture)")
    proc = subprocess.run(words, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr


def readme_python() -> list[str]:
    """The README's ```python blocks."""
    return re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), flags=re.S)


def test_readme_python_example_runs_as_written(scratch):
    """The API example: it runs, prints the speakers and the error, and writes what `analyze` writes."""
    blocks = readme_python()
    assert blocks, "the README shows no Python example"
    for code in blocks:
        proc = subprocess.run([sys.executable, "-c", code], cwd=scratch, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        assert "Traceback" not in proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("maya trainee ") and lines[1].startswith("sam client ")
    assert "missing.wav: file not found" in lines[-1]
    assert {p.name for p in (scratch / "session_results").iterdir()} >= {
        "summary.json", "events.csv", "activity.rttm", "labels.txt", "report.png"}

"""``talkbalance analyze`` end to end: output files, golden demo results, and every bad input."""
from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import DEMO, ROOT, assert_user_error, cli, shared_data

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    proc = cli("analyze", DEMO / "practice_session.flac", "--config", ROOT / "configs" / "peer-support.toml",
               "--out", out)
    assert proc.returncode == 0, proc.stderr
    return out, proc


def test_demo_writes_every_output_file(demo_run):
    out, proc = demo_run
    for name in ("summary.json", "events.csv", "activity.rttm", "labels.txt", "report.png", "report.html"):
        assert (out / name).stat().st_size > 0, name
    assert "talk share" in proc.stdout and "[NOT met] avoid interruptions" in proc.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["schema_version"] == 1
    assert summary["source"]["sample_rate"] == 16000 and summary["source"]["channels"] == 2
    assert summary["config"]["talkspurts"]["min_pause_s"] == 0.2
    assert [s["name"] for s in summary["speakers"]] == ["trainee", "client"]
    assert sum(s["talk_share"] for s in summary["speakers"]) == pytest.approx(1.0, abs=1e-3)
    with open(out / "events.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][:6] == ["kind", "start_s", "end_s", "speaker", "other", "outcome"]
    starts = [float(r[1]) for r in rows[1:]]
    assert starts == sorted(starts)
    for line in (out / "activity.rttm").read_text().splitlines():
        f = line.split()
        assert f[0] == "SPEAKER" and f[1] == "practice_session" and f[7] in ("trainee", "client") and len(f) == 10
    for line in (out / "labels.txt").read_text().splitlines():
        start, end, text = line.split("\t")
        assert float(start) <= float(end) and text


def test_demo_finds_the_scripted_events(demo_run):
    """Every interruption the demo script placed is found with the right interrupter, within 0.5 s."""
    out, _ = demo_run
    with open(DEMO / "reference_events.csv", newline="") as f:
        reference = [r for r in csv.DictReader(f) if r["kind"] == "interruption"]
    with open(out / "events.csv", newline="") as f:
        found = [r for r in csv.DictReader(f) if r["kind"] == "interruption"]
    assert reference
    for ref in reference:
        assert any(r["speaker"] == ref["speaker"] and r["outcome"] == ref["outcome"]
                   and abs(float(r["start_s"]) - float(ref["start_s"])) <= 0.5 for r in found), ref


def test_demo_matches_golden_outputs(demo_run):
    """The demo's events and summary figures stay exactly as reviewed (tests/golden, see README)."""
    out, _ = demo_run
    summary = json.loads((out / "summary.json").read_text())
    figures = {k: summary[k] for k in ("speakers", "session", "coaching")}
    if os.environ.get("TALKBALANCE_UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        (GOLDEN / "demo_figures.json").write_text(json.dumps(figures, indent=2) + "\n")
        (GOLDEN / "demo_events.csv").write_text((out / "events.csv").read_text())
    assert (out / "events.csv").read_text() == (GOLDEN / "demo_events.csv").read_text()
    assert figures == json.loads((GOLDEN / "demo_figures.json").read_text())


def test_two_mono_files_equal_one_stereo_file(tmp_path):
    stereo, sr = sf.read(DEMO / "practice_session.flac", dtype="int16", frames=16000 * 30)
    sf.write(tmp_path / "stereo.wav", stereo, sr)
    sf.write(tmp_path / "trainee.wav", stereo[:, 0], sr)
    sf.write(tmp_path / "client.flac", stereo[:, 1], sr)
    assert cli("analyze", tmp_path / "stereo.wav", "--out", tmp_path / "a", "--quiet").returncode == 0
    assert cli("analyze", tmp_path / "trainee.wav", tmp_path / "client.flac", "--speakers", "A,B",
               "--out", tmp_path / "b", "--quiet").returncode == 0
    assert (tmp_path / "a" / "events.csv").read_text() == (tmp_path / "b" / "events.csv").read_text()


def test_speakers_trainee_and_channel_pick(tmp_path):
    stereo, sr = sf.read(DEMO / "practice_session.flac", dtype="int16", frames=16000 * 20)
    quad = np.stack([np.zeros(len(stereo), np.int16), stereo[:, 1], np.zeros(len(stereo), np.int16), stereo[:, 0]], 1)
    sf.write(tmp_path / "quad.wav", quad, sr)
    proc = cli("analyze", tmp_path / "quad.wav", "--channels", "4,2", "--speakers", "maya,sam", "--trainee", "maya",
               "--out", tmp_path / "o", "--quiet")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert [(s["name"], s["role"]) for s in summary["speakers"]] == [("maya", "trainee"), ("sam", "client")]
    assert summary["coaching"] and summary["speakers"][0]["talk_time_s"] > 1


@pytest.fixture
def wav(tmp_path):
    def make(name, data, rate=16000, subtype=None):
        path = tmp_path / name
        sf.write(path, data, rate, subtype=subtype)
        return path
    return make


def speechlike(seconds=3.0, rate=16000):
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * 180 * t) * (np.sin(2 * np.pi * 3 * t) > 0)).astype(np.float32)


def test_missing_file(tmp_path):
    assert_user_error(cli("analyze", tmp_path / "nope.wav", "--out", tmp_path / "o"), "nope.wav", "not found")


def test_not_audio(tmp_path):
    (tmp_path / "notes.wav").write_text("this is not audio\n" * 20)
    assert_user_error(cli("analyze", tmp_path / "notes.wav", "--out", tmp_path / "o"), "notes.wav",
                      "not a readable audio file")


def test_empty_file(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    assert_user_error(cli("analyze", tmp_path / "empty.wav", "--out", tmp_path / "o"), "empty.wav", "empty")


def test_header_only_file(wav, tmp_path):
    path = wav("header.wav", np.zeros((0, 2), np.int16))
    assert_user_error(cli("analyze", path, "--out", tmp_path / "o"), "header.wav", "no audio samples")


def test_truncated_flac(wav, tmp_path):
    rng = np.random.default_rng(0)
    path = wav("cut.flac", (rng.normal(0, 0.1, (16000 * 4, 2))).astype(np.float32), subtype="PCM_16")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert_user_error(cli("analyze", path, "--out", tmp_path / "o"), "cut.flac", "truncated")


def test_truncated_wav_is_analysed_with_a_warning(wav, tmp_path):
    path = wav("cut.wav", np.stack([speechlike(4), speechlike(4)], 1), subtype="PCM_16")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    proc = cli("analyze", path, "--out", tmp_path / "o", "--quiet")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert any("truncated" in w for w in summary["quality"]["warnings"])
    assert summary["source"]["duration_s"] == pytest.approx(2.0, abs=0.01)


def test_mono_alone_says_how_to_pass_two_people(wav, tmp_path):
    path = wav("solo.wav", speechlike())
    assert_user_error(cli("analyze", path, "--out", tmp_path / "o"), "solo.wav", "two", "--channels")


def test_two_mono_files_of_different_rates_and_lengths(wav, tmp_path):
    a = wav("a.wav", speechlike(4.0, 16000), 16000)
    b = wav("b.wav", speechlike(3.0, 8000), 8000)
    proc = cli("analyze", a, b, "--out", tmp_path / "o")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    warnings = " ".join(summary["quality"]["warnings"])
    assert "resampled" in warnings and "common" in warnings
    assert summary["source"]["duration_s"] == pytest.approx(3.0, abs=0.01)
    assert "resampled" in proc.stdout


def test_nan_samples(wav, tmp_path):
    data = np.stack([speechlike(), speechlike()], 1)
    data[24000, 1] = np.nan
    path = wav("nan.wav", data, subtype="FLOAT")
    assert_user_error(cli("analyze", path, "--out", tmp_path / "o"), "nan.wav", "1.50 s")


def test_silent_channel_and_clipping_are_warnings(wav, tmp_path):
    loud = np.clip(speechlike() * 10, -1, 1)
    path = wav("unplugged.wav", np.stack([loud, np.zeros_like(loud)], 1), subtype="PCM_16")
    proc = cli("analyze", path, "--out", tmp_path / "o")
    assert proc.returncode == 0, proc.stderr
    assert "silent" in proc.stdout and "clips" in proc.stdout
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["quality"]["silent_channels"] == ["B"]
    assert summary["quality"]["clipped_share"]["A"] > 0.1


def test_bad_config_key_and_value(tmp_path, wav):
    path = wav("ok.wav", np.stack([speechlike(), speechlike()], 1))
    (tmp_path / "typo.toml").write_text("[talkspurts]\nmin_pase_s = 0.3\n")
    assert_user_error(cli("analyze", path, "--config", tmp_path / "typo.toml", "--out", tmp_path / "o"),
                      "typo.toml", "talkspurts.min_pase_s")
    (tmp_path / "bad.toml").write_text("[overlaps]\nbackchannel_max_s = -1\n")
    assert_user_error(cli("analyze", path, "--config", tmp_path / "bad.toml", "--out", tmp_path / "o"),
                      "bad.toml", "overlaps.backchannel_max_s")
    (tmp_path / "frame.toml").write_text("[vad]\nframe_ms = 15\n")
    assert_user_error(cli("analyze", path, "--config", tmp_path / "frame.toml", "--out", tmp_path / "o"),
                      "vad.frame_ms", "10, 20, 30")


def test_bad_arguments(tmp_path, wav):
    path = wav("ok.wav", np.stack([speechlike(), speechlike()], 1))
    assert_user_error(cli("analyze", path, "--trainee", "bob", "--out", tmp_path / "o"), "bob", "A, B")
    assert_user_error(cli("analyze", path, "--speakers", "solo", "--out", tmp_path / "o"), "--speakers")
    assert_user_error(cli("analyze", path, "--channels", "1,5", "--out", tmp_path / "o"), "ok.wav", "out of range")
    assert_user_error(cli("analyze", path, path, path, "--out", tmp_path / "o"), "3 paths", "exactly 2 people")


def test_default_config_file_mirrors_builtin_defaults():
    from talkbalance.config import Config, load_config
    assert load_config(ROOT / "configs" / "default.toml") == Config()
    peer = load_config(ROOT / "configs" / "peer-support.toml")
    assert peer.speakers.roles == ("trainee", "client")


def test_real_two_party_call_as_two_mono_files(tmp_path):
    calls = shared_data("two_party_calls")
    proc = cli("analyze", calls / "Auto_Repairs_40_UTC_agent.wav", calls / "Auto_Repairs_40_UTC_caller.wav",
               "--speakers", "agent,caller", "--out", tmp_path / "o", "--quiet")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["source"]["sample_rate"] == 8000
    assert summary["source"]["duration_s"] == pytest.approx(245.4, abs=0.2)
    agent, caller = summary["speakers"]
    # a customer-service call: both talk a fair amount, with many turns, gaps and pauses
    assert 0.25 <= agent["talk_share"] <= 0.75 and 0.25 <= caller["talk_share"] <= 0.75
    assert agent["turns"] >= 10 and caller["turns"] >= 10
    assert agent["response_latency"]["count"] >= 5 and caller["response_latency"]["count"] >= 5
    assert 0.05 <= agent["response_latency"]["median_s"] <= 2.0
    assert agent["pauses"]["count"] >= 5 and agent["pauses"]["median_s"] >= 0.2
    assert summary["session"]["overlap_share_of_speech"] < 0.2


# --- what a new user meets first ---------------------------------------------------------


def test_two_mono_files_name_the_speakers_after_their_files(tmp_path):
    stereo, sr = sf.read(DEMO / "practice_session.flac", dtype="int16", frames=16000 * 20)
    sf.write(tmp_path / "trainee.flac", stereo[:, 0], sr)
    sf.write(tmp_path / "client.flac", stereo[:, 1], sr)
    proc = cli("analyze", tmp_path / "trainee.flac", tmp_path / "client.flac", "--trainee", "trainee",
               "--out", tmp_path / "o", "--quiet")        # the README's example, as written
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert [(s["name"], s["role"]) for s in summary["speakers"]] == [("trainee", "trainee"), ("client", "client")]
    assert summary["coaching"]
    # --speakers still wins, and two files of the same name get numbered
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    sf.write(tmp_path / "a" / "mic 1.wav", stereo[:, 0], sr)
    sf.write(tmp_path / "b" / "mic 1.wav", stereo[:, 1], sr)
    assert cli("analyze", tmp_path / "a" / "mic 1.wav", tmp_path / "b" / "mic 1.wav", "--out", tmp_path / "p",
               "--quiet").returncode == 0
    assert [s["name"] for s in json.loads((tmp_path / "p" / "summary.json").read_text())["speakers"]] == \
        ["mic_1_1", "mic_1_2"]
    assert cli("analyze", tmp_path / "trainee.flac", tmp_path / "client.flac", "--speakers", "maya,sam",
               "--out", tmp_path / "q", "--quiet").returncode == 0
    assert [s["name"] for s in json.loads((tmp_path / "q" / "summary.json").read_text())["speakers"]] == \
        ["maya", "sam"]
    # a stereo file keeps A, B
    sf.write(tmp_path / "stereo.wav", stereo, sr)
    assert cli("analyze", tmp_path / "stereo.wav", "--out", tmp_path / "r", "--quiet").returncode == 0
    assert [s["name"] for s in json.loads((tmp_path / "r" / "summary.json").read_text())["speakers"]] == ["A", "B"]
    assert "each file's name" in cli("analyze", "--help").stdout


def test_a_wav_shorter_than_one_frame_is_an_empty_file(wav, tmp_path):
    path = wav("blip.wav", np.zeros((100, 2), np.int16))           # 6 ms: a header and a few samples
    assert_user_error(cli("analyze", path, "--out", tmp_path / "o"), "blip.wav", "empty")
    assert not (tmp_path / "o").exists()


def _output_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_stopping_at_any_moment_never_leaves_a_folder_that_claims_to_be_complete(tmp_path, monkeypatch):
    """Ctrl-C (or a crash) while the results are written, for every write: the folder holds the earlier
    run untouched, or says it is incomplete, or holds the whole new run; never old and new files mixed."""
    from talkbalance.cli.analyze import analyze_to_folder
    from talkbalance.config import Config
    from talkbalance.io import outputs

    stereo, sr = sf.read(DEMO / "practice_session.flac", dtype="int16", frames=16000 * 30)
    sf.write(tmp_path / "new.wav", stereo, sr)
    sf.write(tmp_path / "old.wav", stereo[16000 * 10:], sr)
    out = tmp_path / "out"
    analyze_to_folder([str(tmp_path / "old.wav")], out, Config(), quiet=True)
    earlier = _output_files(out)
    real_write = outputs.write_atomic
    writes = 0

    def interrupted_after(n):
        def write(path, content):
            nonlocal writes
            if writes == n:
                raise KeyboardInterrupt
            writes += 1
            real_write(path, content)
        return write

    n = 0
    while True:
        writes = 0
        monkeypatch.setattr(outputs, "write_atomic", interrupted_after(n))
        try:
            analyze_to_folder([str(tmp_path / "new.wav")], out, Config(), quiet=True)
            finished = True
        except KeyboardInterrupt:
            finished = False
        now = _output_files(out)
        assert not any(name.endswith(".tmp") for name in now), now.keys()
        summary = json.loads(now["summary.json"])
        if summary["complete"]:
            assert now == earlier if not finished else set(now) == set(earlier), n
            if finished:
                assert summary["source"]["inputs"] == [str(tmp_path / "new.wav")]
                break
        n += 1
        # start each attempt from the earlier complete run again
        for name in list(now):
            (out / name).unlink()
        for name, content in earlier.items():
            (out / name).write_bytes(content)
    assert n >= 5                    # every file was interrupted once


def test_replacing_an_earlier_run_says_so(tmp_path):
    stereo, sr = sf.read(DEMO / "practice_session.flac", dtype="int16", frames=16000 * 10)
    sf.write(tmp_path / "s.wav", stereo, sr)
    assert "earlier run" not in cli("analyze", tmp_path / "s.wav", "--out", tmp_path / "o", "--quiet").stderr
    proc = cli("analyze", tmp_path / "s.wav", "--out", tmp_path / "o", "--quiet")
    assert proc.returncode == 0
    assert proc.stderr.strip().splitlines() == [f"talkbalance: {tmp_path / 'o'}/ held the results of an earlier run; "
                                                "they were replaced."]


def test_console_and_help_wording(tmp_path):
    from talkbalance.cli.analyze import format_summary

    top = cli("--help").stdout
    assert "``" not in top and "active-listening" in top
    assert_user_error(cli("recover", tmp_path / "nowhere"), "nowhere", "not found")
    proc = cli("analyze", "x.wav", "--speakers", "a,b,c")
    assert_user_error(proc, "--speakers maya,sam")
    assert "1,2" not in proc.stderr
    assert_user_error(cli("live", "--replay", DEMO / "practice_session.flac", "--speed", "0"), "--speed",
                      "positive number")                                   # one sentence, no usage block

    summary = json.loads((GOLDEN / "demo_figures.json").read_text())
    speaker = summary["speakers"][0]
    one = {**summary, "speakers": [{**speaker, "turns": 1, "backchannels": 1,
                                    "interruptions_made": {"successful": 1, "unsuccessful": 0}}, summary["speakers"][1]],
           "quality": {"warnings": []}}
    text = format_summary(one)
    assert "1 turn," in text and "1 backchannel," in text and "interrupted client 1 time " in text
    assert "trainee (trainee)" not in text and "(s)" not in text
    for item in summary["coaching"]:
        advice = ("aim for", "let them finish", "leave a moment", "keep turns short")
        assert item["met"] != any(a in item["message"] for a in advice) or item["item"] == "show you are listening", item


def test_pyproject_uses_an_spdx_licence_string():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"

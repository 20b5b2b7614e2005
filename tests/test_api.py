"""The Python API gives what the command line writes: the same summary, the same events, typed."""
import csv
import json
import subprocess
import sys

import pytest
import soundfile as sf
from conftest import DEMO, ROOT

import talkbalance

PEER = ROOT / "configs" / "peer-support.toml"

EXCERPT_S = 40


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """A 40 s excerpt of the demo, analysed by the CLI (peer-support config, a trainee) and by the API."""
    folder = tmp_path_factory.mktemp("api")
    audio, rate = sf.read(DEMO / "practice_session.flac", dtype="int16", frames=16000 * EXCERPT_S)
    sf.write(folder / "excerpt.wav", audio, rate)
    out = folder / "cli"
    subprocess.run([sys.executable, "-m", "talkbalance", "analyze", str(folder / "excerpt.wav"), "--config", str(PEER),
                    "--speakers", "maya,sam", "--trainee", "sam", "--out", str(out), "--quiet"], check=True)
    result = talkbalance.analyze_file(folder / "excerpt.wav", config=PEER, speakers=["maya", "sam"], trainee="sam")
    return folder, out, result


def test_summary_is_exactly_what_summary_json_holds(session):
    _, out, result = session
    assert result.summary() == json.loads((out / "summary.json").read_text(encoding="utf-8"))


def test_typed_speakers_and_events_match_the_files(session):
    _, out, result = session
    written = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert [(s.name, s.role, s.talk_share, s.turns, s.interruptions_made) for s in result.speakers] == [
        (s["name"], s["role"], s["talk_share"], s["turns"], s["interruptions_made"]) for s in written["speakers"]]
    with open(out / "events.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) > 10
    assert [(e.kind, f"{e.start_s:.3f}", f"{e.end_s:.3f}", e.speaker, e.other or "", e.outcome)
            for e in result.events] == [(r["kind"], r["start_s"], r["end_s"], r["speaker"], r["other"], r["outcome"])
                                         for r in rows]


def test_write_outputs_writes_the_same_files(session, tmp_path):
    _, out, result = session
    summary = talkbalance.write_outputs(result, tmp_path / "api")
    assert summary == result.summary()
    for name in ("summary.json", "events.csv", "activity.rttm", "labels.txt"):
        assert (tmp_path / "api" / name).read_text(encoding="utf-8") == (out / name).read_text(encoding="utf-8"), name


def test_two_mono_files_are_named_after_their_files(session):
    folder, _, _ = session
    audio, rate = sf.read(folder / "excerpt.wav", dtype="int16")
    sf.write(folder / "trainee.flac", audio[:, 0], rate)
    sf.write(folder / "client.flac", audio[:, 1], rate)
    result = talkbalance.analyze_file([folder / "trainee.flac", str(folder / "client.flac")])
    assert [s.name for s in result.speakers] == ["trainee", "client"]
    assert result.summary()["source"]["inputs"] == [str(folder / "trainee.flac"), str(folder / "client.flac")]


def test_user_mistakes_are_talkbalance_errors_naming_the_parameter(tmp_path):
    with pytest.raises(talkbalance.InputError, match="missing.wav: file not found"):
        talkbalance.analyze_file(tmp_path / "missing.wav")
    assert issubclass(talkbalance.InputError, talkbalance.TalkbalanceError)
    with pytest.raises(talkbalance.ConfigError, match="`trainee` 'nobody'"):
        talkbalance.analyze_file(DEMO / "practice_session.flac", trainee="nobody")
    with pytest.raises(talkbalance.ConfigError, match="config file not found"):
        talkbalance.load_config(tmp_path / "nope.toml")

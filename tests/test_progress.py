"""``talkbalance progress``: real sessions of one trainee put in time order, the folders left out, the figures of
progress.csv, the comparison of the latest session, the picture and the page, and every exit status."""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
import struct
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote

import pytest
import soundfile as sf
from conftest import DEMO, ROOT, cli

import talkbalance
from talkbalance.errors import OutputError
from talkbalance.progress import files as progress_files
from talkbalance.progress.compare import compare
from talkbalance.progress.figures import SessionRow, Targets, session_rows
from talkbalance.progress.page import session_names
from talkbalance.progress.sessions import read_sessions

PEER = ROOT / "configs" / "peer-support.toml"
EXCERPTS_S = {"first_minute": (0, 60), "middle": (20, 90), "whole": (0, None)}
# when each excerpt was "recorded" (its file's modification time): not the order of EXCERPTS_S
RECORDED = {"middle": datetime(2026, 3, 2, 9, 30).timestamp(), "whole": datetime(2026, 3, 9, 9, 30).timestamp(),
            "first_minute": datetime(2026, 3, 5, 18, 0).timestamp()}
IN_TIME_ORDER = ["middle", "first_minute", "whole"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Three sessions of one trainee, an interim copy, a folder that is no session, a summary of another tool and
    a session without a trainee (the default config names none)."""
    root = tmp_path_factory.mktemp("progress")
    audio, rate = sf.read(DEMO / "practice_session.flac", dtype="int16")
    for name, (start_s, end_s) in EXCERPTS_S.items():
        wav = root / f"{name}.wav"
        sf.write(wav, audio[start_s * rate:None if end_s is None else end_s * rate], rate)
        os.utime(wav, (RECORDED[name], RECORDED[name]))
        talkbalance.write_outputs(talkbalance.analyze_file(wav, config=PEER), root / name, formats=("json",))
    (root / "middle" / "report.html").write_text("<html>the session report</html>")
    interim = root / "interim"
    shutil.copytree(root / "whole", interim)
    summary = json.loads((interim / "summary.json").read_text())
    (interim / "summary.json").write_text(json.dumps({**summary, "complete": False}))
    (interim / "audio.wav").write_bytes(b"")                   # a live session's folder
    (root / "notes").mkdir()
    (root / "notes" / "notes.txt").write_text("not a session")
    (root / "other_tool").mkdir()
    (root / "other_tool" / "summary.json").write_text(json.dumps({"total": 3}))
    talkbalance.write_outputs(talkbalance.analyze_file(root / "first_minute.wav"), root / "no_trainee",
                              formats=("json",))
    return root


@pytest.fixture(scope="module")
def run(corpus):
    """The CLI over every folder, in an order unlike the time order."""
    out = corpus / "out"
    folders = ["whole", "notes", "interim", "first_minute", "other_tool", "no_trainee", "middle"]
    proc = cli("progress", *(corpus / f for f in folders), "--out", out)
    assert proc.returncode == 0, proc.stderr
    with open(out / "progress.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return out, proc, rows


def test_each_folder_left_out_is_named_in_one_line(corpus, run):
    _, proc, _ = run
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 4, proc.stderr
    expected = {"interim": ["interim summary", "the live session did not finish", "talkbalance recover"],
                "notes": ["not a session folder", "no summary.json"],
                "other_tool": ["not a talkbalance summary"],
                "no_trainee": ["no speaker has the trainee role", "--trainee"]}
    for name, phrases in expected.items():
        line = next(x for x in lines if x.startswith(f"talkbalance: skipped {corpus / name}: "))
        assert all(p in line for p in phrases), line


def test_rows_are_in_the_order_the_sessions_were_recorded(corpus, run):
    _, _, rows = run
    assert [Path(r["session"]).name for r in rows] == IN_TIME_ORDER
    for r in rows:
        name = Path(r["session"]).name
        assert datetime.fromisoformat(r["recorded_at"]).timestamp() == RECORDED[name]
        assert r["date"] == datetime.fromtimestamp(RECORDED[name]).date().isoformat()
        assert r["time_source"] == "recorded_at" and r["trainee"] == "trainee"


def test_summary_json_records_the_input_files_time(corpus):
    for name, stamp in RECORDED.items():
        source = json.loads((corpus / name / "summary.json").read_text())["source"]
        recorded = datetime.fromisoformat(source["recorded_at"])
        assert recorded.utcoffset() is not None and recorded.timestamp() == stamp
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", source["recorded_at"])


def test_progress_csv_holds_each_sessions_figures(corpus, run):
    """Known answers: every figure recomputed from the session's own summary.json."""
    _, _, rows = run
    for r in rows:
        summary = json.loads((Path(r["session"]) / "summary.json").read_text())
        me, client = summary["speakers"]
        assert me["role"] == "trainee" and client["role"] == "client"
        coaching = {c["item"]: c for c in summary["coaching"]}
        duration_s = summary["session"]["duration_s"]
        interruptions = me["interruptions_made"]["successful"] + me["interruptions_made"]["unsuccessful"]
        assert interruptions == coaching["avoid interruptions"]["value"]          # all of them of the client
        assert float(r["duration_s"]) == duration_s
        assert float(r["talk_share"]) == me["talk_share"]
        assert (float(r["talk_share_min"]), float(r["talk_share_max"])) == (0.2, 0.4)
        assert float(r["interruptions_per_10_min"]) == pytest.approx(interruptions / duration_s * 600, abs=1e-3)
        assert float(r["quick_response_share"]) == coaching["leave space before answering"]["value"]
        assert float(r["backchannels_per_client_min"]) == pytest.approx(
            me["backchannels"] / (client["talk_time_s"] / 60), abs=0.01)
        assert float(r["median_response_latency_s"]) == me["response_latency"]["median_s"]
        assert float(r["longest_monologue_s"]) == me["longest_monologue_s"]
        verdicts = {"talk_share_met": "let the client talk", "interruptions_met": "avoid interruptions",
                    "quick_response_met": "leave space before answering", "monologue_met": "don't monologue",
                    "backchannels_met": "show you are listening"}
        for column, item in verdicts.items():
            assert r[column] == ("yes" if coaching[item]["met"] else "no"), column
    assert {r["interruptions_met"] for r in rows} == {"no"}       # the demo's trainee interrupts in every excerpt


def test_the_console_compares_the_latest_session(run):
    _, proc, _ = run
    out = proc.stdout
    assert "Progress of trainee: 3 sessions" in out and "median of the previous 2 sessions" in out
    for label in ("trainee talk share", "interruptions of the client per 10 min", "quick answers",
                  "backchannels per client minute", "median response latency", "longest monologue"):
        line = next(x for x in out.splitlines() if x.strip().startswith(label))
        assert re.search(r"\b(better|worse|about the same|nothing to compare)\b", line), line


def _row(k: int, talk_share: float, interruptions: float, quick: float, backchannels: float, latency_s: float,
         monologue_s: float) -> SessionRow:
    targets = Targets(0.2, 0.4, 0, 0.25, 1.0, 30.0)
    return SessionRow(Path(f"s{k}"), "maya", datetime(2026, 1, 1 + k, 10).astimezone(), "recorded_at", 600.0,
                      talk_share, interruptions, quick, backchannels, latency_s, monologue_s, {}, targets)


def test_better_and_worse_against_the_median_of_the_previous_three():
    rows = [_row(0, 0.9, 0.0, 0.0, 9.0, 1.0, 1.0),                 # older than the previous three: not counted
            _row(1, 0.60, 3.0, 0.5, 1.0, 1.0, 40.0),
            _row(2, 0.55, 4.0, 0.4, 2.0, 1.2, 50.0),
            _row(3, 0.50, 5.0, 0.3, 3.0, 0.8, 60.0),
            _row(4, 0.45, 6.0, 0.4, 4.0, 3.0, 20.0)]
    trends = {t.measure.key: t for t in compare(rows)}
    assert {k: t.verdict for k, t in trends.items()} == {
        "talk_share": "better", "interruptions_per_10_min": "worse", "quick_response_share": "same",
        "backchannels_per_client_min": "better", "median_response_latency_s": "worse", "longest_monologue_s": "better"}
    assert trends["talk_share"].before == 0.55 and trends["talk_share"].before_sessions == 3
    assert trends["talk_share"].words.startswith("better: closer to the target band, now above the 20%–40% band")
    assert "let the client talk" in trends["talk_share"].words
    assert "let the client finish" in trends["interruptions_per_10_min"].words
    assert trends["quick_response_share"].words.startswith("about the same") and "leave space" in \
        trends["quick_response_share"].words
    assert "you showed you are listening" in trends["backchannels_per_client_min"].words
    assert "leave space" in trends["median_response_latency_s"].words
    assert trends["longest_monologue_s"].words.startswith("better: shorter")


def test_a_talk_share_below_the_band_moving_up_is_better():
    trends = {t.measure.key: t for t in compare([_row(1, 0.05, 0, 0, 1, 1, 1), _row(2, 0.15, 0, 0, 1, 1, 1)])}
    assert trends["talk_share"].verdict == "better" and "below the 20%–40% band" in trends["talk_share"].words
    assert trends["interruptions_per_10_min"].words == "about the same: on target, as before (let the client finish)."


def test_one_session_has_nothing_to_compare_yet(corpus, tmp_path):
    assert compare([_row(1, 0.3, 0, 0, 1, 1, 1)]) == []
    proc = cli("progress", corpus / "whole", "--out", tmp_path / "one")
    assert proc.returncode == 0, proc.stderr
    assert "1 session" in proc.stdout and "Nothing to compare yet" in proc.stdout
    assert (tmp_path / "one" / "progress.csv").is_file()


def test_progress_png_is_a_picture(run):
    out, _, _ = run
    data = (out / "progress.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1600, 900)


def test_progress_html_links_each_sessions_report_and_works_offline(corpus, run):
    out, _, _ = run
    page = (out / "progress.html").read_text(encoding="utf-8")
    links = re.findall(r'href="([^"]*)"', page)
    assert [Path(unquote(link)).parent.name for link in links] == IN_TIME_ORDER
    for link in links:
        assert not Path(unquote(link)).is_absolute() and (out / unquote(link)).is_file(), link
    assert unquote(links[0]).endswith("middle/report.html")        # the one folder with a report.html
    assert unquote(links[1]).endswith("first_minute/summary.json")
    assert not re.search(r"https?:", page, re.IGNORECASE)
    assert 'src="data:image/png;base64,' in page


def test_a_batch_output_folder_stands_for_its_sessions(corpus, tmp_path):
    """A folder without a summary.json of its own: the session folders below it, nested ones too."""
    batch = tmp_path / "batch"
    shutil.copytree(corpus / "middle", batch / "group" / "middle")
    shutil.copytree(corpus / "whole", batch / "whole")
    (batch / "sessions.csv").write_text("session\n")
    sessions, skipped = read_sessions([batch])
    assert [s.folder for s in sessions] == [batch / "group" / "middle", batch / "whole"] and not skipped
    assert session_names(session_rows(sessions)[0]) == ["group/middle", "whole"]       # as progress.html names them


def test_folders_written_before_recorded_at_fall_back_to_the_name_then_the_file_time(corpus, tmp_path):
    summary = json.loads((corpus / "whole" / "summary.json").read_text())
    del summary["source"]["recorded_at"]
    for name in ("2026-02-01T08-15-00_practice", "old_analysis"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "summary.json").write_text(json.dumps(summary))
    os.utime(tmp_path / "old_analysis" / "summary.json", (RECORDED["whole"], RECORDED["whole"]))
    sessions, _ = read_sessions([tmp_path / "old_analysis", tmp_path / "2026-02-01T08-15-00_practice"])
    assert [(s.folder.name, s.time_source) for s in sessions] == [
        ("2026-02-01T08-15-00_practice", "folder name"), ("old_analysis", "summary.json mtime")]
    assert sessions[0].recorded_at == datetime(2026, 2, 1, 8, 15).astimezone()
    assert sessions[1].recorded_at.timestamp() == RECORDED["whole"]


def _error_line(proc) -> str:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("talkbalance: error: ")
    return last


def test_no_usable_session_is_one_sentence_and_exit_2(corpus, tmp_path):
    proc = cli("progress", corpus / "notes", corpus / "interim", "--out", tmp_path / "out")
    assert "none of the 2 folders given holds a finished session with a trainee" in _error_line(proc)
    assert len(proc.stderr.strip().splitlines()) == 3                  # the two skips, then the error
    assert not (tmp_path / "out").exists()


def test_several_trainees_need_trainee(corpus, tmp_path):
    maya = tmp_path / "maya"
    shutil.copytree(corpus / "whole", maya)
    summary = json.loads((maya / "summary.json").read_text())
    summary["speakers"][0]["name"] = "maya"
    (maya / "summary.json").write_text(json.dumps(summary))
    folders = [corpus / "middle", corpus / "whole", maya]
    line = _error_line(cli("progress", *folders, "--out", tmp_path / "out"))
    assert "2 trainees (maya: 1 session, trainee: 2 sessions)" in line and "--trainee" in line
    proc = cli("progress", *folders, "--trainee", "maya", "--out", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert "left out 2 sessions of other trainees than maya" in proc.stderr
    assert "Progress of maya: 1 session" in proc.stdout
    assert "no session has a trainee named 'sam'" in _error_line(
        cli("progress", *folders, "--trainee", "sam", "--out", tmp_path / "out"))


def test_an_output_folder_that_cannot_be_written_is_one_sentence(corpus, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    line = _error_line(cli("progress", corpus / "whole", "--out", blocker / "out"))
    assert str(blocker / "out") in line and "cannot write the progress files" in line and "--out" in line
    proc = cli("progress", "--out", tmp_path)                                         # no SESSION_DIR
    assert "SESSION_DIR" in _error_line(proc) and len(proc.stderr.strip().splitlines()) == 1


def test_an_interrupted_write_never_leaves_a_progress_csv(corpus, tmp_path, monkeypatch):
    """progress.csv is removed first and written last: a folder holding one holds the whole run."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "progress.csv").write_text("an earlier run\n")
    real = progress_files.write_atomic

    def failing(path, content):
        if path.name == "progress.csv":
            raise OSError(28, "No space left on device")
        real(path, content)

    monkeypatch.setattr(progress_files, "write_atomic", failing)
    rows, _ = session_rows(read_sessions([corpus / "middle", corpus / "whole"])[0])
    with pytest.raises(OutputError, match="No space left on device"):
        progress_files.write_progress(rows, compare(rows), out)
    assert not (out / "progress.csv").exists() and (out / "progress.html").is_file()

"""`talkbalance batch`: a corpus into session folders and two tables, the same as separate `analyze` runs; bad files,
resuming, `--force`, manifests, and the same tables from a Dask cluster, a worker killed mid-run included."""
from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest
import soundfile as sf
from conftest import DEMO, assert_user_error, cli

from talkbalance.batch.manifest import read_manifest
from talkbalance.batch.pool import pool_outcomes
from talkbalance.batch.runner import run_batch
from talkbalance.batch.sessions import find_sessions
from talkbalance.batch.task import run_session
from talkbalance.errors import InputError

SESSION_FILES = ["activity.rttm", "events.csv", "labels.txt", "report.html", "summary.json"]   # batch's default formats
EXCERPTS_S = {"s00.wav": (10, 22), "week2/s01.wav": (26, 40), "week2/s02.flac": (50, 58)}
KILL_MARKER = "TALKBALANCE_TEST_KILL_MARKER"


def excerpt(path: Path, start_s: float, end_s: float, channel: int | None = None) -> Path:
    """A piece of the demo session (both channels, or one as a mono file) written to ``path``."""
    audio, rate = sf.read(DEMO / "practice_session.flac", dtype="int16", start=int(start_s * 16000),
                          stop=int(end_s * 16000))
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, audio if channel is None else audio[:, channel], rate)
    return path


def make_corpus(folder: Path, broken: bool = False) -> Path:
    for name, (a, b) in EXCERPTS_S.items():
        excerpt(folder / name, a, b)
    if broken:
        (folder / "week2" / "broken.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt nothing of the kind")
    (folder / "notes.txt").write_text("not audio, left out")
    return folder


def table(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Three sessions (one FLAC, two in a subfolder) and a corrupt file, run once with two worker processes."""
    folder = make_corpus(tmp_path_factory.mktemp("corpus"), broken=True)
    out = folder.parent / (folder.name + "_out")
    proc = cli("batch", folder, "--out", out, "--jobs", "2")
    return folder, out, proc


def test_sessions_are_named_by_their_path_below_the_folder(corpus):
    folder, out, _ = corpus
    assert [r["session"] for r in table(out / "sessions.csv")] == ["s00", "week2/broken", "week2/s01", "week2/s02"]
    assert [s.id for s in find_sessions([folder / "week2" / "s01.wav"])] == ["s01"]
    with pytest.raises(InputError, match="no audio files in this folder or below"):
        find_sessions([out / "s00"])


def test_batch_equals_separate_analyze_runs(corpus, tmp_path):
    """Each session folder holds exactly what `analyze` writes; the tables hold its figures and events."""
    folder, out, proc = corpus
    rows = {r["session"]: r for r in table(out / "sessions.csv")}
    events = table(out / "events.csv")
    for session, name in (("s00", "s00.wav"), ("week2/s01", "week2/s01.wav"), ("week2/s02", "week2/s02.flac")):
        alone = tmp_path / session
        done = cli("analyze", (folder / name).absolute(), "--out", alone, "--formats", "json,csv,rttm,labels,html",
                   "--quiet")
        assert done.returncode == 0, done.stderr
        assert sorted(p.name for p in (out / session).iterdir()) == [".batch.json", *SESSION_FILES]
        page = (out / session / "report.html").read_text()     # the same session page, playing the input where it lies
        link = re.search(r'<audio id="audio"[^>]* src="([^"]+)"', page).group(1)
        assert (out / session / link).resolve() == (folder / name).resolve()
        for file in set(SESSION_FILES) - {"report.html"}:
            mine, theirs = ((folder_ / file).read_text() for folder_ in (out / session, alone))
            if file == "activity.rttm":       # the file id is the session id, unique in the corpus
                assert {line.split()[1] for line in mine.splitlines()} == {session}
                mine, theirs = ([line.split()[:1] + line.split()[2:] for line in text.splitlines()] for text in (mine, theirs))
            assert mine == theirs, (session, file)
        summary = json.loads((alone / "summary.json").read_text())
        row, (a, b) = rows[session], summary["speakers"]
        assert row["status"] == "ok" and row["error"] == ""
        assert float(row["duration_s"]) == summary["session"]["duration_s"]
        assert (row["speaker1_name"], float(row["speaker1_talk_time_s"]), float(row["speaker2_talk_share"])) == (
            a["name"], a["talk_time_s"], b["talk_share"])
        assert (int(row["speaker1_interruptions_successful"]), int(row["speaker2_backchannels"]), int(row["speaker1_turns"])) \
            == (a["interruptions_made"]["successful"], b["backchannels"], a["turns"])
        assert row["speaker2_pauses_median_s"] == str(b["pauses"]["median_s"] if b["pauses"]["median_s"] is not None else "")
        mine = [[e[c] for c in ("kind", "start_s", "end_s", "speaker", "other", "outcome", "duration_s")]
                for e in events if e["session"] == session]
        assert mine == [list(r.values()) for r in table(alone / "events.csv")] and len(mine) == int(row["events"])
    assert sum(int(r["events"] or 0) for r in rows.values()) == len(events) > 0
    assert not (out / "s00" / "report.png").exists()


def test_a_corrupt_file_is_an_error_row_and_the_others_go_on(corpus):
    folder, out, proc = corpus
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    row = table(out / "sessions.csv")[1]
    assert row["status"] == "error" and row["error"].startswith(f"{folder / 'week2' / 'broken.wav'} is not a readable "
                                                                "audio file")
    assert row["duration_s"] == "" and row["speaker1_talk_time_s"] == ""
    assert proc.stderr.strip().splitlines()[-1] == (f"talkbalance: 1 session failed: week2/broken (see the error column "
                                                    f"of {out}/sessions.csv)")
    assert [r["status"] for r in table(out / "sessions.csv")].count("ok") == 3
    assert not (out / "week2" / "broken").exists()


def in_process(ran: list[str], tasks):
    """An executor that runs the sessions here, one after the other, noting which."""
    ran += [t.session.id for t in tasks]
    return map(run_session, tasks)


def test_resume_skips_what_is_done_and_force_redoes_it(tmp_path):
    corpus = make_corpus(tmp_path / "corpus")
    out = tmp_path / "out"
    sessions = find_sessions([corpus])
    ran: list[str] = []
    first = run_batch(sessions, out, executor=partial(in_process, ran))
    tables = [(out / "sessions.csv").read_text(), (out / "events.csv").read_text()]
    stamp = (out / "s00" / "summary.json").stat().st_mtime_ns
    assert (first.sessions, first.skipped, first.failed, ran) == (3, 0, [], ["s00", "week2/s01", "week2/s02"])

    ran.clear()
    again = run_batch(sessions, out, executor=partial(in_process, ran))
    assert (again.skipped, ran) == (3, [])
    assert [(out / "sessions.csv").read_text(), (out / "events.csv").read_text()] == tables
    assert (out / "s00" / "summary.json").stat().st_mtime_ns == stamp

    excerpt(corpus / "week2" / "s01.wav", 26, 40)                      # the same audio, a new file time
    run_batch(sessions, out, executor=partial(in_process, ran))
    assert ran == ["week2/s01"]
    ran.clear()
    run_batch(sessions, out, formats=["csv", "textgrid"], executor=partial(in_process, ran))   # other formats
    assert len(ran) == 3 and (out / "s00" / "activity.TextGrid").exists() and not (out / "s00" / "labels.txt").exists()
    ran.clear()
    run_batch(sessions, out, formats=["csv", "textgrid"], force=True, executor=partial(in_process, ran))
    assert len(ran) == 3 and (out / "s00" / "summary.json").stat().st_mtime_ns != stamp
    assert (out / "events.csv").read_text() == tables[1]

    proc = cli("batch", corpus, "--out", out, "--formats", "csv,textgrid", "--config", DEMO.parent.parent / "configs" /
               "peer-support.toml")                                     # another config: every session again
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1].startswith("3 sessions: 3 analysed")
    assert {r["speaker1_role"] for r in table(out / "sessions.csv")} == {"trainee"}


def test_a_crash_between_a_sessions_events_and_its_row_is_redone_without_duplicates(tmp_path):
    corpus = make_corpus(tmp_path / "corpus")
    out = tmp_path / "out"
    sessions = find_sessions([corpus])
    ran: list[str] = []
    run_batch(sessions, out, executor=partial(in_process, ran))
    events = (out / "events.csv").read_text()
    lines = (out / "sessions.csv").read_text().splitlines(keepends=True)
    (out / "sessions.csv").write_text("".join(lines[:-1]))           # week2/s02's events are there, its row is not
    ran.clear()
    report = run_batch(sessions, out, executor=partial(in_process, ran))
    assert (report.skipped, ran) == (2, ["week2/s02"])
    assert (out / "events.csv").read_text() == events
    assert (out / "sessions.csv").read_text().splitlines(keepends=True) == lines


def test_manifest_with_two_mono_files_per_session(tmp_path):
    """Paths relative to the manifest's folder, speakers named after the files, a trainee, figures as `analyze`."""
    data = tmp_path / "data"
    for session, (a, b) in (("p1", (30, 44)), ("p2", (60, 70))):
        excerpt(data / session / "trainee.wav", a, b, channel=0)
        excerpt(data / session / "client.wav", a, b, channel=1)
    manifest = data / "sessions.csv"
    manifest.write_text("session,input,input2,trainee\n"
                        "pair/one,p1/trainee.wav,p1/client.wav,trainee\n"
                        "pair/two,p2/trainee.wav,p2/client.wav,\n", encoding="utf-8")
    proc = cli("batch", "--manifest", "data/sessions.csv", "--out", "results", "--jobs", "1", "--quiet", cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    rows = {r["session"]: r for r in table(tmp_path / "results" / "sessions.csv")}
    assert [(rows[s]["speaker1_name"], rows[s]["speaker1_role"], rows[s]["speaker2_role"]) for s in rows] == [
        ("trainee", "trainee", "client"), ("trainee", "", "")]
    alone = cli("analyze", data / "p1" / "trainee.wav", data / "p1" / "client.wav", "--trainee", "trainee", "--quiet",
                "--out", tmp_path / "alone")
    assert alone.returncode == 0, alone.stderr
    expected = json.loads((tmp_path / "alone" / "summary.json").read_text())
    got = json.loads((tmp_path / "results" / "pair" / "one" / "summary.json").read_text())
    assert got == expected and got["coaching"]


@pytest.mark.parametrize("text, phrases", [
    ("session,file\ns1,a.wav\n", ["the unknown column 'file'; its columns are session and input"]),
    ("session,input\ns1,a.wav\ns1,b.wav\n", ["line 3: session s1 is listed twice"]),
    ("session,input,channels\ns1,a.wav,3,4\n", ["line 2 has more cells than the header", '"3,4"']),
    ("session,input,channels\ns1,a.wav,3\n", ["line 2: channels '3' gives 1 speaker", "exactly 2 people"]),
    ("session,input,input2,channels\ns1,a.wav,b.wav,\"1,2\"\n", ["line 2: channels apply to one multichannel file"]),
    ("session,input\n../up,a.wav\n", ["line 2: '../up' cannot be a session id"]),
    ("session,input\n", ["the manifest lists no sessions"]),
])
def test_a_bad_manifest_is_one_sentence_and_exit_2(tmp_path, text, phrases):
    (tmp_path / "m.csv").write_text(text, encoding="utf-8")
    proc = cli("batch", "--manifest", tmp_path / "m.csv", "--out", tmp_path / "out")
    assert_user_error(proc, str(tmp_path / "m.csv"), *phrases)
    assert not (tmp_path / "out").exists()


def test_manifest_cells_override_the_run_defaults(tmp_path):
    (tmp_path / "m.csv").write_text('session,input,speakers,channels\ns1,a.wav,"maya,sam",\ns2,b.wav,,"3, 4"\n')
    from talkbalance.batch.sessions import Settings

    s1, s2 = read_manifest(tmp_path / "m.csv", Settings(speakers=("x", "y"), trainee="x"))
    assert (s1.inputs, s1.settings.speakers, s1.settings.trainee) == ((str(tmp_path / "a.wav"),), ("maya", "sam"), "x")
    assert (s2.settings.speakers, s2.settings.channels) == (("x", "y"), (3, 4))


@pytest.mark.parametrize("args, phrases", [
    ([], ["batch takes INPUT files or folders, or --manifest CSV"]),
    (["{corpus}", "--manifest", "m.csv"], ["one of the two"]),
    (["{corpus}", "--jobs", "2", "--scheduler", "tcp://localhost:1"], ["leave out one of them"]),
    (["{corpus}/nowhere"], ["nowhere: file or folder not found"]),
    (["{corpus}", "--formats", "csv,mp3"], ["--formats has the unknown name 'mp3'"]),
    (["{corpus}", "--trainee", "maya"], ["session s00: --trainee 'maya' is not one of the speakers A, B"]),
    (["{corpus}", "--out", "{corpus}/s00.wav"], ["s00.wav: cannot write the corpus tables", "choose another --out"]),
])
def test_usage_errors_exit_2(tmp_path, args, phrases):
    corpus = tmp_path / "corpus"
    excerpt(corpus / "s00.wav", 0, 2)
    proc = cli("batch", "--out", tmp_path / "out", *[a.format(corpus=corpus) for a in args])
    assert_user_error(proc, *phrases)


def test_importing_the_runner_loads_no_dask():
    code = "import sys, talkbalance.batch.runner; print(any(m.split('.')[0] in ('dask', 'distributed') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


def test_the_parent_plans_a_corpus_without_loading_the_analysis(corpus):
    """Only the workers import the analysis; the parent reads settings (and soundfile's list of formats, to find the
    audio files) and writes tables."""
    folder = corpus[0]
    code = ("import sys; from talkbalance.batch.runner import plan; from talkbalance.batch.sessions import find_sessions; "
            f"from pathlib import Path; plan(find_sessions([{str(folder)!r}]), Path('unused'), ('json',)); "
            "print(sorted(m for m in ('talkbalance.core.engine', 'webrtcvad', 'soxr') if m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"


def die_on_first_try(task):
    """A session run that kills its worker process the first time it meets s00 (a file marks the attempt)."""
    marker = Path(os.environ[KILL_MARKER])
    if task.session.id == "s00" and not marker.exists():
        marker.write_text("killed")
        os._exit(1)
    return run_session(task)


def test_a_killed_local_worker_loses_no_session(corpus, tmp_path, monkeypatch):
    folder, out, _ = corpus
    monkeypatch.setenv(KILL_MARKER, str(tmp_path / "killed"))
    report = run_batch(find_sessions([folder]), tmp_path / "out", jobs=2,
                       executor=partial(pool_outcomes, jobs=2, run=die_on_first_try))
    assert (tmp_path / "killed").exists() and report.failed == ["week2/broken"]
    assert (tmp_path / "out" / "sessions.csv").read_text() == (out / "sessions.csv").read_text()
    assert (tmp_path / "out" / "events.csv").read_text() == (out / "events.csv").read_text()


@pytest.fixture(scope="module")
def dask_cluster():
    distributed = pytest.importorskip("distributed", reason="Dask's distributed package is not installed")
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster:
        yield cluster


def test_a_dask_cluster_gives_the_same_tables(corpus, dask_cluster, tmp_path):
    folder, out, _ = corpus
    report = run_batch(find_sessions([folder]), tmp_path / "out", scheduler=dask_cluster.scheduler_address)
    assert report.failed == ["week2/broken"]
    for name in ("sessions.csv", "events.csv", "s00/summary.json", "week2/s02/activity.rttm"):
        assert (tmp_path / "out" / name).read_text() == (out / name).read_text(), name


def test_a_dask_worker_killed_mid_run_loses_no_session(corpus, dask_cluster, tmp_path):
    """The task whose worker died is run again by another worker; the tables are complete."""
    from talkbalance.batch.cluster import dask_outcomes

    folder, out, _ = corpus
    marker = tmp_path / "killed"

    def die_once(task):                 # pickled by value: the workers need not import this test module
        if task.session.id == "s00" and not marker.exists():
            marker.write_text("killed")
            os._exit(1)
        return run_session(task)

    report = run_batch(find_sessions([folder]), tmp_path / "out",
                       executor=partial(dask_outcomes, dask_cluster.scheduler_address, run=die_once))
    assert marker.exists() and report.failed == ["week2/broken"]
    assert (tmp_path / "out" / "sessions.csv").read_text() == (out / "sessions.csv").read_text()
    assert (tmp_path / "out" / "events.csv").read_text() == (out / "events.csv").read_text()

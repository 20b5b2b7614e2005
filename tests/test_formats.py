"""Output formats: the TextGrid and ELAN files read back equal to the RTTM and events.csv; `formats` chooses files."""
from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest
import soundfile as sf
from conftest import DEMO, assert_user_error, cli
from praatio import textgrid as praat
from pympi.Elan import Eaf

import talkbalance
from talkbalance.io.formats import BATCH_FORMATS, DEFAULT_FORMATS, FORMAT_FILES, check_formats

EVENT_TIERS = ["interruption events", "backchannel events", "simultaneous start events", "transition overlap events",
               "pause events", "gap events"]


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """The whole demo session (every event kind) written in every format, with its RTTM and events.csv."""
    out = tmp_path_factory.mktemp("formats")
    result = talkbalance.analyze_file(DEMO / "practice_session.flac", speakers=["maya", "sam"])
    talkbalance.write_outputs(result, out, FORMAT_FILES)
    rttm = [line.split() for line in (out / "activity.rttm").read_text().splitlines()]
    spurts = {name: [(float(f[3]), round(float(f[3]) + float(f[4]), 3)) for f in rttm if f[7] == name]
              for name in ("maya", "sam")}
    with open(out / "events.csv", newline="") as f:
        events = list(csv.DictReader(f))
    return out, result, spurts, events


def event_intervals(events: list[dict], kind: str) -> list[tuple[float, float]]:
    return [(float(e["start_s"]), float(e["end_s"])) for e in events if e["kind"] == kind]


def test_every_format_is_written(session):
    out, *_ = session
    assert sorted(p.name for p in out.iterdir()) == sorted(FORMAT_FILES.values())


def test_textgrid_reads_back_equal_to_the_rttm_and_events(session):
    out, result, spurts, events = session
    grid = praat.openTextgrid(str(out / "activity.TextGrid"), includeEmptyIntervals=False)
    assert list(grid.tierNames) == ["maya", "sam", *EVENT_TIERS]
    assert grid.maxTimestamp == pytest.approx(result.duration_frames * result.frame_s)
    for name in ("maya", "sam"):
        tier = grid.getTier(name)
        assert [(round(e.start, 3), round(e.end, 3)) for e in tier.entries] == spurts[name]
        assert {e.label for e in tier.entries} == {name}
    kinds = {e["kind"] for e in events}
    assert kinds == {"interruption", "backchannel", "simultaneous_start", "pause", "gap"}   # the demo's
    for kind in kinds | {"transition_overlap"}:
        tier = grid.getTier(f"{kind.replace('_', ' ')} events")
        assert [(round(e.start, 3), round(e.end, 3)) for e in tier.entries] == event_intervals(events, kind), kind
    labels = {line.split("\t")[2] for line in (out / "labels.txt").read_text().splitlines()}
    assert {e.label for e in grid.getTier("interruption events").entries} <= labels      # worded as in labels.txt


def test_elan_reads_back_equal_to_the_rttm_and_events(session):
    out, _, spurts, events = session
    eaf = Eaf(str(out / "activity.eaf"))
    assert list(eaf.get_tier_names()) == ["maya", "sam", *EVENT_TIERS]
    for name in ("maya", "sam"):
        assert [(a / 1000, b / 1000) for a, b, _ in eaf.get_annotation_data_for_tier(name)] == spurts[name]
        assert eaf.get_parameters_for_tier(name)["PARTICIPANT"] == name
    for kind in ("interruption", "backchannel", "simultaneous_start", "transition_overlap", "pause", "gap"):
        found = sorted((a / 1000, b / 1000) for a, b, _ in eaf.get_annotation_data_for_tier(
            f"{kind.replace('_', ' ')} events"))
        assert found == event_intervals(events, kind), kind
    assert [m["MEDIA_URL"] for m in eaf.media_descriptors] == [(DEMO / "practice_session.flac").absolute().as_uri()]
    assert (out / "activity.eaf").read_bytes().startswith(b'<?xml version="1.0" encoding="UTF-8"?>')


def test_chosen_formats_replace_an_earlier_runs_files(session, tmp_path):
    _, result, _, _ = session
    talkbalance.write_outputs(result, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FORMAT_FILES[f] for f in DEFAULT_FORMATS)
    summary = talkbalance.write_outputs(result, tmp_path, ["csv", "eaf"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["activity.eaf", "events.csv", "summary.json"]
    assert json.loads((tmp_path / "summary.json").read_text()) == summary and summary["complete"] is True


def test_format_names_are_checked():
    assert check_formats(["eaf", " CSV", "csv"]) == ("json", "csv", "eaf")       # summary.json always, in file order
    with pytest.raises(talkbalance.ConfigError, match="unknown name 'pdf'; choose from json, csv, rttm, labels, png, html, "
                                                      "textgrid, eaf"):
        check_formats(["csv", "pdf"])
    with pytest.raises(talkbalance.ConfigError, match="names no format"):
        check_formats([""])


def test_without_png_matplotlib_is_never_loaded(session, tmp_path):
    """The batch default draws no report.png: matplotlib is not even imported (report.html needs none)."""
    code = ("import sys, talkbalance; from talkbalance.io.formats import BATCH_FORMATS; "
            f"r = talkbalance.analyze_file({str(DEMO / 'practice_session.flac')!r}); "
            f"talkbalance.write_outputs(r, {str(tmp_path)!r}, BATCH_FORMATS); print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
    assert "png" not in BATCH_FORMATS and sorted(p.name for p in tmp_path.iterdir()) == sorted(
        FORMAT_FILES[f] for f in BATCH_FORMATS)


def test_analyze_writes_the_formats_asked_for(tmp_path):
    audio, rate = sf.read(DEMO / "practice_session.flac", dtype="int16", frames=16000 * 8)
    sf.write(tmp_path / "s.wav", audio, rate)
    proc = cli("analyze", tmp_path / "s.wav", "--out", tmp_path / "out", "--formats", "textgrid,eaf")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["activity.TextGrid", "activity.eaf", "summary.json"]
    assert proc.stdout.strip().splitlines()[-1] == (f"Results in {tmp_path / 'out'}/ (summary.json, activity.TextGrid, "
                                                    "activity.eaf)")
    assert_user_error(cli("analyze", tmp_path / "s.wav", "--formats", "csv,wav"),
                      "--formats has the unknown name 'wav'; choose from json, csv, rttm, labels, png, html, textgrid, eaf")

"""The benchmark harness: systems side by side on a simulated conversation, real-call bleed, report logic."""
from __future__ import annotations

import numpy as np
import pytest
from conftest import shared_data

from benchmarks import realcalls, run
from benchmarks.score import score
from benchmarks.systems import energy, naive, talkbalance_system


@pytest.fixture(scope="module")
def conversation():
    from benchmarks.simulate import PhraseBank, simulate
    bank = PhraseBank.from_folder(shared_data("librispeech_dev"))
    return simulate(bank, seed=7, duration_s=60.0, bleed_db=-12.0, noise_dbfs=-60.0, rate_hz=16000)


def test_talkbalance_beats_the_baselines_under_bleed(conversation):
    n_frames = int(len(conversation.audio) / conversation.rate_hz / 0.01)
    results = {name: score(conversation.reference_conversation, system(conversation.audio, conversation.rate_hz),
                           n_frames)
               for name, system in (("talkbalance", talkbalance_system()), ("naive", naive), ("energy", energy))}
    fa = {name: max(s["speakers"][k]["crosstalk"]["rate"] for k in (0, 1)) for name, s in results.items()}
    f1 = {name: np.mean([s["speakers"][k]["frames"]["f1"] for k in (0, 1)]) for name, s in results.items()}
    assert fa["talkbalance"] <= 0.02 < fa["naive"] and fa["talkbalance"] < fa["energy"]
    assert f1["talkbalance"] >= 0.93 and f1["talkbalance"] > max(f1["naive"], f1["energy"])
    assert results["talkbalance"]["talk_share"]["error_pp"] <= 2.0


def test_add_bleed_puts_each_partner_into_the_other_late_and_weak():
    rate = 8000
    audio = np.zeros((400, 2), np.float32)
    audio[100, 0] = 0.5
    audio[200, 1] = -0.5
    mixed = realcalls.add_bleed(audio, rate, -20.0)
    delay = 8                                                   # 1 ms at 8 kHz
    assert mixed[100 + delay, 1] == pytest.approx(0.05, rel=1e-5)
    assert mixed[200 + delay, 0] == pytest.approx(-0.05, rel=1e-5)
    assert mixed[100, 0] == 0.5 and mixed[200, 1] == -0.5
    assert np.count_nonzero(mixed) == 4


def row(system, bleed, **figures):
    base = {"frame_f1": 0.95, "crosstalk_fa": 0.01, "overlap_f1": 0.85, "interruption_f1": 0.9,
            "backchannel_f1": 0.85, "talk_share_error_pp": 1.0}
    return {"system": system, "group": bleed, **base, **figures}


def test_target_table_needs_every_target_and_a_win_over_naive():
    naive_rows = [row("naive", b, frame_f1=0.6, crosstalk_fa=0.5, overlap_f1=0.1, interruption_f1=0.1,
                      backchannel_f1=0.1, talk_share_error_pp=8.0) for b in run.BLEEDS_DB]
    good = [row("talkbalance", b) for b in run.BLEEDS_DB]
    assert run.target_table(good + naive_rows)[1] is True
    # a miss at -6 dB is only reported; a miss at -12 dB fails
    at_6 = [row("talkbalance", b, backchannel_f1=0.5 if b == -6 else 0.85) for b in run.BLEEDS_DB]
    assert run.target_table(at_6 + naive_rows)[1] is True
    at_12 = [row("talkbalance", b, crosstalk_fa=0.03 if b == -12 else 0.01) for b in run.BLEEDS_DB]
    table, met = run.target_table(at_12 + naive_rows)
    assert met is False and "MISSED" in table


def test_a_quick_run_leaves_the_full_runs_committed_results_alone(monkeypatch, capsys):
    from benchmarks import paths, speed

    tracked = [paths.BENCH / "RESULTS.md", *sorted(p for p in paths.FULL.iterdir() if p.is_file())]
    before = {p: p.read_bytes() for p in tracked}
    speech = shared_data("librispeech_dev")
    monkeypatch.setattr(run, "grid", lambda quick: {"noises_dbfs": (-60,), "rates_hz": (16000,), "conversations": 1,
                                                    "duration_s": 20.0, "silero_bleeds": (), "room_conversations": 1,
                                                    "room_duration_s": 20.0,
                                                    "room_conditions": [("dry", "near", True)]})
    monkeypatch.setattr(run, "single_speaker", lambda speech: "(single speaker: not run here)")
    monkeypatch.setattr(run.realcalls, "positions", lambda calls, demo: [])
    monkeypatch.setattr(run, "systems", lambda: {"talkbalance": talkbalance_system(), "naive": naive})
    assert run.main(["--quick", "--skip-speed", "--speech", str(speech), "--calls", "/nonexistent"]) == 0
    assert "benchmarks/results/quick" in capsys.readouterr().err
    assert (paths.QUICK / "RESULTS.md").is_file() and (paths.QUICK / "grid.json").is_file()
    text = speed.save({"analyze_x_realtime": 1.0, "analyze_s": 1.0, "bare_vad_x_realtime": 1.0, "bare_vad_s": 1.0,
                       "ratio_to_bare_vad": 2.0, "ratios_to_bare_vad": [1.9, 2.0, 2.1], "repeats": 3,
                       "engine_x_realtime": 1.0, "engine_ratio_to_bare_vad": 1.0,
                       "peak_mb_short": 1.0, "machine": "x", "python": "3", "date": "today"}, 0.25, full=False)
    assert "| 2.00 (each turn: 1.90, 2.00, 2.10) | <= 2 |" in text and "medians of 3 turns" in text
    assert (paths.QUICK / "speed.md").read_text().strip() == text
    assert {p: p.read_bytes() for p in tracked} == before


def test_the_corpus_benchmark_times_a_real_batch_run_and_writes_quick_results_aside(tmp_path):
    from benchmarks import corpus, paths

    audio_s = corpus.make_corpus(tmp_path / "corpus", sessions=2, session_s=20.0)
    timing = corpus.timed_batch(tmp_path / "corpus", tmp_path / "out", jobs=2)
    rows = (tmp_path / "out" / "sessions.csv").read_text().splitlines()
    assert audio_s == 40.0 and len(rows) == 3 and all(",ok," in r for r in rows[1:])
    assert 0 < timing["seconds"] < 60 and 20 < timing["max_rss_mb"] < 1000
    tracked = sorted(p for p in paths.FULL.iterdir() if p.is_file())
    before = {p: p.read_bytes() for p in tracked}
    results = {"sessions": 2, "session_s": 20.0, "audio_s": audio_s, "formats": ["json"],
               "analyze_1h_x_realtime_per_core": 1000.0, "telephone_1h_x_realtime_per_core": 900.0,
               "analyze_fixed_s": 0.2, "batch_fixed_s": 0.5, "hour_cost_per_audio_s": 0.001,
               "jobs": {"1": {"seconds": 2.0, "runs_s": [2.0], "x_realtime": 20.0, "predicted_x_realtime": 1000.0,
                              "naive_ratio": 0.02, "modelled_s": 0.54,
                              "modelled_ratio": 0.27, "session_cost_vs_hour": 37.5, "peak_mb": 60.0},
                        "2": {"seconds": 1.0, "runs_s": [1.0], "x_realtime": 40.0, "predicted_x_realtime": 2000.0,
                              "naive_ratio": 0.02, "modelled_s": 0.52,
                              "modelled_ratio": 0.52, "session_cost_vs_hour": 25.0, "peak_mb": 60.0}}}
    text = corpus.save(results, full=False)
    assert "| 2 | 1.00 s | 40x real time | 2000x | 0.02 | 0.52 s | 0.52 | 25.00x | 60 MB |" in text
    assert "2.00x faster" in text and "took 0.50 s" in text and "1.00 ms per second" in text
    assert (paths.QUICK / "corpus.md").read_text().strip() == text
    assert {p: p.read_bytes() for p in tracked} == before

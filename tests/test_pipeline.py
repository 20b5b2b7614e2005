"""The one pipeline: a source's blocks → the engine → sinks, for files, live sessions and the benchmark."""
from __future__ import annotations

import csv
import importlib.util

import numpy as np
import pytest
import soundfile as sf
from conftest import DEMO, ROOT

import talkbalance
from talkbalance.config import load_config
from talkbalance.live.display import NoDisplay
from talkbalance.live.monitor import LiveOptions, run_live
from talkbalance.live.sinks import DropoutNotes, LatencyProbe
from talkbalance.pipeline import Block, Pipeline

PEER = ROOT / "configs" / "peer-support.toml"
EXCERPT_S = 20


@pytest.fixture(scope="module")
def excerpt(tmp_path_factory):
    audio, rate = sf.read(DEMO / "practice_session.flac", dtype="int16", frames=16000 * EXCERPT_S)
    path = tmp_path_factory.mktemp("pipeline") / "excerpt.wav"
    sf.write(path, audio, rate, subtype="PCM_16")
    return path, audio


class Recorder:
    """A sink that notes what it saw after each block, and whether it was closed."""

    def __init__(self):
        self.seen: list[tuple[int, int]] = []       # (block length, samples the engine had when pushed)
        self.closed = False

    def push(self, block, engine):
        self.seen.append((len(block.samples), engine.samples_in))

    def close(self):
        self.closed = True


def test_the_pipeline_gives_the_engines_result_and_feeds_sinks_after_the_engine(excerpt):
    _, audio = excerpt
    cfg = load_config(PEER)
    engine = talkbalance.Engine(cfg, 16000)
    for start in range(0, len(audio), 4000):
        engine.feed(audio[start:start + 4000])
    expected = engine.finish()
    sink = Recorder()
    result = Pipeline(cfg, 16000, [sink]).run(Block(audio[s:s + 1234]) for s in range(0, len(audio), 1234))
    assert result.summary() == expected.summary()
    assert sink.closed and len(sink.seen) == -(-len(audio) // 1234)
    assert [done for _, done in sink.seen] == list(np.cumsum([n for n, _ in sink.seen]))    # pushed after feeding


def test_sinks_are_closed_when_the_source_fails():
    sink = Recorder()

    def failing():
        yield Block(np.zeros((1600, 2), np.int16))
        raise OSError("the disk went away")

    with pytest.raises(OSError, match="went away"):
        Pipeline(load_config(None), 16000, [sink]).run(failing())
    assert sink.closed and len(sink.seen) == 1


def test_analyze_file_reports_progress_through_its_sink(excerpt):
    path, audio = excerpt
    calls = []
    talkbalance.analyze_file(path, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (pytest.approx(len(audio) / 16000), pytest.approx(EXCERPT_S))
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_an_overflowed_block_is_noted_where_it_began():
    pipeline = Pipeline(load_config(None), 16000, [DropoutNotes(16000)])
    for k in range(5):
        pipeline.feed(Block(np.zeros((1600, 2), np.int16), arrival_s=100.0 + 0.1 * (k + 1), overflow=k == 3))
    quality = pipeline.finish().quality
    assert quality.dropped_blocks == 1 and quality.dropped_block_times_s == [0.3]


def test_run_live_takes_extra_sinks_and_a_display_and_keeps_no_benchmark_state(excerpt, tmp_path):
    """What the live-monitor benchmark does: a latency probe in the session's pipeline, its own display."""
    path, audio = excerpt
    probes, shown = [], []

    class Shown(NoDisplay):
        def update(self, snap):
            shown.append(snap.now_s)

    def sinks(session):
        probes.append(LatencyProbe(session.view))
        return probes

    session, summary = run_live(LiveOptions(load_config(PEER), tmp_path / "s", replay=str(path), speed=100.0,
                                            sinks=sinks, display=lambda session, stop: Shown(stop)))
    assert not hasattr(session, "latencies_s") and not hasattr(session, "logged")
    probe = probes[0]
    n_blocks = -(-len(audio) // 1600)
    assert len(probe.snapshot_s) == n_blocks and all(0 <= s < 5 for s in probe.snapshot_s)
    assert probe.arrivals[-1][0] == len(audio)
    assert sum(probe.final_spurts) >= 6 and shown and shown == sorted(shown)
    with open(tmp_path / "s" / "events.csv", newline="") as f:
        rows = list(csv.reader(f))[1:]
    logged = [(e.kind, f"{e.start * session.engine.frame_s:.3f}") for e, _ in probe.logged]
    assert logged == [(r[0], r[1]) for r in rows[:len(logged)]] and len(logged) >= 3
    offline = talkbalance.analyze_file(path, config=PEER).summary()
    assert {k: summary[k] for k in ("speakers", "session", "coaching", "config", "quality")} == {
        k: offline[k] for k in ("speakers", "session", "coaching", "config", "quality")}


@pytest.mark.skipif(importlib.util.find_spec("pyannote") is None or importlib.util.find_spec("pyannote.core") is None,
                    reason="SessionResult.to_annotation needs pyannote.core (pip install pyannote.core)")
def test_to_annotation_holds_one_segment_per_talk_spurt_as_the_rttm(excerpt, tmp_path):
    path, _ = excerpt
    result = talkbalance.analyze_file(path, speakers=["maya", "sam"])
    annotation = result.to_annotation()
    talkbalance.write_outputs(result, tmp_path, formats=["rttm"])
    rttm = sorted((round(float(f[3]), 3), round(float(f[3]) + float(f[4]), 3), f[7])
                  for f in (line.split() for line in (tmp_path / "activity.rttm").read_text().splitlines()))
    segments = sorted((round(s.start, 3), round(s.end, 3), label) for s, _, label in annotation.itertracks(yield_label=True))
    assert annotation.uri == "excerpt" and set(annotation.labels()) == {"maya", "sam"}
    assert segments == rttm and len(segments) == sum(map(len, result.conversation.spurts))

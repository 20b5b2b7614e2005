"""Whole recordings: the same figures wherever a conversation sits in a file and whatever its encoding, and one
speaker alone heard as fully as plain webrtcvad hears them. Real calls from ../shared/data/two_party_calls and
clean speech from ../shared/data/librispeech_dev; the bundled demo always."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import soxr
from conftest import DEMO, shared_data

from benchmarks.realcalls import three_copies
from talkbalance.cli.analyze import analyze_to_folder
from talkbalance.config import Config


def conversation(name: str) -> tuple[np.ndarray, int]:
    if name == "demo":
        return sf.read(DEMO / "practice_session.flac", dtype="float32")
    calls = shared_data("two_party_calls")
    a, rate = sf.read(calls / f"Auto_Repairs_{name}_UTC_agent.wav", dtype="float32")
    b, _ = sf.read(calls / f"Auto_Repairs_{name}_UTC_caller.wav", dtype="float32")
    n = min(len(a), len(b))
    return np.stack([a[:n], b[:n]], axis=1), rate


@pytest.mark.parametrize("name", ["demo", "40", "49"])
def test_a_conversation_gets_the_same_figures_wherever_it_sits_in_a_file(name):
    copies = three_copies(*conversation(name))
    first = copies[0]
    assert min(first[0]) > 20                                   # both people talk in every copy
    for talk_s, _, _ in copies[1:]:
        for k in (0, 1):
            assert abs(talk_s[k] - first[0][k]) <= max(1.0, 0.03 * first[0][k]), copies
    counts = [[c[1] for c in copies], [c[2] for c in copies]]
    assert max(counts[0]) - min(counts[0]) <= 1 and max(counts[1]) - min(counts[1]) <= 2, copies


@pytest.mark.parametrize("name", ["demo", "40", "49"])
def test_the_same_conversation_in_any_encoding_gives_the_same_figures(name, tmp_path):
    audio, rate = conversation(name)
    encodings = {"16k.wav": (16000, "WAV", "PCM_16"), "44k24.wav": (44100, "WAV", "PCM_24"),
                 "48k.opus.ogg": (48000, "OGG", "OPUS"), "44k.mp3": (44100, "MP3", "MPEG_LAYER_III")}
    figures = {}
    for suffix, (out_rate, fmt, subtype) in encodings.items():
        path = tmp_path / f"{name}_{suffix}"
        sf.write(path, np.clip(soxr.resample(audio, rate, out_rate), -1, 1), out_rate, format=fmt, subtype=subtype)
        summary = analyze_to_folder([str(path)], tmp_path / f"out_{suffix}", Config(), quiet=True)
        figures[suffix] = (summary["speakers"][0]["talk_share"], summary["session"]["interruptions"])
    shares = [share for share, _ in figures.values()]
    interruptions = [n for _, n in figures.values()]
    assert max(shares) - min(shares) <= 0.01, figures
    assert max(interruptions) - min(interruptions) <= 1, figures


def test_one_speaker_with_a_silent_partner_channel_is_heard_as_fully_as_plain_webrtcvad_hears_them():
    """30 read utterances, each on one mic beside a mic of noise only (benchmarks/single.py): recall within
    1 point of webrtcvad per frame with the same smoothing, and higher precision."""
    from benchmarks.single import counts

    found = counts(shared_data("librispeech_dev"))
    (tp, fp, fn), (vtp, vfp, vfn) = found["talkbalance"], found["webrtcvad"]
    assert tp / (tp + fn) >= vtp / (vtp + vfn) - 0.01
    assert tp / (tp + fp) > vtp / (vtp + vfp)

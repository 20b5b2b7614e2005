"""Whole recordings: the same figures wherever a conversation sits in a file and whatever its encoding, and one
speaker alone heard as fully as plain webrtcvad hears them. Real calls from ../shared/data/two_party_calls and
clean speech from ../shared/data/librispeech_dev; the bundled demo always."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import soxr
import webrtcvad

from conftest import DEMO, shared_data
from talkbalance.analyze import analyze_files
from talkbalance.config import Config
from talkbalance.engine import Engine

HOP_OFFSET_S = 0.37          # each copy is cut so the next one starts off the gate's hop grid


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
    audio, rate = conversation(name)
    copy = audio[:len(audio) - int(HOP_OFFSET_S * rate)]
    engine = Engine(Config(), rate)
    three = np.concatenate([copy] * 3)
    for i in range(0, len(three), 5 * rate):
        engine.feed(three[i:i + 5 * rate])
    result = engine.finish()
    frames = len(copy) * 100 // rate
    copies = []
    for c in range(3):
        lo, hi = c * frames, (c + 1) * frames
        talk_s = [sum(max(0, min(s.end, hi) - max(s.start, lo)) for s in sp) / 100 for sp in result.conversation.spurts]
        events = [e for e in result.conversation.events if lo <= e.start < hi]
        copies.append((talk_s, sum(e.kind == "interruption" for e in events), sum(e.kind == "backchannel" for e in events)))
    first = copies[0]
    assert min(first[0]) > 20                                   # both people talk in every copy
    for talk_s, interruptions, backchannels in copies[1:]:
        for k in (0, 1):
            assert abs(talk_s[k] - first[0][k]) <= max(1.0, 0.03 * first[0][k]), (talk_s, first)
        assert abs(interruptions - first[1]) <= 1 and abs(backchannels - first[2]) <= 2, (copies,)


@pytest.mark.parametrize("name", ["demo", "40", "49"])
def test_the_same_conversation_in_any_encoding_gives_the_same_figures(name, tmp_path):
    audio, rate = conversation(name)
    encodings = {"16k.wav": (16000, "WAV", "PCM_16"), "44k24.wav": (44100, "WAV", "PCM_24"),
                 "48k.opus.ogg": (48000, "OGG", "OPUS"), "44k.mp3": (44100, "MP3", "MPEG_LAYER_III")}
    figures = {}
    for suffix, (out_rate, fmt, subtype) in encodings.items():
        path = tmp_path / f"{name}_{suffix}"
        sf.write(path, np.clip(soxr.resample(audio, rate, out_rate), -1, 1), out_rate, format=fmt, subtype=subtype)
        _, summary = analyze_files([str(path)], tmp_path / f"out_{suffix}", Config(), quiet=True)
        figures[suffix] = (summary["speakers"][0]["talk_share"], summary["session"]["interruptions"])
    shares = [share for share, _ in figures.values()]
    interruptions = [n for _, n in figures.values()]
    assert max(shares) - min(shares) <= 0.01, figures
    assert max(interruptions) - min(interruptions) <= 1, figures


def test_one_speaker_with_a_silent_partner_channel_is_heard_as_fully_as_plain_webrtcvad_hears_them():
    """30 read utterances, each on one mic (gain -10..+6 dB, noise -65..-50 dBFS) beside a mic of noise only:
    recall within 1 point of webrtcvad per frame with the same smoothing, and higher precision."""
    from benchmarks.simulate import MIN_PAUSE_FRAMES, MIN_SPURT_FRAMES, _db, _frame_power, pink_noise
    from benchmarks.systems import _conversation
    from talkbalance.intervals import bridge, drop_short, runs

    files = sorted(shared_data("librispeech_dev").rglob("*.flac"))[::3][:30]
    rng = np.random.default_rng(5)
    counts = {"talkbalance": np.zeros(3), "webrtcvad": np.zeros(3)}         # tp, fp, fn
    for path in files:
        x, rate = sf.read(path, dtype="float32")
        noise_db = rng.uniform(-65, -50)
        own = np.concatenate((np.zeros(rate // 2), x * 10 ** (rng.uniform(-10, 6) / 20), np.zeros(rate // 2)))
        noise = [pink_noise(rng, len(own)) for _ in (0, 1)]
        noise = [z / np.sqrt(np.mean(z ** 2)) * 10 ** (noise_db / 20) for z in noise]
        audio = np.stack([own + noise[0], noise[1]], axis=1).astype(np.float32)
        n = len(own) // 160
        level = _db(_frame_power(own))
        ref = np.zeros(n, dtype=bool)
        for a, b in drop_short(bridge(runs((level > noise_db + 3) & (level > -55)), MIN_PAUSE_FRAMES),
                               MIN_SPURT_FRAMES).tolist():
            ref[a:b] = True
        engine = Engine(Config(), rate)
        engine.feed(audio)
        spurts = {"talkbalance": engine.finish().conversation.spurts[0]}
        pcm = np.clip(np.rint(audio[:, 0] * 32768), -32768, 32767).astype(np.int16)
        vad = webrtcvad.Vad(Config().vad.aggressiveness)
        flags = np.array([vad.is_speech(pcm[i * 160:(i + 1) * 160].tobytes(), rate) for i in range(n)])
        spurts["webrtcvad"] = _conversation([flags, np.zeros(n, dtype=bool)]).spurts[0]
        for name, found in spurts.items():
            hyp = np.zeros(n, dtype=bool)
            for s in found:
                hyp[s.start:s.end] = True
            counts[name] += [(hyp & ref).sum(), (hyp & ~ref).sum(), (~hyp & ref).sum()]
    (tp, fp, fn), (vtp, vfp, vfn) = counts["talkbalance"], counts["webrtcvad"]
    assert tp / (tp + fn) >= vtp / (vtp + vfn) - 0.01
    assert tp / (tp + fp) > vtp / (vtp + vfp)

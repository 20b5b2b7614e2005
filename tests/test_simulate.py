"""Tests for benchmarks/simulate/: the two-headset conversation simulator.

They need the LibriSpeech excerpt in ../shared/data/librispeech_dev and skip without it.
Conversations are 60-90 s except the one 3-minute conversation of the event test.
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from benchmarks.simulate import (
    FRAME,
    Channel,
    PhraseBank,
    TurnTaking,
    plan_script,
    simulate,
    write_reference,
)
from talkbalance.core.intervals import bridge, drop_short, runs

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "librispeech_dev"
DEFAULT_SEED = 7


@pytest.fixture(scope="module")
def bank() -> PhraseBank:
    if not DATA.is_dir():
        pytest.skip(f"{DATA} is absent: the shared LibriSpeech excerpt sits beside the checkout "
                    f"(../shared/data/librispeech_dev)")
    return PhraseBank.from_folder(DATA)


@pytest.fixture(scope="module")
def sim60(bank):
    return simulate(bank, DEFAULT_SEED, duration_s=60.0)


@pytest.fixture(scope="module")
def sims90(bank):
    return [simulate(bank, seed, duration_s=90.0) for seed in range(6)]


@pytest.fixture(scope="module")
def sim180(bank):
    return simulate(bank, 3, duration_s=180.0)


def spurt_mask(spurts, n: int) -> np.ndarray:
    m = np.zeros(n, bool)
    for s in spurts:
        m[s.start:s.end] = True
    return m


def frame_energy(x: np.ndarray) -> np.ndarray:
    n = len(x) // FRAME
    f = x[:n * FRAME].astype(np.float64).reshape(n, FRAME)
    return (f * f).sum(axis=1)


# --------------------------------------------------------------------------- bank


def test_bank_phrases_and_tokens(bank):
    assert len(bank.speakers) >= 2
    assert set(bank.speakers) <= {p.name for p in DATA.iterdir() if p.is_dir()}
    for spk, phrases in bank.speakers.items():
        assert phrases and bank.tokens[spk], spk
        for ph in phrases:
            assert ph.dtype == np.float32 and len(ph) >= 0.4 * 16000
            e = frame_energy(ph) / FRAME
            active = e[e >= np.percentile(e, 95) * 10 ** -3.5]           # roughly the bank's non-silent frames
            assert abs(10 * np.log10(active.mean()) + 20.0) < 1.5
        for tok in bank.tokens[spk]:
            assert tok.dtype == np.float32
            e = 10 * np.log10(np.maximum(frame_energy(tok) / FRAME, 1e-20))
            loud = np.flatnonzero(e > -50)
            assert 0.25 <= (loud[-1] - loud[0] + 1) * 0.01 <= 0.72        # audible span of a short token
            assert e.max() > -26                                           # speech, not silence
        for item in bank.phrase_items(spk):
            assert item.frames * FRAME == len(item.audio)


# --------------------------------------------------------------------------- determinism and rates


def test_same_seed_same_conversation(bank, sim60):
    again = simulate(bank, DEFAULT_SEED, duration_s=60.0)
    assert np.array_equal(again.audio, sim60.audio)
    assert again.reference == sim60.reference
    assert again.script == sim60.script
    assert again.channels == sim60.channels and again.speakers == sim60.speakers


def test_different_seed_differs(bank, sim60):
    other = simulate(bank, DEFAULT_SEED + 1, duration_s=60.0)
    assert not np.array_equal(other.audio, sim60.audio)
    assert other.script != sim60.script
    assert other.reference != sim60.reference


@pytest.mark.parametrize("rate", [8000, 44100])
def test_rates_same_conversation(bank, sim60, rate):
    sim = simulate(bank, DEFAULT_SEED, duration_s=60.0, rate_hz=rate)
    assert sim.rate_hz == rate
    assert sim.audio.shape == (60 * rate, 2) and sim.audio.dtype == np.float32
    assert np.abs(sim.audio).max() <= 0.99
    assert sim.reference == sim60.reference                      # 10 ms frames, whatever the rate
    assert sim.script == sim60.script
    assert sim.channels == sim60.channels


def test_script_independent_of_channel_model(bank, sim60):
    other = simulate(bank, DEFAULT_SEED, duration_s=60.0, bleed_db=-30.0, noise_dbfs=-45.0)
    assert other.script == sim60.script
    assert plan_script(bank, DEFAULT_SEED, 60.0) == (sim60.speakers, sim60.script)


# --------------------------------------------------------------------------- reference


def test_reference_follows_its_rule(sim60):
    """Recompute the reference from the clean sources: level > max(noise + 3 dB, -55 dBFS), then 1.4 smoothing."""
    scale = 10 ** (sim60.speech_scale_db / 20)
    for k, ch in enumerate(sim60.channels):
        level = 10 * np.log10(np.maximum(frame_energy(sim60.clean[:, k] * 10 ** (ch.gain_db / 20) * scale) / FRAME,
                                         1e-20))
        active = (level > ch.noise_dbfs + 3) & (level > -55)
        iv = drop_short(bridge(runs(active), 20), 10)
        assert [(s.start, s.end) for s in sim60.reference[k]] == [tuple(r) for r in iv.tolist()]
        assert all(s.speaker == k for s in sim60.reference[k])


def test_reference_matches_placements(sims90):
    """Every scripted audible segment lies in the speaker's reference spurts (allowing weak edge frames on a
    quiet mic), and every reference spurt comes from a placed piece of that speaker."""
    covered = total = 0
    for sim in sims90:
        n = int(sim.duration_s * 100)
        for k in (0, 1):
            ref = spurt_mask(sim.reference[k], n)
            placed = np.zeros(n, bool)
            for r in sim.script:
                if r["kind"] != "phrase" or r["speaker"] != k:
                    continue
                placed[round(r["item_start_s"] * 100):round(r["item_end_s"] * 100)] = True
                on = round(r["start_s"] * 100)
                assert ref[on:on + 5].any(), (sim.seed, r)                # the onset is heard
                for s, e in r["segments"]:
                    seg = ref[round(s * 100):round(e * 100)]
                    covered += int(seg.sum())
                    total += len(seg)
            for s in sim.reference[k]:
                assert placed[s.start:s.end].any(), (sim.seed, s)
    assert covered / total > 0.99


def test_bleed_level(bank):
    """Noise off: over frames where only A's voice exists, mic_B / mic_A = bleed_db + gain_B - gain_A."""
    custom = (Channel(bleed_db=-25.0, delay_ms=2.5, colour_hz=2600, gain_db=4.0, noise_dbfs=-120),
              Channel(bleed_db=-12.0, delay_ms=0.4, colour_hz=4800, gain_db=-9.0, noise_dbfs=-120))
    for seed, channels in ((11, None), (12, custom)):
        sim = simulate(bank, seed, duration_s=60.0, noise_dbfs=-120.0, channels=channels)
        n = int(sim.duration_s * 100)
        ref = [spurt_mask(sim.reference[k], n) for k in (0, 1)]
        silent = [frame_energy(sim.clean[:, k])[:n] == 0 for k in (0, 1)]
        for talker in (0, 1):
            other = 1 - talker
            quiet = silent[other] & np.roll(silent[other], 1) & np.roll(silent[other], -1)
            only = ref[talker] & quiet
            assert only.sum() > 300
            e_talker = frame_energy(sim.audio[:, talker])[:n][only].sum()
            e_other = frame_energy(sim.audio[:, other])[:n][only].sum()
            measured = 10 * np.log10(e_other / e_talker)
            ch = sim.channels
            expected = ch[other].bleed_db + ch[other].gain_db - ch[talker].gain_db
            assert abs(measured - expected) < 1.5, (seed, talker, measured, expected)


def test_bleed_delay(bank):
    """The partner's voice arrives delay_ms later (plus the colouring's low-frequency group delay)."""
    chans = (Channel(delay_ms=0.7, colour_hz=4000, noise_dbfs=-120),
             Channel(delay_ms=2.3, colour_hz=3000, noise_dbfs=-120))
    sim = simulate(bank, 5, duration_s=30.0, channels=chans)
    for talker in (0, 1):
        own = sim.clean[:, talker].astype(np.float64)
        mic = sim.audio[:, 1 - talker].astype(np.float64)
        size = 1 << int(np.ceil(np.log2(2 * len(own))))
        xc = np.fft.irfft(np.fft.rfft(mic, size) * np.conj(np.fft.rfft(own, size)), size)[:200]
        i = int(np.argmax(xc[:100]))
        frac = 0.5 * (xc[i - 1] - xc[i + 1]) / (xc[i - 1] - 2 * xc[i] + xc[i + 1])
        lag_ms = (i + frac) / 16.0
        ch = chans[1 - talker]
        expected = ch.delay_ms + 1e3 / (2 * np.pi * ch.colour_hz)
        assert abs(lag_ms - expected) < 0.1, (talker, lag_ms, expected)


def test_noise_level(bank):
    sim = simulate(bank, 4, duration_s=60.0, noise_dbfs=-50.0)
    n = int(sim.duration_s * 100)
    both_silent = (frame_energy(sim.clean[:, 0])[:n] == 0) & (frame_energy(sim.clean[:, 1])[:n] == 0)
    both_silent &= np.roll(both_silent, 1) & np.roll(both_silent, -1)
    assert both_silent.sum() > 50
    for k in (0, 1):
        rms = np.sqrt(frame_energy(sim.audio[:, k])[:n][both_silent].sum() / (both_silent.sum() * FRAME))
        assert abs(20 * np.log10(rms) + 50.0) < 1.0
        total = np.sqrt(np.mean(sim.audio[:, k].astype(np.float64) ** 2))
        assert 20 * np.log10(total) > -50.0                              # speech on top of the noise


# --------------------------------------------------------------------------- turn-taking


def test_fto_distribution(bank, sims90):
    """Floor-transfer offsets near the published norms: mean about +0.2 s, about 40 % overlapping."""
    ref = np.array([fc.offset * 0.01 for sim in sims90 for fc in sim.reference_conversation.floor_changes])
    assert len(ref) > 40
    assert 0.0 <= ref.mean() <= 0.4
    assert 0.25 <= (ref < 0).mean() <= 0.55
    scripted = np.array([r["fto_s"] for seed in range(30) for r in plan_script(bank, seed, 180.0)[1]
                         if r["kind"] == "transition"])
    assert len(scripted) > 300
    assert 0.05 <= scripted.mean() <= 0.3
    assert 0.3 <= (scripted < 0).mean() <= 0.5
    assert scripted.min() >= -0.9 and scripted.max() <= 2.0


def test_within_turn_pauses_and_margins(sims90):
    tt = TurnTaking()
    for sim in sims90:
        for k in (0, 1):
            own = sorted((r for r in sim.script if r["kind"] == "phrase" and r["speaker"] == k),
                         key=lambda r: r["item_start_s"])
            for a, b in zip(own, own[1:]):
                assert b["item_start_s"] - a["item_end_s"] >= 0.2                 # never bridged into one spurt
            turn = [r for r in own if r["role"] == "turn"]
            for a, b in zip(turn, turn[1:]):
                if b["start_s"] - a["end_s"] < 3:
                    assert b["start_s"] - a["end_s"] >= tt.pause_min_s - 1e-9


def _matched(sim, r, tol=0.15) -> bool:
    for e in sim.reference_conversation.events:
        if e.kind != r["kind"] or e.outcome != r.get("outcome", "") or abs(e.start * 0.01 - r["start_s"]) > tol:
            continue
        if r["kind"] == "simultaneous_start" or e.speaker == r["speaker"]:   # who is "second" is a frame's call
            return True
    return False


def test_deliberate_events_in_three_minutes(sim180):
    script = sim180.script
    kinds = {(r["kind"], r.get("outcome", "")) for r in script}
    for kind in (("backchannel", ""), ("interruption", "successful"), ("interruption", "unsuccessful"),
                 ("simultaneous_start", "")):
        assert kind in kinds, kind
    events = {(e.kind, e.outcome) for e in sim180.reference_conversation.events}
    assert {("backchannel", ""), ("interruption", "successful"), ("interruption", "unsuccessful")} <= events
    deliberate = [r for r in script if r["kind"] in ("backchannel", "interruption", "simultaneous_start")]
    found = [_matched(sim180, r) for r in deliberate]
    assert sum(found) >= 0.85 * len(found), [r for r, ok in zip(deliberate, found) if not ok]
    for kind in kinds & {("backchannel", ""), ("interruption", "successful"), ("interruption", "unsuccessful")}:
        assert any(ok for r, ok in zip(deliberate, found) if (r["kind"], r.get("outcome", "")) == kind), kind


def test_deliberate_events_match_reference_pooled(sims90):
    deliberate = [(sim, r) for sim in sims90 for r in sim.script
                  if r["kind"] in ("backchannel", "interruption", "simultaneous_start")]
    assert len(deliberate) > 30
    assert sum(_matched(sim, r) for sim, r in deliberate) >= 0.9 * len(deliberate)


def test_event_geometry(sims90):
    """The scripted events keep their stated timing rules (on audible speech)."""
    tt = TurnTaking()
    for sim in sims90:
        phrases = [r for r in sim.script if r["kind"] == "phrase"]
        for r in sim.script:
            if r["kind"] == "backchannel":
                assert 0.25 <= r["end_s"] - r["start_s"] <= 0.7 + 1e-9
                host = [s for p in phrases if p["speaker"] == r["other"] for s in p["segments"]
                        if s[0] <= r["start_s"] and r["end_s"] <= s[1]]
                assert host and r["start_s"] - host[0][0] >= tt.backchannel_after_onset_s - 1e-9
                assert host[0][1] - r["end_s"] >= tt.backchannel_before_end_s - 1e-9
            elif r["kind"] == "interruption" and r["outcome"] == "unsuccessful":
                assert 1.2 <= r["end_s"] - r["start_s"] <= 2.5 + 1e-9
                host = [s for p in phrases if p["speaker"] == r["other"] and p["end_s"] - p["start_s"] >= 3.5
                        for s in p["segments"] if s[0] + 0.5 - 1e-9 <= r["start_s"] and r["end_s"] <= s[1] - 0.4 + 1e-9]
                assert host, r
            elif r["kind"] == "interruption":
                assert 0.4 - 1e-9 <= r["end_s"] - r["start_s"] <= 0.9 + 1e-9        # overlap until the cut
                cut = [p for p in phrases if p["speaker"] == r["other"] and p["cut_s"] == r["end_s"]]
                assert cut
            elif r["kind"] == "simultaneous_start":
                starts = sorted(p["start_s"] for p in phrases if abs(p["start_s"] - r["start_s"]) <= 0.13)
                assert len(starts) >= 2 and starts[-1] - starts[0] <= 0.12 + 1e-9
                yielded = [p for p in phrases if p["speaker"] == r["yielder"] and p["role"] == "yielder"
                           and abs(p["start_s"] - r["start_s"]) <= 0.13]
                assert yielded and 0.3 - 1e-9 <= yielded[0]["cut_s"] - yielded[0]["start_s"] <= 0.6 + 1e-9


def test_no_clipping_and_headroom(sims90):
    for sim in sims90:
        assert np.abs(sim.audio).max() <= 0.99
        assert sim.speech_scale_db <= 0.0
        assert all(-7.0 <= c.gain_db <= 7.0 and 0.3 <= c.delay_ms <= 3.0 and 2500 <= c.colour_hz <= 5000
                   for c in sim.channels)
        assert sim.speakers[0] != sim.speakers[1]


# --------------------------------------------------------------------------- files


def test_write_reference(tmp_path, sim60):
    write_reference(sim60, tmp_path, "conv")
    audio, rate = sf.read(tmp_path / "conv.wav", dtype="float32")
    assert rate == 16000 and audio.shape == sim60.audio.shape
    assert np.abs(audio - sim60.audio).max() < 1e-4
    lines = (tmp_path / "conv.rttm").read_text().splitlines()
    assert len(lines) == sum(len(sp) for sp in sim60.reference)
    first = lines[0].split()
    assert first[0] == "SPEAKER" and first[1] == "conv" and first[7] in ("A", "B")
    with open(tmp_path / "conv_events.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][:6] == ["kind", "start_s", "end_s", "speaker", "other", "outcome"]
    assert len(rows) - 1 == len(sim60.reference_conversation.events)
    assert all(len(r[1].split(".")[1]) == 3 for r in rows[1:])
    assert (tmp_path / "conv_script.json").is_file()

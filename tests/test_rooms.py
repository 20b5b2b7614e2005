"""Known answers in simulated rooms (image-source acoustics): reverberant bleed, a distant pair, a gain step,
a quiet talker. Each check has a plain-webrtcvad counterpart that fails it, so the check has teeth."""
from __future__ import annotations

import pytest

from benchmarks.rooms import RoomSetup, simulate_room
from benchmarks.score import score
from benchmarks.systems import naive, talkbalance_system

DURATION_S = 60.0


def setup(rt60_s: float = 0.6, partner_m: float = 1.5, others: bool = False, quiet_db: float = 0.0,
          gain_steps=(), others_db: float = 0.0) -> RoomSetup:
    """A 6 x 5 x 2.8 m room: A and B seated ``partner_m`` apart, headset mics 6 cm from their mouths; the other
    pair (if any) 2 m further into the room."""
    a = (2.0, 2.0, 1.2)
    b = (2.0 + partner_m, 2.0, 1.2)
    talkers = [a, b]
    if others:
        mid = 2.0 + partner_m / 2
        talkers += [(mid - 0.6, 4.2, 1.15), (mid + 0.6, 4.2, 1.15)]
    mics = ((a[0] + 0.05, a[1] + 0.03, 1.18), (b[0] - 0.05, b[1] + 0.03, 1.18))
    return RoomSetup(dims_m=(6.0, 5.0, 2.8), rt60_s=rt60_s, talkers_m=tuple(talkers), mics_m=mics,
                     quiet_db=quiet_db, others_db=others_db, gains_db=(0.0, -4.0), gain_steps=tuple(gain_steps),
                     noise_dbfs=-58.0)


def scored(sim, system, from_s: float = 0.0) -> dict:
    n = int(len(sim.audio) / sim.rate_hz / 0.01)
    s = score(sim.reference_conversation, system(sim.audio, sim.rate_hz), n, others=sim.others)
    if from_s:                                        # frame figures over the part after from_s only
        from benchmarks.score import activity
        ref = [activity(sim.reference[k], n)[int(from_s * 100):] for k in (0, 1)]
        hyp = [activity(sp, n)[int(from_s * 100):] for sp in system(sim.audio, sim.rate_hz).spurts]
        s["after"] = [{"recall": (ref[k] & hyp[k]).sum() / max(ref[k].sum(), 1),
                       "partner_fa": (hyp[k] & ref[1 - k] & ~ref[k]).sum() / max((ref[1 - k] & ~ref[k]).sum(), 1)}
                      for k in (0, 1)]
    return s


@pytest.fixture(scope="module")
def talkbalance():
    return talkbalance_system()


def test_reverberant_bleed_is_not_the_wearers_speech(phrase_bank, talkbalance):
    sim = simulate_room(phrase_bank, seed=11, duration_s=DURATION_S, setup=setup(rt60_s=0.7, partner_m=1.3))
    assert sim.measured_rt60_s == pytest.approx(0.7, rel=0.15)
    mine, plain = scored(sim, talkbalance), scored(sim, naive)
    for k in (0, 1):
        assert mine["speakers"][k]["frames"]["f1"] >= 0.9
        assert mine["speakers"][k]["crosstalk"]["rate"] <= 0.02
    assert max(plain["speakers"][k]["crosstalk"]["rate"] for k in (0, 1)) >= 0.2


def test_a_distant_pair_talking_in_the_room_is_nobodys_speech(phrase_bank, talkbalance):
    sim = simulate_room(phrase_bank, seed=12, duration_s=DURATION_S, setup=setup(others=True))
    assert sim.others.mean() > 0.3                      # the other pair talk much of the time
    mine, plain = scored(sim, talkbalance), scored(sim, naive)
    for k in (0, 1):
        assert mine["speakers"][k]["others"]["rate"] <= 0.03
        assert mine["speakers"][k]["frames"]["f1"] >= 0.9
    assert max(plain["speakers"][k]["others"]["rate"] for k in (0, 1)) >= 0.2


def test_a_gain_step_is_followed(phrase_bank, talkbalance):
    """A knocked mic (-6 dB on A's at 25 s) and a head turn (+6 dB on B's at 30 s): A's voice is now 12 dB less
    louder in A's mic than in B's, and A's bleed 6 dB louder in B's. After them, each wearer is heard nearly as
    well as in the same session without the steps, and the partner's bleed is still rejected."""
    steps = ((25.0, 0, -6.0), (30.0, 1, 6.0))
    after = scored(simulate_room(phrase_bank, seed=13, duration_s=DURATION_S, setup=setup(gain_steps=steps)),
                   talkbalance, from_s=35.0)["after"]
    steady = scored(simulate_room(phrase_bank, seed=13, duration_s=DURATION_S, setup=setup()),
                    talkbalance, from_s=35.0)["after"]
    for k in (0, 1):
        assert after[k]["recall"] >= min(0.9, steady[k]["recall"] - 0.08)
        assert after[k]["partner_fa"] <= 0.03


def test_a_quiet_talker_is_heard_and_the_loud_one_not_in_their_mic(phrase_bank, talkbalance):
    sim = simulate_room(phrase_bank, seed=14, duration_s=DURATION_S, setup=setup(quiet_db=-14.0, partner_m=1.0))
    mine, plain = scored(sim, talkbalance), scored(sim, naive)
    assert mine["speakers"][1]["frames"]["recall"] >= 0.85
    for k in (0, 1):
        assert mine["speakers"][k]["crosstalk"]["rate"] <= 0.03
    assert plain["speakers"][1]["crosstalk"]["rate"] >= 0.2      # the loud partner swamps the quiet one's mic

"""Two-headset conversations in simulated rooms, with exact references (image sources, pyroomacoustics).

    python -m benchmarks.rooms --out DIR [--seeds 0 1 2] [--duration 180] [--rt60 0.2 0.9]
                               [--partner-m 0.8 2.5] [--others] [--rate 16000]

The conversation (who says what when) is the one ``benchmarks.simulate`` scripts for the seed; here
it is spoken in a shoebox room instead of through the coherent bleed model. Everything that makes
real bleed differ from a delayed copy comes from the room: each mic hears its wearer 4-8 cm away,
the partner 0.8-2.5 m away with the room's reverberation (RT60 0.2-0.9 s), and, when ``others`` is
set, another pair practising 2-5 m away (their own scripted conversation, by two other speakers; each
of them at least 2 m from A and from B), talking up to as loud as the pair (-10 to 0 dB). Per session: unequal mic gains (+-7 dB), gain
steps of 3-6 dB on one mic (a head turn, a knocked mic), an optional quiet talker (10-15 dB below
the partner), pinkish mic noise, output at 8-48 kHz.

Acoustics: ``pyroomacoustics.ShoeBox`` image sources up to the order the reverberation needs (no
ray tracing: its random tail would make a seed give different rooms), all walls of one absorption,
calibrated so that the measured RT60 (T30 of the partner path, Schroeder integration) is within
about 10 % of the target; the measured value is what results report. Omnidirectional mics and
talkers. The mix is made at 16 kHz and resampled with soxr like ``simulate``.

Reference (exact): each mic's wearer activity comes from the wearer's own dry voice at the mic
(direct path, times the mic's gain over time and the common headroom), framed and smoothed exactly
as ``simulate.reference_spurts`` does; ``others`` marks the frames where a voice of the other pair
is active (their dry voices, same rule at the partner's level). Reverberation never counts as speech.
"""
from __future__ import annotations

import argparse
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pyroomacoustics as pra
import scipy.signal
import soxr

from benchmarks.simulate import (
    FRAME,
    MIN_PAUSE_FRAMES,
    MIN_SPURT_FRAMES,
    PEAK_TARGET,
    RATE,
    REF_FLOOR_DBFS,
    REF_MARGIN_DB,
    PhraseBank,
    TurnTaking,
    _db,
    _frame_power,
    _plan,
    pink_noise,
    placed_voices,
    true_peak,
)
from talkbalance.config import Config
from talkbalance.core.events import FrameRules, derive
from talkbalance.core.intervals import bridge, drop_short, runs
from talkbalance.core.types import Conversation, Spurt

SOUND_SPEED = 343.0
WALL_MARGIN_M = 0.5
HEAD_HEIGHT_M = (1.1, 1.3)             # seated talkers
RT60_TOLERANCE = 0.1                    # calibrated to within this share of the target
GAIN_RAMP_S = 0.05                      # a gain step takes this long
OTHERS_MIN_M = 2.0                      # each of the other pair sits at least this far from A and from B


@dataclass(frozen=True)
class RoomSetup:
    """One simulated room session; positions in metres, levels in dB."""

    dims_m: tuple[float, float, float]
    rt60_s: float                      # target; the measured one is in RoomConversation
    talkers_m: tuple[tuple[float, float, float], ...]   # A, B, then the other pair (C, D) if any
    mics_m: tuple[tuple[float, float, float], ...]      # A's and B's headset mics
    quiet_db: float = 0.0              # B's talker level relative to A's (<= 0)
    others_db: float = -5.0            # the other pair's talker level relative to A's (<= 0)
    gains_db: tuple[float, float] = (0.0, 0.0)
    gain_steps: tuple[tuple[float, int, float], ...] = ()   # (time_s, mic, step_db)
    noise_dbfs: float = -60.0

    @property
    def partner_m(self) -> float:
        return _distance(self.talkers_m[0], self.talkers_m[1])

    @property
    def others_m(self) -> float | None:
        """Distance from the pair's midpoint to the other pair's midpoint."""
        if len(self.talkers_m) < 4:
            return None
        return _distance(_midpoint(*self.talkers_m[:2]), _midpoint(*self.talkers_m[2:]))

    @property
    def mouth_mic_m(self) -> tuple[float, float]:
        return (_distance(self.talkers_m[0], self.mics_m[0]), _distance(self.talkers_m[1], self.mics_m[1]))


@dataclass
class RoomConversation:
    """A room session: audio, exact reference and the setup (see the module docstring)."""

    audio: np.ndarray                  # (n, 2) float32 at rate_hz
    rate_hz: int
    reference: list[list[Spurt]]
    reference_conversation: Conversation
    others: np.ndarray                 # (frames,) bool: a voice of the other pair is active
    setup: RoomSetup
    measured_rt60_s: float
    seed: int
    speakers: tuple[str, ...] = field(default_factory=tuple)

    @property
    def duration_s(self) -> float:
        return len(self.audio) / self.rate_hz


def _distance(a, b) -> float:
    return float(np.linalg.norm(np.subtract(a, b)))


def _midpoint(a, b) -> tuple[float, float, float]:
    return tuple(float(v) for v in (np.add(a, b) / 2))


def draw_setup(rng: np.random.Generator, rt60_s: tuple[float, float] = (0.2, 0.9),
               partner_m: tuple[float, float] = (0.8, 2.5), others: bool = True,
               duration_s: float = 180.0) -> RoomSetup:
    """A random room, seating and headset set-up within the given ranges."""
    rt60 = float(rng.uniform(*rt60_s))
    for _ in range(1000):
        dims = (float(rng.uniform(4.5, 8.0)), float(rng.uniform(3.5, 6.5)), float(rng.uniform(2.5, 3.2)))
        a = _seat(rng, dims)
        d = float(rng.uniform(*partner_m))
        b = _towards(rng, a, d)
        talkers = [a, b]
        if others:      # the other pair sit 1.2 m apart, their midpoint 2-5 m from this pair's, each >= 2 m from A, B
            centre = _towards(rng, _midpoint(a, b), float(rng.uniform(2.0, 5.0)))
            c = _towards(rng, centre, 0.6)
            talkers += [c, tuple(2 * centre[i] - c[i] if i < 2 else c[i] for i in range(3))]
        if all(_inside(p, dims) for p in talkers) and all(
                _distance(o, t) >= OTHERS_MIN_M for o in talkers[2:] for t in talkers[:2]):
            break
    else:
        raise RuntimeError("could not seat the talkers in a room")
    mics = tuple(_towards(rng, talkers[k], float(rng.uniform(0.04, 0.08)), flat=False) for k in (0, 1))
    quiet = float(-rng.uniform(10, 15)) if rng.random() < 1 / 3 else 0.0
    steps = tuple((round(float(rng.uniform(0.15, 0.9) * duration_s), 2), int(rng.integers(2)),
                   round(float(rng.choice([-1, 1]) * rng.uniform(3, 6)), 2))
                  for _ in range(int(rng.integers(1, 3))))
    return RoomSetup(dims_m=tuple(round(v, 3) for v in dims), rt60_s=round(rt60, 3),
                     talkers_m=tuple(tuple(round(v, 3) for v in p) for p in talkers),
                     mics_m=tuple(tuple(round(v, 4) for v in p) for p in mics),
                     quiet_db=round(quiet, 2), others_db=round(float(-rng.uniform(0, 10)), 2),
                     gains_db=(round(float(rng.uniform(-7, 7)), 2), round(float(rng.uniform(-7, 7)), 2)),
                     gain_steps=steps, noise_dbfs=round(float(rng.uniform(-65, -50)), 1))


def _seat(rng: np.random.Generator, dims) -> tuple[float, float, float]:
    return (float(rng.uniform(WALL_MARGIN_M, dims[0] - WALL_MARGIN_M)),
            float(rng.uniform(WALL_MARGIN_M, dims[1] - WALL_MARGIN_M)), float(rng.uniform(*HEAD_HEIGHT_M)))


def _towards(rng: np.random.Generator, p, d: float, flat: bool = True) -> tuple[float, float, float]:
    """A point ``d`` metres from ``p`` in a random horizontal direction (slightly up or down unless ``flat``)."""
    az = rng.uniform(0, 2 * np.pi)
    el = 0.0 if flat else rng.uniform(-0.6, 0.2)
    return (float(p[0] + d * np.cos(az) * np.cos(el)), float(p[1] + d * np.sin(az) * np.cos(el)),
            float(p[2] + (d * np.sin(el) if not flat else rng.uniform(-0.1, 0.1))))


def _inside(p, dims) -> bool:
    return all(WALL_MARGIN_M <= v <= dims[i] - WALL_MARGIN_M for i, v in enumerate(p[:2])) and 0.3 < p[2] < dims[2]


def _room(setup: RoomSetup, sabine_rt60_s: float) -> pra.ShoeBox:
    absorption, order = pra.inverse_sabine(sabine_rt60_s, list(setup.dims_m))
    room = pra.ShoeBox(list(setup.dims_m), fs=RATE, materials=pra.Material(absorption), max_order=order)
    for p in setup.talkers_m:
        room.add_source(list(p))
    room.add_microphone_array(np.array(setup.mics_m).T)
    return room


def impulse_responses(setup: RoomSetup) -> tuple[list[list[np.ndarray]], float]:
    """RIRs ``[mic][talker]`` at 16 kHz and the measured RT60 (s), calibrated to the target."""
    asked = setup.rt60_s
    for _ in range(4):
        room = _room(setup, asked)
        room.compute_rir()
        measured = float(pra.experimental.measure_rt60(room.rir[0][1], fs=RATE))
        if abs(measured - setup.rt60_s) <= RT60_TOLERANCE * setup.rt60_s:
            break
        asked *= setup.rt60_s / measured
    return room.rir, measured


def _gain_track(setup: RoomSetup, k: int, n: int) -> np.ndarray:
    """Mic ``k``'s linear gain over the samples: the base gain with its steps, each ramped."""
    level = np.full(n, setup.gains_db[k], dtype=np.float64)
    ramp = int(GAIN_RAMP_S * RATE)
    for time_s, mic, step_db in setup.gain_steps:
        if mic != k:
            continue
        at = int(time_s * RATE)
        if at < n:
            level[at:] += step_db * np.clip((np.arange(n - at) + 1) / ramp, 0, 1)
    return 10 ** (level / 20)


def _active(level_db: np.ndarray, noise_dbfs: float) -> list[tuple[int, int]]:
    active = (level_db > noise_dbfs + REF_MARGIN_DB) & (level_db > REF_FLOOR_DBFS)
    return drop_short(bridge(runs(active), MIN_PAUSE_FRAMES), MIN_SPURT_FRAMES).tolist()


def simulate_room(bank: PhraseBank, seed: int, duration_s: float = 180.0, setup: RoomSetup | None = None,
                  rate_hz: int = 16000, others: bool = True, rt60_s: tuple[float, float] = (0.2, 0.9),
                  partner_m: tuple[float, float] = (0.8, 2.5),
                  turn_taking: TurnTaking = TurnTaking()) -> RoomConversation:
    """One room session; deterministic for (bank, seed, arguments). ``setup`` None: drawn from the seed."""
    speakers, script = _plan(bank, seed, duration_s, turn_taking)
    rng = np.random.default_rng(np.random.SeedSequence(int(seed)).spawn(5)[3])
    if setup is None:
        setup = draw_setup(rng, rt60_s, partner_m, others, duration_s)
    n16 = int(round(duration_s * RATE))
    voices = [*placed_voices(script, n16)]
    others_voices = []
    if len(setup.talkers_m) == 4:
        rest = PhraseBank({s: a for s, a in bank.speakers.items() if s not in speakers},
                          tokens={s: t for s, t in bank.tokens.items() if s not in speakers})
        _, other_script = _plan(rest, seed + 7919, duration_s, turn_taking)
        others_voices = [*placed_voices(other_script, n16)]
    rirs, measured = impulse_responses(setup)

    talker_gain = [1.0, 10 ** (setup.quiet_db / 20)]
    talker_gain += [10 ** (setup.others_db / 20)] * len(others_voices)    # the other pair talk as loud as A, or less
    sources = [g * v for g, v in zip(talker_gain, voices + others_voices)]
    mics = np.zeros((2, n16))
    for k in (0, 1):
        direct = 1 / setup.mouth_mic_m[k]          # pyroomacoustics' direct path gain: the wearer's becomes 1
        for x, src in enumerate(sources):
            mics[k] += scipy.signal.oaconvolve(src, rirs[k][x])[:n16] / direct
    gains = np.stack([_gain_track(setup, k, n16) for k in (0, 1)])
    mics *= gains
    peak = true_peak(mics)
    scale = min(1.0, PEAK_TARGET / peak) if peak > 0 else 1.0
    mics *= scale

    noise_rng = np.random.default_rng(np.random.SeedSequence(int(seed)).spawn(5)[4])
    noise = np.stack([pink_noise(noise_rng, n16) for _ in (0, 1)])
    both = np.concatenate((mics, noise)).T.astype(np.float32)
    if rate_hz != RATE:
        both = soxr.resample(both, RATE, rate_hz, quality="HQ")
    n_out = int(round(duration_s * rate_hz))
    both = both[:n_out] if len(both) >= n_out else np.pad(both, ((0, n_out - len(both)), (0, 0)))
    audio = both[:, :2].copy()
    for k in (0, 1):
        col = both[:, 2 + k]
        rms = math.sqrt(float(np.sum(col * col, dtype=np.float64)) / max(n_out, 1))
        audio[:, k] += col * np.float32(10 ** (setup.noise_dbfs / 20) / max(rms, 1e-30))
    np.clip(audio, -0.99, 0.99, out=audio)

    reference = [[Spurt(k, int(a), int(b)) for a, b in
                  _active(_db(_frame_power(sources[k] * gains[k] * scale)), setup.noise_dbfs)] for k in (0, 1)]
    busy = np.zeros(n16 // FRAME, dtype=bool)
    for voice in others_voices:                         # whenever one of the other pair speaks
        for a, b in _active(_db(_frame_power(voice)), setup.noise_dbfs):
            busy[a:b] = True
    conversation = derive(reference, FrameRules.from_config(Config(), 0.01))
    return RoomConversation(audio=np.ascontiguousarray(audio), rate_hz=rate_hz, reference=reference,
                            reference_conversation=conversation, others=busy, setup=setup,
                            measured_rt60_s=round(measured, 3), seed=int(seed), speakers=tuple(speakers))


def main(argv=None) -> None:
    import json

    import soundfile as sf

    from talkbalance.io.outputs import rttm

    root = Path(__file__).resolve().parents[1]
    ap = argparse.ArgumentParser(prog="python -m benchmarks.rooms",
                                 description="Simulate two-headset conversations in rooms, with exact references.")
    ap.add_argument("--out", type=Path, required=True, help="folder for <name>.wav, .rttm and _setup.json")
    ap.add_argument("--data", type=Path, default=root.parent / "shared" / "data" / "librispeech_dev",
                    help="folder of speech recordings (default: ../shared/data/librispeech_dev)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0], help="one session per seed")
    ap.add_argument("--duration", type=float, default=180.0, help="seconds per session")
    ap.add_argument("--rt60", type=float, nargs=2, default=(0.2, 0.9), metavar=("LO", "HI"), help="RT60 range, s")
    ap.add_argument("--partner-m", type=float, nargs=2, default=(0.8, 2.5), metavar=("LO", "HI"),
                    help="distance between the two talkers, m")
    ap.add_argument("--others", action="store_true", help="another pair practising in the room")
    ap.add_argument("--rate", type=int, default=16000, help="output sample rate, Hz")
    args = ap.parse_args(argv)
    bank = PhraseBank.from_folder(args.data)
    args.out.mkdir(parents=True, exist_ok=True)
    for seed in args.seeds:
        sim = simulate_room(bank, seed, args.duration, rate_hz=args.rate, others=args.others,
                            rt60_s=tuple(args.rt60), partner_m=tuple(args.partner_m))
        name = f"room_{seed:04d}"
        sf.write(args.out / f"{name}.wav", sim.audio, sim.rate_hz, subtype="PCM_16")
        (args.out / f"{name}.rttm").write_text(rttm(sim.reference, ["A", "B"], 0.01, name), encoding="utf-8")
        (args.out / f"{name}_setup.json").write_text(json.dumps({**asdict(sim.setup),
                                                                 "measured_rt60_s": sim.measured_rt60_s}, indent=1))
        print(f"{name}: RT60 {sim.measured_rt60_s:.2f} s, partner {sim.setup.partner_m:.2f} m, "
              f"others {sim.setup.others_m}")


if __name__ == "__main__":
    main()

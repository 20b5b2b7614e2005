"""Generate the bundled talkbalance demo practice session with espeak-ng.

Usage (from the repository root):  python recordings/demo/make_demo.py

Needs espeak-ng on PATH (`apt-get install espeak-ng`) plus numpy, soundfile
and soxr (no scipy); webrtcvad is optional (only for the final check).
Output is deterministic for a given espeak-ng version (fixed seeds, no clock).

dialogue.txt holds one utterance ("phrase") per line, tab-separated:

    SPEAKER <TAB> RULE key=value ... <TAB> text

SPEAKER is `trainee` or `client`; `#` lines are comments. "Other" below is
the other speaker's most recent phrase. Times are seconds; onsets are snapped
to the 10 ms frame grid. RULE is one of:

    start at=T                   first phrase, onset at T
    gap s=G                      turn change: onset = G (0.2-1.0) after the
                                 last phrase placed so far ends
    pause s=P                    same speaker continues after a within-turn
                                 pause of P (0.4-1.2)
    backchannel after=A          0.25-0.8 s token starting A after other's
                                 onset (>= 0.4), ending >= 0.3 before its end
    overlap after=A              unsuccessful interruption: a 1.3-2.0 s phrase
                                 fully inside other (other keeps talking)
    interrupt lead=L overlap=O   successful interruption: starts L (>= 0.6)
                                 before other would end; other gives way O
                                 later (cut with a 30 ms fade)
    simultaneous delay=D cut=C   starts D (<= 0.1) after other, which itself
                                 started after a silence; other yields C after
                                 its own onset (cut with a 30 ms fade)

Outputs (next to this script): practice_session.flac (stereo mics, ch1 =
trainee, ch2 = client), clean_trainee.flac, clean_client.flac,
reference.rttm, reference_events.csv and README.md.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

OUT_DIR = Path(__file__).resolve().parent
DIALOGUE_PATH = OUT_DIR / "dialogue.txt"
SESSION_ID = "practice_session"
SPEAKERS = ("trainee", "client")  # channel 1, channel 2
VOICES = {
    "trainee": ["-v", "en-us", "-p", "40", "-s", "165"],
    "client": ["-v", "en-gb+f3", "-p", "60", "-s", "150"],
}

FS_HZ = 16000
FRAME_N = FS_HZ // 100  # 10 ms frames
SPEECH_LEVEL_DBFS = -20.0  # active-speech RMS of each clean source
TAIL_S = 1.0  # silence after the last phrase
FADE_MS = 30.0  # fade applied where a speaker gives way

# Headset model: mic = gain * (own voice + coloured, delayed bleed) + noise.
MIC_GAIN_DB = {"trainee": -3.0, "client": -11.0}
BLEED_GAIN_DB = {"trainee": -18.0, "client": -20.0}  # other voice into this mic
BLEED_DELAY_MS = {"trainee": 1.2, "client": 0.9}
BLEED_LOWPASS_HZ = 3000.0  # first-order IIR colouring of the bleed
NOISE_DBFS = -62.0  # RMS of the independent pink noise per mic
NOISE_SEED = 20240611
PEAK_LIMIT = 0.9

# Reference speech activity (computed from the clean sources).
REF_THRESHOLD_DBFS = -50.0
REF_BRIDGE_S = 0.2
REF_MIN_RUN_S = 0.1

GAP_RANGE_S = (0.2, 1.0)
PAUSE_RANGE_S = (0.4, 1.2)
BACKCHANNEL_DUR_S = (0.25, 0.8)
OVERLAP_DUR_S = (1.3, 2.0)
INSIDE_MARGIN_S = (0.4, 0.3)  # a contained overlap starts/ends this far inside


@dataclass
class Phrase:
    """One placed utterance; onset and length in samples at FS_HZ."""

    speaker: str
    rule: str
    text: str
    audio: np.ndarray
    onset_n: int

    @property
    def end_n(self) -> int:
        return self.onset_n + len(self.audio)

    @property
    def onset_s(self) -> float:
        return self.onset_n / FS_HZ

    @property
    def end_s(self) -> float:
        return self.end_n / FS_HZ


@dataclass
class Event:
    """A deliberate overlap: start = later speaker's onset, end = overlap end."""

    kind: str
    start_n: int
    end_n: int
    speaker: str
    other: str
    outcome: str = ""


# ---------------------------------------------------------------- helpers


def db_to_gain(gain_db: float) -> float:
    """Convert decibels to a linear amplitude factor."""
    return float(10.0 ** (gain_db / 20.0))


def seconds_to_n(time_s: float) -> int:
    """Snap a time in seconds to the 10 ms grid and return samples."""
    return int(round(time_s * 100.0)) * FRAME_N


def frame_rms_dbfs(x: np.ndarray) -> np.ndarray:
    """RMS level (dBFS) of consecutive non-overlapping 10 ms frames."""
    frames = x[: len(x) // FRAME_N * FRAME_N].reshape(-1, FRAME_N).astype(np.float64)
    return 10.0 * np.log10(np.mean(frames**2, axis=1) + 1e-20)


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open [start, stop) index runs where a boolean mask is True."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))


# ---------------------------------------------------------------- synthesis


def require_espeak() -> str:
    """Return the espeak-ng path or exit with an installation hint."""
    path = shutil.which("espeak-ng")
    if path is None:
        sys.exit("make_demo.py: espeak-ng not found on PATH. Install it, e.g. "
                 "`sudo apt-get install espeak-ng`, then re-run.")
    return path


def espeak_version(espeak: str) -> str:
    """Short espeak-ng version string, e.g. '1.51'."""
    out = subprocess.run([espeak, "--version"], capture_output=True, text=True).stdout
    match = re.search(r"text-to-speech:\s*(\S+)", out)
    return match.group(1) if match else out.strip()


def synthesize(espeak: str, text: str, voice_args: list[str], tmp_dir: Path) -> np.ndarray:
    """Synthesize text with espeak-ng and resample it to FS_HZ (float32)."""
    wav_path = tmp_dir / "utterance.wav"
    subprocess.run([espeak, *voice_args, "-w", str(wav_path), text], check=True)
    audio, in_rate_hz = sf.read(wav_path, dtype="float32")
    return soxr.resample(audio, in_rate_hz, FS_HZ, quality="HQ").astype(np.float32)


def source_gain_db(utterances: list[np.ndarray]) -> float:
    """Gain that brings a voice's active speech (within 40 dB of its loudest
    frame) to SPEECH_LEVEL_DBFS RMS."""
    levels_db = np.concatenate([frame_rms_dbfs(u) for u in utterances])
    active_db = levels_db[levels_db > levels_db.max() - 40.0]
    active_rms_db = 10.0 * np.log10(np.mean(10.0 ** (active_db / 10.0)))
    return SPEECH_LEVEL_DBFS - active_rms_db


def trim_silence(x: np.ndarray) -> np.ndarray:
    """Cut leading/trailing 10 ms frames below the reference threshold."""
    active = np.flatnonzero(frame_rms_dbfs(x) > REF_THRESHOLD_DBFS)
    return x[active[0] * FRAME_N : (active[-1] + 1) * FRAME_N]


def read_dialogue(path: Path) -> list[tuple[str, str, dict[str, float], str]]:
    """Parse dialogue.txt into (speaker, rule, params, text) tuples."""
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        speaker, rule_field, text = raw.split("\t")
        rule, *pairs = rule_field.split()
        params = {k: float(v) for k, v in (p.split("=") for p in pairs)}
        if speaker not in SPEAKERS:
            raise ValueError(f"unknown speaker {speaker!r} in: {raw}")
        lines.append((speaker, rule, params, text.strip()))
    return lines


def synthesize_dialogue(espeak: str, lines) -> tuple[list[np.ndarray], dict[str, float]]:
    """Synthesize, level and trim every line; returns audio and source gains."""
    with tempfile.TemporaryDirectory() as tmp:
        raw = [synthesize(espeak, text, VOICES[spk], Path(tmp)) for spk, _, _, text in lines]
    gains_db = {
        spk: source_gain_db([a for a, line in zip(raw, lines) if line[0] == spk])
        for spk in SPEAKERS
    }
    audio = [trim_silence(a * db_to_gain(gains_db[line[0]])) for a, line in zip(raw, lines)]
    return audio, gains_db


# ---------------------------------------------------------------- placement


def check(condition: bool, message: str) -> None:
    """Raise a ValueError describing a violated placement constraint."""
    if not condition:
        raise ValueError(message)


def give_way(phrase: Phrase, cut_n: int) -> None:
    """Truncate a phrase at absolute sample cut_n with a FADE_MS fade-out."""
    keep_n = cut_n - phrase.onset_n
    check(0 < keep_n < len(phrase.audio), f"cut outside phrase: {phrase.text!r}")
    audio = phrase.audio[:keep_n].copy()
    fade_n = int(FADE_MS * FS_HZ / 1000)
    audio[-fade_n:] *= np.linspace(1.0, 0.0, fade_n, dtype=np.float32)
    phrase.audio = trim_silence(audio)  # the cut may fall into a word gap


def place_overlapping(rule: str, params: dict[str, float], me: Phrase, other: Phrase) -> Event:
    """Position an overlapping phrase relative to the other speaker's phrase."""
    dur_s = len(me.audio) / FS_HZ
    where = f"{me.speaker} {rule} {me.text!r}"
    if rule in ("backchannel", "overlap"):
        me.onset_n = other.onset_n + seconds_to_n(params["after"])
        low_s, high_s = BACKCHANNEL_DUR_S if rule == "backchannel" else OVERLAP_DUR_S
        check(low_s <= dur_s <= high_s, f"{where}: duration {dur_s:.2f} s")
        check(me.onset_s - other.onset_s >= INSIDE_MARGIN_S[0], f"{where}: starts too early")
        check(other.end_s - me.end_s >= INSIDE_MARGIN_S[1], f"{where}: ends too late")
        if rule == "backchannel":
            return Event("backchannel", me.onset_n, me.end_n, me.speaker, other.speaker)
        return Event("interruption", me.onset_n, me.end_n, me.speaker, other.speaker,
                     "unsuccessful")
    if rule == "interrupt":
        me.onset_n = other.end_n - seconds_to_n(params["lead"])
        check(params["lead"] >= 0.6 and me.onset_s - other.onset_s >= INSIDE_MARGIN_S[0],
              f"{where}: lead")
        cut_n = me.onset_n + seconds_to_n(params["overlap"])
        check(cut_n < me.end_n, f"{where}: interrupter stops before other gives way")
        give_way(other, cut_n)
        check(other.end_s - me.onset_s >= 0.3, f"{where}: overlap under 0.3 s after cut")
        return Event("interruption", me.onset_n, other.end_n, me.speaker, other.speaker,
                     "successful")
    if rule == "simultaneous":
        check(params["delay"] <= 0.1 and other.rule in ("gap", "start"),
              f"{where}: not simultaneous")
        me.onset_n = other.onset_n + seconds_to_n(params["delay"])
        cut_n = other.onset_n + seconds_to_n(params["cut"])
        check(me.onset_n < cut_n < me.end_n, f"{where}: cut")
        give_way(other, cut_n)
        check(other.end_n > me.onset_n, f"{where}: other stops before it starts")
        return Event("simultaneous_start", me.onset_n, other.end_n, me.speaker, other.speaker)
    raise ValueError(f"unknown rule {rule!r}")


def place_phrases(lines, audio: list[np.ndarray]) -> tuple[list[Phrase], list[Event]]:
    """Apply the onset rules in order; returns phrases and deliberate events."""
    phrases: list[Phrase] = []
    events: list[Event] = []
    for (speaker, rule, params, text), clip in zip(lines, audio):
        me = Phrase(speaker, rule, text, clip, 0)
        if rule == "start":
            me.onset_n = seconds_to_n(params["at"])
        elif rule in ("gap", "pause"):
            last = max(phrases, key=lambda p: p.end_n)
            low_s, high_s = GAP_RANGE_S if rule == "gap" else PAUSE_RANGE_S
            check(low_s <= params["s"] <= high_s, f"{rule} {params['s']} s out of range")
            check((last.speaker == speaker) == (rule == "pause"),
                  f"{rule} after {last.speaker}: {text!r}")
            me.onset_n = last.end_n + seconds_to_n(params["s"])
        else:
            other = next(p for p in reversed(phrases) if p.speaker != speaker)
            events.append(place_overlapping(rule, params, me, other))
        phrases.append(me)
    check_overlaps_are_events(phrases, events)
    return phrases, events


def check_overlaps_are_events(phrases: list[Phrase], events: list[Event]) -> None:
    """Every cross-speaker overlap must be exactly one deliberate event."""
    found = set()
    for a in (p for p in phrases if p.speaker == SPEAKERS[0]):
        for b in (p for p in phrases if p.speaker == SPEAKERS[1]):
            start_n, end_n = max(a.onset_n, b.onset_n), min(a.end_n, b.end_n)
            if start_n < end_n:
                found.add((start_n, end_n))
    placed = {(e.start_n, e.end_n) for e in events}
    check(found == placed, f"unplanned overlaps: {sorted(found ^ placed)}")


# ---------------------------------------------------------------- mixing


def render_tracks(phrases: list[Phrase]) -> dict[str, np.ndarray]:
    """Sum each speaker's phrases into a clean float32 track."""
    total_n = max(p.end_n for p in phrases) + seconds_to_n(TAIL_S)
    clean = {spk: np.zeros(total_n, dtype=np.float32) for spk in SPEAKERS}
    for p in phrases:
        clean[p.speaker][p.onset_n : p.end_n] += p.audio
    return clean


def bleed_path(x: np.ndarray, delay_ms: float, cutoff_hz: float) -> np.ndarray:
    """Acoustic path to the other mic: fractional delay (FFT phase shift) and a
    first-order IIR low-pass (unity DC gain), both applied in the frequency
    domain so that only numpy is needed."""
    delay_n = delay_ms * FS_HZ / 1000.0
    pole = np.exp(-2.0 * np.pi * cutoff_hz / FS_HZ)
    fft_n = len(x) + 1024  # zero padding: no wrap-around of delay or IIR tail
    omega = 2.0 * np.pi * np.fft.rfftfreq(fft_n)  # rad/sample per bin
    response = np.exp(-1j * omega * delay_n) * (1.0 - pole) / (1.0 - pole * np.exp(-1j * omega))
    return np.fft.irfft(np.fft.rfft(x, fft_n) * response, fft_n)[: len(x)]


def pink_noise(n: int, rms_dbfs: float, rng: np.random.Generator) -> np.ndarray:
    """Pink (1/f power) noise of n samples scaled to rms_dbfs."""
    spectrum = rng.standard_normal(n // 2 + 1) + 1j * rng.standard_normal(n // 2 + 1)
    freqs = np.fft.rfftfreq(n, 1.0 / FS_HZ)
    spectrum *= 1.0 / np.sqrt(np.maximum(freqs, 20.0))  # flat below 20 Hz
    noise = np.fft.irfft(spectrum, n)
    return noise * db_to_gain(rms_dbfs) / np.sqrt(np.mean(noise**2))


def headset_mic(own: str, clean: dict[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Mic signal of speaker `own`: gain * (own + bleed of other) + noise."""
    other = next(s for s in SPEAKERS if s != own)
    bleed = bleed_path(clean[other], BLEED_DELAY_MS[own], BLEED_LOWPASS_HZ)
    voice = clean[own] + db_to_gain(BLEED_GAIN_DB[own]) * bleed
    noise = pink_noise(len(voice), NOISE_DBFS, rng)
    return (db_to_gain(MIC_GAIN_DB[own]) * voice + noise).astype(np.float32)


# ---------------------------------------------------------------- references


def reference_activity(x: np.ndarray) -> np.ndarray:
    """Boolean 10 ms frame activity: RMS > threshold, short gaps bridged,
    short runs dropped."""
    active = frame_rms_dbfs(x) > REF_THRESHOLD_DBFS
    bridge_frames, min_frames = round(REF_BRIDGE_S * 100), round(REF_MIN_RUN_S * 100)
    segments = runs(active)
    for (_, stop), (start, _) in zip(segments, segments[1:]):
        if start - stop < bridge_frames:
            active[stop:start] = True
    for start, stop in runs(active):
        if stop - start < min_frames:
            active[start:stop] = False
    return active


def write_rttm(path: Path, activity: dict[str, np.ndarray]) -> None:
    """Write RTTM SPEAKER lines (sorted by onset) for each speaker's activity."""
    rows = [(start / 100, (stop - start) / 100, spk)
            for spk in SPEAKERS for start, stop in runs(activity[spk])]
    with path.open("w", encoding="utf-8") as f:
        for onset_s, dur_s, spk in sorted(rows):
            f.write(f"SPEAKER {SESSION_ID} 1 {onset_s:.3f} {dur_s:.3f} <NA> <NA> {spk} <NA> <NA>\n")


def write_events(path: Path, events: list[Event]) -> None:
    """Write the deliberate events as CSV (times in seconds, 3 decimals)."""
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["kind", "start_s", "end_s", "speaker", "other", "outcome"])
        for e in sorted(events, key=lambda e: e.start_n):
            writer.writerow([e.kind, f"{e.start_n / FS_HZ:.3f}", f"{e.end_n / FS_HZ:.3f}",
                             e.speaker, e.other, e.outcome])


def check_events_in_reference(events: list[Event], activity: dict[str, np.ndarray]) -> None:
    """Both speakers must be reference-active throughout every event's overlap;
    an overlap that leaves the floor unchanged must also sit inside the other
    speaker's reference run by INSIDE_MARGIN_S."""
    for e in events:
        first, last = e.start_n // FRAME_N, -(-e.end_n // FRAME_N)
        where = f"{e.kind} at {e.start_n / FS_HZ:.2f} s"
        for spk in (e.speaker, e.other):
            check(bool(activity[spk][first:last].all()), f"{where}: {spk} not active in reference")
        if e.kind == "backchannel" or e.outcome == "unsuccessful":
            run_start, run_stop = next(r for r in runs(activity[e.other]) if r[0] <= first < r[1])
            margin_start, margin_end = (round(m * 100) for m in INSIDE_MARGIN_S)
            check(first - run_start >= margin_start and run_stop - last >= margin_end,
                  f"{where}: too close to the edge of a {e.other} reference run")


def write_readme(path: Path, duration_s: float, gains_db: dict[str, float], version: str) -> None:
    """Write the 10-line README describing the generated files."""
    t, c = SPEAKERS
    voice = {s: "espeak-ng " + " ".join(VOICES[s]) for s in SPEAKERS}
    lines = [
        "# talkbalance demo practice session",
        f"Synthetic two-headset active-listening practice ({duration_s:.1f} s, 16 kHz) generated by `make_demo.py` from `dialogue.txt`; no real people were recorded.",
        f"- `practice_session.flac`: stereo mic signals, channel 1 = {t}, channel 2 = {c} (bleed and noise as below).",
        f"- `clean_{t}.flac`, `clean_{c}.flac`: each voice alone, no bleed, noise or mic gain; espeak output scaled by {gains_db[t]:+.2f} dB / {gains_db[c]:+.2f} dB to {SPEECH_LEVEL_DBFS:.0f} dBFS active-speech RMS.",
        f"- `reference.rttm`: speech activity of the clean tracks (10 ms frames above {REF_THRESHOLD_DBFS:.0f} dBFS RMS, silences < {REF_BRIDGE_S} s bridged, runs < {REF_MIN_RUN_S} s dropped); `reference_events.csv`: the placed backchannels, interruptions and simultaneous start (start = later speaker's onset, end = end of overlap).",
        f"Headset model: mic = gain * (own + bleed) + noise; gain {MIC_GAIN_DB[t]:.0f} dB ({t}) / {MIC_GAIN_DB[c]:.0f} dB ({c}); bleed of {c} into {t} mic {BLEED_GAIN_DB[t]:.0f} dB, {BLEED_DELAY_MS[t]} ms; bleed of {t} into {c} mic {BLEED_GAIN_DB[c]:.0f} dB, {BLEED_DELAY_MS[c]} ms; bleed coloured by a first-order {BLEED_LOWPASS_HZ:.0f} Hz low-pass.",
        f"Noise: independent pink noise per mic at {NOISE_DBFS:.0f} dBFS RMS (numpy seed {NOISE_SEED}); peaks stay below {PEAK_LIMIT}. All files are 16 kHz FLAC PCM_16.",
        f"Voices (espeak-ng {version}, resampled 22.05 -> 16 kHz with soxr, silence trimmed): {t} `{voice[t]}`, {c} `{voice[c]}`.",
        "Regenerate: `python recordings/demo/make_demo.py` (needs `apt-get install espeak-ng`); output is deterministic for a given espeak-ng version.",
        "License: dialogue and audio were generated by the talkbalance project and are distributed under the project's license.",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# ---------------------------------------------------------------- main


def vad_recall(x: np.ndarray, activity: np.ndarray, mode: int = 2) -> tuple[float, float]:
    """webrtcvad (10 ms frames): fraction of reference-active frames detected
    as speech, and fraction of reference-silent frames flagged as speech."""
    import webrtcvad

    vad = webrtcvad.Vad(mode)
    pcm = np.clip(np.round(x * 32767), -32768, 32767).astype("<i2")
    n_frames = min(len(activity), len(pcm) // FRAME_N)
    speech = np.array([vad.is_speech(pcm[i * FRAME_N : (i + 1) * FRAME_N].tobytes(), FS_HZ)
                       for i in range(n_frames)])
    ref = activity[:n_frames]
    return float(speech[ref].mean()), float(speech[~ref].mean())


def report(paths: list[Path], mics: np.ndarray, clean: dict[str, np.ndarray],
           activity: dict[str, np.ndarray], events: list[Event]) -> None:
    """Print durations, peaks, sizes, events and the webrtcvad check."""
    print(f"duration {len(mics) / FS_HZ:.2f} s; mic peaks {np.abs(mics).max(axis=0).round(3)}; "
          f"clean peaks {[round(float(np.abs(clean[s]).max()), 3) for s in SPEAKERS]}")
    for p in paths:
        print(f"  {p.name:28s} {p.stat().st_size / 1024:8.1f} KiB")
    for e in sorted(events, key=lambda e: e.start_n):
        print(f"  {e.kind:18s} {e.start_n / FS_HZ:7.2f} - {e.end_n / FS_HZ:7.2f} s "
              f"{e.speaker} over {e.other} {e.outcome}")
    try:
        for spk in SPEAKERS:
            hit, false = vad_recall(clean[spk], activity[spk])
            print(f"  webrtcvad mode 2 on clean_{spk}: {hit:.3f} of reference-active frames "
                  f"detected, {false:.3f} of silent frames flagged")
    except ImportError:
        print("  (webrtcvad not installed: VAD check skipped)")


def main() -> None:
    """Generate all demo files next to this script."""
    espeak = require_espeak()
    lines = read_dialogue(DIALOGUE_PATH)
    audio, gains_db = synthesize_dialogue(espeak, lines)
    phrases, events = place_phrases(lines, audio)
    clean = render_tracks(phrases)
    duration_s = len(clean[SPEAKERS[0]]) / FS_HZ
    check(90.0 <= duration_s <= 150.0, f"session is {duration_s:.1f} s, want 90-150 s")

    rng = np.random.default_rng(NOISE_SEED)
    mics = np.stack([headset_mic(spk, clean, rng) for spk in SPEAKERS], axis=1)
    check(np.abs(mics).max() < PEAK_LIMIT, "mic mix clips")
    check(max(np.abs(c).max() for c in clean.values()) < 1.0, "clean track clips")

    paths = [OUT_DIR / f"{SESSION_ID}.flac"] + [OUT_DIR / f"clean_{s}.flac" for s in SPEAKERS]
    sf.write(paths[0], mics, FS_HZ, subtype="PCM_16", compression_level=1.0)
    for spk, path in zip(SPEAKERS, paths[1:]):
        sf.write(path, clean[spk], FS_HZ, subtype="PCM_16", compression_level=1.0)

    # Reference activity from the clean tracks exactly as written (16-bit).
    clean = {s: sf.read(p, dtype="float32")[0] for s, p in zip(SPEAKERS, paths[1:])}
    activity = {s: reference_activity(clean[s]) for s in SPEAKERS}
    check_events_in_reference(events, activity)
    paths += [OUT_DIR / "reference.rttm", OUT_DIR / "reference_events.csv", OUT_DIR / "README.md"]
    write_rttm(paths[3], activity)
    write_events(paths[4], events)
    write_readme(paths[5], duration_s, gains_db, espeak_version(espeak))
    report(paths, mics, clean, activity, events)


if __name__ == "__main__":
    main()

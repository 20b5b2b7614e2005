"""Compressed and video inputs (issue 14): the demo session encoded with PyAV into every format trainers record
in, analysed through the public API against the FLAC original, and their damaged variants through the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf
from conftest import encode_with_pyav

import talkbalance
from talkbalance.io.decoded import DecodedAudio
from talkbalance.io.inputs import open_session

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "recordings" / "demo" / "practice_session.flac"
PEER = ROOT / "configs" / "peer-support.toml"
SHARE_TOLERANCE = 0.01      # talk share, as a fraction (1 percentage point)
COUNT_TOLERANCE = 1         # interruptions
SHORTER_BY_S = 2.0          # the second of the two mono files

# name: (container format, audio codec, rate of the encoded audio, video codec or None)
ENCODED = {
    "session.m4a": ("ipod", "aac", 16000, None),
    "session.mp3": ("mp3", "libmp3lame", 16000, None),
    "session_opus.ogg": ("ogg", "libopus", 48000, None),
    "session_opus.webm": ("webm", "libopus", 48000, None),
    "session.mp4": ("mp4", "aac", 16000, "mpeg4"),
    "session.mov": ("mov", "aac", 16000, "mpeg4"),
    "session.mkv": ("matroska", "aac", 16000, "mpeg4"),
}
# FFmpeg's own Vorbis encoder is experimental and writes wrong packet durations (a 102 s session announces
# 6.5 s), so the Vorbis fixtures are encoded by libsndfile, and the WebM one remuxed from it with PyAV.
VORBIS = ("session_vorbis.ogg", "session_vorbis.webm")
READ_BY = {"session.m4a": "pyav", "session.mp3": "soundfile", "session_opus.ogg": "soundfile",
           "session_opus.webm": "pyav", "session.mp4": "pyav", "session.mov": "pyav", "session.mkv": "pyav",
           "session_vorbis.ogg": "soundfile", "session_vorbis.webm": "pyav"}


def _remux(source: Path, target: Path, container_format: str) -> None:
    """Copy `source`'s audio packets into a `container_format` file (no re-encoding)."""
    with av.open(str(source)) as inp, av.open(str(target), "w", format=container_format) as out:
        stream = out.add_stream_from_template(inp.streams.audio[0])
        for packet in inp.demux(inp.streams.audio[0]):
            if packet.dts is not None:
                packet.stream = stream
                out.mux(packet)


def _remux_without_duration(source: Path, target: Path) -> None:
    """A WebM as a browser streams it (MediaRecorder): no duration anywhere in the file."""
    with av.open(str(source)) as inp, av.open(str(target), "w", format="webm", options={"live": "1"}) as out:
        stream = out.add_stream_from_template(inp.streams.audio[0])
        for packet in inp.demux(inp.streams.audio[0]):
            if packet.dts is not None:
                packet.stream = stream
                out.mux(packet)


def _video_only(path: Path) -> None:
    with av.open(str(path), "w", format="mp4") as out:
        picture = out.add_stream("mpeg4", rate=1)
        picture.width, picture.height, picture.pix_fmt = 64, 48, "yuv420p"
        for k in range(3):
            image = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 40 * k, np.uint8), format="rgb24")
            image.pts = k
            out.mux(picture.encode(image.reformat(format="yuv420p")))
        out.mux(picture.encode(None))


@pytest.fixture(scope="session")
def encoded(tmp_path_factory) -> dict[str, Path]:
    """The demo session in every format, the two mono M4A files, and the reference analyses' inputs."""
    folder = tmp_path_factory.mktemp("encoded")
    audio, rate_hz = sf.read(str(DEMO), dtype="float32", always_2d=True)
    files = {}
    for name, (container_format, codec, out_rate_hz, video) in ENCODED.items():
        files[name] = folder / name
        encode_with_pyav(files[name], audio, rate_hz, container_format, codec, out_rate_hz, video)
    files[VORBIS[0]] = folder / VORBIS[0]
    sf.write(str(files[VORBIS[0]]), audio, rate_hz, format="OGG", subtype="VORBIS")
    files[VORBIS[1]] = folder / VORBIS[1]
    _remux(files[VORBIS[0]], files[VORBIS[1]], "webm")
    short = len(audio) - int(SHORTER_BY_S * rate_hz)
    files["trainee.m4a"], files["client.m4a"] = folder / "pair" / "trainee.m4a", folder / "pair" / "client.m4a"
    files["trainee.m4a"].parent.mkdir()
    encode_with_pyav(files["trainee.m4a"], audio[:, :1], rate_hz, "ipod", "aac", rate_hz)
    encode_with_pyav(files["client.m4a"], audio[:short, 1:], rate_hz, "ipod", "aac", rate_hz)
    files["common.flac"] = folder / "common.flac"
    sf.write(str(files["common.flac"]), audio[:short], rate_hz, subtype="PCM_16")
    return files


def _figures(result) -> list[tuple[float, int, int, int]]:
    """(talk share, successful and unsuccessful interruptions made, times interrupted) per speaker."""
    return [(s["talk_share"], s["interruptions_made"]["successful"], s["interruptions_made"]["unsuccessful"],
             s["interrupted_by_other"]) for s in result.summary()["speakers"]]


def _assert_close(figures, reference) -> None:
    for (share, *counts), (ref_share, *ref_counts) in zip(figures, reference, strict=True):
        assert abs(share - ref_share) <= SHARE_TOLERANCE, (figures, reference)
        assert all(abs(c - r) <= COUNT_TOLERANCE for c, r in zip(counts, ref_counts, strict=True)), (figures, reference)


@pytest.fixture(scope="session")
def reference() -> list[tuple[float, int, int, int]]:
    return _figures(talkbalance.analyze_file(DEMO, config=PEER))


@pytest.mark.parametrize("name", sorted(READ_BY))
def test_each_format_gives_the_originals_figures(encoded, reference, name):
    with open_session([encoded[name]]) as source:
        assert source.info.readers == [READ_BY[name]]
        assert source.info.float_input
        assert abs(source.info.duration_s - 102.09) < 0.2
    _assert_close(_figures(talkbalance.analyze_file(encoded[name], config=PEER)), reference)


def test_two_mono_m4a_files_give_the_common_parts_figures(encoded):
    pair = [encoded["trainee.m4a"], encoded["client.m4a"]]
    result = talkbalance.analyze_file(pair, config=PEER)
    _assert_close(_figures(result), _figures(talkbalance.analyze_file(encoded["common.flac"], config=PEER)))
    (warning,) = [w for w in result.quality.warnings if "common to both" in w]
    assert "trainee.m4a" in warning and "client.m4a" in warning


def test_a_stereo_m4a_in_a_pair_is_refused_as_a_stereo_wav_is(encoded):
    """Two-file input needs one mono file per person, whatever the format (even if the two channels were equal)."""
    with pytest.raises(talkbalance.InputError, match=r"session\.m4a has 2 channels but two-file input needs one mono"):
        open_session([encoded["trainee.m4a"], encoded["session.m4a"]])


def test_decoding_streams_blocks_of_the_size_asked(encoded):
    decoded = DecodedAudio(str(encoded["session.m4a"]))
    try:
        blocks = decoded.blocks(4000)
        sizes = [len(next(blocks)) for _ in range(5)]
        assert sizes == [4000] * 5 and decoded.channels == 2 and decoded.samplerate == 16000
        rest = [len(b) for b in blocks]
        assert all(n == 4000 for n in rest[:-1]) and 0 < rest[-1] <= 4000
        assert sum(sizes) + sum(rest) == decoded.frames
    finally:
        decoded.close()


def test_webm_without_duration_is_counted_first(encoded, tmp_path):
    path = tmp_path / "browser.webm"
    _remux_without_duration(encoded["session_opus.webm"], path)
    with av.open(str(path)) as probe:
        assert probe.duration is None and probe.streams.audio[0].duration is None
    with open_session([path]) as source:
        assert source.info.frames == 102.09 * 48000 and source.info.readers == ["pyav"]
        assert sum(len(b) for b in source.blocks(48000)) == source.info.frames


def test_batch_finds_the_formats_pyav_reads(encoded, tmp_path):
    from talkbalance.batch.sessions import find_sessions

    for name in READ_BY:
        (tmp_path / name.replace("session", f"s_{Path(name).suffix[1:]}")).symlink_to(encoded[name])
    found = {Path(s.inputs[0]).suffix for s in find_sessions([tmp_path])}
    assert found == {Path(name).suffix for name in READ_BY}


# ---------------------------------------------------------------- damaged files, through the CLI


def _analyze_cli(path: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "talkbalance", "analyze", str(path), "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT)


def _one_sentence_error(run: subprocess.CompletedProcess, path: Path) -> str:
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    (line,) = [line for line in run.stderr.splitlines() if line.startswith("talkbalance: error:")]
    assert str(path) in line
    return line


def test_video_without_sound_is_an_error(tmp_path):
    path = tmp_path / "screen.mp4"
    _video_only(path)
    line = _one_sentence_error(_analyze_cli(path, tmp_path / "out"), path)
    assert "no audio track" in line and "video" in line


def test_garbage_m4a_is_an_error_naming_both_libraries(tmp_path):
    path = tmp_path / "notes.m4a"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 50_000, dtype=np.uint8).tobytes())
    line = _one_sentence_error(_analyze_cli(path, tmp_path / "out"), path)
    assert "not a readable audio file" in line and "libsndfile" in line and "FFmpeg" in line and "M4A" in line


def test_unknown_codec_is_an_error(encoded, tmp_path):
    """An MKV whose track names a codec FFmpeg has no decoder for (as an unknown or protected track)."""
    path = tmp_path / "protected.mkv"
    path.write_bytes(encoded["session.mkv"].read_bytes().replace(b"A_AAC", b"A_ZZZ", 1))
    line = _one_sentence_error(_analyze_cli(path, tmp_path / "out"), path)
    assert "codec" in line and "DRM" in line


# what each format really does when cut to half its bytes
CUT = {
    "session.m4a": "not a readable audio file",     # the index (moov) is written last: nothing to open
    "session.mp4": "not a readable audio file",
    "session.mp3": "appears truncated",             # libsndfile announces the whole length, reading stops early
    "session_opus.webm": "appears truncated",       # PyAV: the stream ends 51 s before the announced duration
    "session.mkv": "appears truncated",
}


@pytest.mark.parametrize("name", sorted(CUT))
def test_file_cut_in_half_is_an_error(encoded, tmp_path, name):
    path = tmp_path / f"cut_{name}"
    raw = encoded[name].read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    line = _one_sentence_error(_analyze_cli(path, tmp_path / "out"), path)
    assert CUT[name] in line and ("re-download" in line)


def test_ogg_cut_in_half_is_analysed_as_far_as_it_goes_with_a_warning(encoded, tmp_path):
    """An Ogg file has no total length: cut, it reads as a shorter file, so the missing end-of-stream page
    is what tells."""
    path = tmp_path / "cut.ogg"
    raw = encoded["session_opus.ogg"].read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with open_session([path]) as source:
        assert 40 < source.info.duration_s < 60
        (warning,) = source.info.warnings
    assert "cut.ogg appears truncated" in warning and "end-of-stream" in warning
    with open_session([encoded["session_opus.ogg"]]) as whole:
        assert whole.info.warnings == []


def test_report_html_of_two_zoom_files_plays_a_copy_of_what_was_analysed(encoded, tmp_path):
    """Two mono M4A files (one per person) cannot be played as one recording: the page links a stereo copy."""
    import re

    from talkbalance.cli.analyze import analyze_to_folder

    out = tmp_path / "review"
    analyze_to_folder([str(encoded["trainee.m4a"]), str(encoded["client.m4a"])], out, PEER, quiet=True)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert re.search(r'<audio id="audio"[^>]* src="report_audio.ogg"', page)
    info = sf.info(str(out / "report_audio.ogg"))
    assert info.channels == 2 and abs(info.duration - (102.09 - SHORTER_BY_S)) < 0.1


def test_a_track_running_past_its_announced_length_is_refused(encoded):
    """Audio past the header's length is never dropped silently: more than the tolerance is an error."""
    decoded = DecodedAudio(str(encoded["session.m4a"]))
    decoded.frames -= decoded.samplerate           # the header, as if it announced one second less
    with pytest.raises(talkbalance.InputError, match="holds more audio than its header announces"):
        for _ in decoded.blocks(16000):
            pass

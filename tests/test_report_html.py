"""report.html: an offline page that plays the session, draws every event and shows the figures of summary.json.

The first tests read the file; the others open it in headless Chromium with selenium (skipped, saying why, when
``chromium`` or ``chromedriver`` is absent: ``make system`` installs them).
"""
from __future__ import annotations

import csv
import json
import re
import shutil
import time
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pytest
import soundfile as sf
from conftest import DEMO, ROOT

from talkbalance.cli.analyze import analyze_to_folder
from talkbalance.cli.recover import recover_session
from talkbalance.config import load_config

CONFIG = ROOT / "configs" / "peer-support.toml"
MARKS = ("interruption", "backchannel")
AUDIO_SRC = re.compile(r'<audio id="audio"[^>]* src="([^"]+)"')


def analysed(inputs: list[Path], out: Path, **options) -> Path:
    analyze_to_folder([str(p) for p in inputs], out, load_config(CONFIG), quiet=True, **options)
    return out


def page_data(out: Path) -> dict:
    text = (out / "report.html").read_text(encoding="utf-8")
    return json.loads(re.search(r'<script type="application/json" id="session-data">(.*?)</script>', text, re.S).group(1))


def csv_marks(out: Path) -> Counter:
    """(kind, start_s) of every interruption and backchannel of events.csv."""
    with open(out / "events.csv", newline="") as f:
        return Counter((r["kind"], r["start_s"]) for r in csv.DictReader(f) if r["kind"] in MARKS)


def audio_link(out: Path) -> str:
    return AUDIO_SRC.search((out / "report.html").read_text(encoding="utf-8")).group(1)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """The demo session analysed into a folder beside its recording (the page links it as ``../``)."""
    root = tmp_path_factory.mktemp("demo")
    shutil.copy(DEMO / "practice_session.flac", root / "practice session.flac")     # a space, to be quoted
    return analysed([root / "practice session.flac"], root / "out")


@pytest.fixture(scope="module")
def hour(tmp_path_factory) -> Path:
    """A 1-hour session: the demo repeated (as the speed benchmark builds it)."""
    from benchmarks.speed import make_long_wav

    root = tmp_path_factory.mktemp("hour")
    make_long_wav(root / "hour.wav", 1.0)
    return analysed([root / "hour.wav"], root / "out")


# --- the file itself ----------------------------------------------------------------------


def test_the_page_is_offline_and_embeds_every_event(demo):
    text = (demo / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", text, re.I)       # nothing from a network
    assert not re.search(r"url\(\s*[\"']?(?:https?:)?//", text, re.I) and "<link rel=\"stylesheet\"" not in text
    assert "<script src" not in text and "@import" not in text
    data = page_data(demo)
    drawn = Counter((e[0], f"{e[1] / 1000:.3f}") for e in data["events"] if e[0] in MARKS)
    assert drawn == csv_marks(demo) and sum(drawn.values()) >= 9
    with open(demo / "events.csv", newline="") as f:
        assert len(data["events"]) == sum(1 for _ in csv.DictReader(f))


def test_the_audio_link_is_relative_and_exists(demo):
    link = audio_link(demo)
    assert link == "../practice%20session.flac"
    assert (demo / unquote(link)).resolve() == (demo.parent / "practice session.flac").resolve()
    assert not (demo / "report_audio.ogg").exists()


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> tuple[Path, np.ndarray]:
    """30 s of the demo as two mono files, one per person, analysed; with the stereo original."""
    root = tmp_path_factory.mktemp("pair")
    stereo, rate = sf.read(DEMO / "practice_session.flac", dtype="int16", frames=16000 * 30)
    for k, name in enumerate(("trainee", "client")):
        sf.write(root / f"{name}.wav", stereo[:, k], rate)
    return analysed([root / "trainee.wav", root / "client.wav"], root / "out"), stereo


def test_two_mono_files_get_a_compressed_stereo_copy(pair, tmp_path):
    out, stereo = pair
    assert audio_link(out) == "report_audio.ogg"
    info = sf.info(out / "report_audio.ogg")
    assert (info.format, info.subtype, info.channels, info.samplerate) == ("OGG", "VORBIS", 2, 16000)
    assert info.duration == pytest.approx(30.0, abs=0.05)
    copy, _ = sf.read(out / "report_audio.ogg", dtype="float32")
    original = stereo.astype("float32") / 32768
    for k in (0, 1):       # each person on their own channel, in speaker order
        assert abs(copy[:, k] - original[:, k]).mean() < 0.5 * abs(copy[:, k] - original[:, 1 - k]).mean()
    again = tmp_path / "out"
    shutil.copytree(out, again)
    sf.write(tmp_path / "stereo.wav", stereo, 16000)
    analysed([tmp_path / "stereo.wav"], again)            # a later run that can link its input drops the copy
    assert audio_link(again) == "../stereo.wav" and not (again / "report_audio.ogg").exists()


def test_channels_picked_from_a_multichannel_file_and_aiff_get_the_copy(tmp_path):
    stereo, rate = sf.read(DEMO / "practice_session.flac", dtype="int16", frames=16000 * 10)
    sf.write(tmp_path / "s.aiff", stereo, rate)
    assert audio_link(analysed([tmp_path / "s.aiff"], tmp_path / "aiff")) == "report_audio.ogg"
    sf.write(tmp_path / "swapped.wav", stereo, rate)
    out = analysed([tmp_path / "swapped.wav"], tmp_path / "swapped", channels=(2, 1))
    assert audio_link(out) == "report_audio.ogg" and sf.info(out / "report_audio.ogg").channels == 2


def test_a_recovered_live_session_plays_its_audio_wav(tmp_path):
    stereo, rate = sf.read(DEMO / "practice_session.flac", dtype="int16", frames=16000 * 10)
    folder = tmp_path / "2026-12-03T10-00-00_practice"
    folder.mkdir()
    sf.write(folder / "audio.wav", stereo, rate, subtype="PCM_16")
    recover_session(folder)
    assert audio_link(folder) == "audio.wav" and not (folder / "report_audio.ogg").exists()


# --- in a browser -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium through chromedriver (no selenium-manager download), keeping the console's messages."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")
    from selenium.webdriver.chrome.service import Service

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.skip("chromium and chromedriver are not installed (apt-get install chromium chromium-driver, "
                    "or `make system`)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required",
                 "--window-size=1400,1700", "--mute-audio"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    yield driver
    driver.quit()


def open_page(driver, out: Path) -> float:
    """Load ``out``'s report.html; return the ms from navigation start to the timeline drawn (``data-ready``)."""
    driver.get_log("browser")              # forget the messages of an earlier page
    driver.get((out / "report.html").as_uri())
    deadline = time.monotonic() + 10
    while not (ready := driver.execute_script("return document.documentElement.dataset.ready")):
        assert time.monotonic() < deadline, "the page never drew its timeline"
        time.sleep(0.02)
    return float(ready)


def console_errors(driver) -> list[dict]:
    return [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]


def wait_for(driver, script: str, timeout_s: float = 5.0):
    deadline = time.monotonic() + timeout_s
    while not (value := driver.execute_script(script)):
        assert time.monotonic() < deadline, script
        time.sleep(0.05)
    return value


def test_the_demo_page_in_a_browser(browser, demo):
    from selenium.webdriver import ActionChains

    open_page(browser, demo)
    summary = json.loads((demo / "summary.json").read_text())
    # the audio loads, and lasts as long as the session
    state = wait_for(browser, "const a = document.getElementById('audio'); return a.readyState >= 1 && "
                              "[a.readyState, a.duration]")
    assert state[1] == pytest.approx(summary["session"]["duration_s"], abs=0.05)
    # every interruption and backchannel is drawn
    marks = browser.find_elements("css selector", "#timeline-svg [data-kind][data-start-s]")
    drawn = Counter((m.get_attribute("data-kind"), m.get_attribute("data-start-s")) for m in marks
                    if m.get_attribute("data-kind") in MARKS)
    assert drawn == csv_marks(demo)
    # a click on one plays from 2 s before it (at 0 for one in the first 2 s)
    for kind in MARKS:
        mark = next(m for m in marks if m.get_attribute("data-kind") == kind)
        browser.execute_script("document.getElementById('audio').pause()")
        ActionChains(browser).move_to_element(mark).click().perform()    # a mark is a line: no box to click()
        start_s = float(mark.get_attribute("data-start-s"))
        now_s = browser.execute_script("return document.getElementById('audio').currentTime")
        assert now_s == pytest.approx(max(0.0, start_s - 2.0), abs=0.3), kind
    browser.execute_script("document.getElementById('audio').pause()")
    # the figures shown are summary.json's
    figures = browser.find_elements("css selector", "[data-figure]")
    shown = {f.get_attribute("data-figure") for f in figures}
    for pointer in ("/speakers/0/talk_share", "/speakers/1/talk_share", "/speakers/0/interruptions_made/successful",
                    "/speakers/1/interruptions_made/unsuccessful", "/speakers/0/longest_monologue_s",
                    "/coaching/2/times", "/coaching/4/value"):
        assert pointer in shown, pointer
    for figure in figures:
        pointer = figure.get_attribute("data-figure")
        value = summary
        for key in pointer.strip("/").split("/"):
            value = value[int(key)] if isinstance(value, list) else value[key]
        if figure.get_attribute("data-length") is not None:
            assert int(figure.get_attribute("data-length")) == len(value), pointer
        else:
            assert json.loads(figure.get_attribute("data-value")) == value, pointer
    a, b = summary["speakers"]
    assert browser.find_element("id", "fig-speakers-0-talk_share").text == f"{100 * a['talk_share']:.0f} %"
    assert browser.find_element("id", "fig-speakers-1-interruptions_made-successful").text == \
        str(b["interruptions_made"]["successful"])
    # a figure lists the moments behind it: the trainee's interruptions of the client
    browser.find_element("id", "fig-coaching-1-value").click()
    rows = browser.find_elements("css selector", "#event-list tbody tr[data-i]")
    assert len(rows) == summary["coaching"][1]["value"] and all("interruption" in r.text for r in rows)
    assert not console_errors(browser)
    browser.find_element("id", "focus-clear").click()
    assert browser.find_element("id", "event-count").text == f"{len(page_data(demo)['events'])} of " \
        f"{len(page_data(demo)['events'])} events"


def test_the_compressed_copy_plays(browser, pair):
    out, _ = pair
    open_page(browser, out)
    duration_s = wait_for(browser, "const a = document.getElementById('audio'); return a.readyState >= 1 && a.duration")
    assert duration_s == pytest.approx(json.loads((out / "summary.json").read_text())["session"]["duration_s"], abs=0.05)
    assert not console_errors(browser)


def test_an_hour_long_session_opens_in_under_a_second(browser, hour):
    ready_ms = open_page(browser, hour)
    size_kb = (hour / "report.html").stat().st_size / 1000
    print(f"\n1-hour session: timeline drawn {ready_ms:.0f} ms after navigation start; report.html {size_kb:.0f} kB")
    assert ready_ms < 1000
    marks = browser.execute_script("return document.querySelectorAll('#timeline-svg [data-kind]').length")
    with open(hour / "events.csv", newline="") as f:
        assert marks == sum(1 for _ in csv.DictReader(f)) > 1000
    wait_for(browser, f"return document.querySelectorAll('#event-list tbody tr[data-i]').length === {marks}")   # all listed
    # zooming in: the content's transform changes, nothing is rebuilt
    before = browser.execute_script("return document.getElementById('world').childElementCount")
    browser.execute_script("""const svg = document.getElementById('timeline-svg'), r = svg.getBoundingClientRect();
        for (let i = 0; i < 6; i++) svg.dispatchEvent(new WheelEvent('wheel', {deltaY: -400, clientX: r.left + r.width / 2,
            clientY: r.top + 40, bubbles: true, cancelable: true}));""")
    shown = wait_for(browser, "const t = document.getElementById('view-range').textContent; "
                              "return !t.includes('1:00:00 shown') && t")
    assert "shown" in shown
    assert browser.execute_script("return document.getElementById('world').childElementCount") == before
    assert not console_errors(browser)

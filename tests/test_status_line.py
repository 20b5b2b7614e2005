"""The console display: every live figure on one line, refreshed in place on a terminal."""
from __future__ import annotations

import io
import time

from talkbalance.live.display.status_line import StatusLine, status_text
from talkbalance.live.view import Mark, Snapshot


def snapshot(**changes) -> Snapshot:
    base = dict(names=("maya", "sam"), roles=("trainee", "client"), now_s=83.4, window_s=60.0,
                spurts=((0, 70.0, 75.0), (1, 74.0, 80.0)), overlaps=((74.0, 75.0),),
                marks=(Mark("interruption", 1, 0, 74.0, "successful"),), talk_s=(30.0, 70.0), share=(0.3, 0.7),
                share_band=(0.2, 0.4), trainee=0, interruptions=(2, 1), backchannels=(4, 0), silence_s=1.34,
                last_speaker=1, last_latency_s=0.48, last_responder=0, cues=(), dropped_blocks=0)
    base.update(changes)
    return Snapshot(**base)


def test_status_text_has_every_figure():
    text = status_text(snapshot())
    assert text.startswith("01:23 | ")
    for part in ("talk maya 30% / sam 70% (target maya 20%-40%)", "interruptions made maya→sam 2, sam→maya 1",
                 "backchannels made maya 4, sam 0", "silence 1.3 s after sam", "last response maya after 0.48 s"):
        assert part in text, part
    assert "dropped" not in text and "!!" not in text


def test_status_text_for_three_speakers_names_each_ones_counts():
    text = status_text(snapshot(names=("maya", "sam", "kim"), roles=("trainee", "client", "client"),
                                talk_s=(30.0, 50.0, 20.0), share=(0.3, 0.5, 0.2), interruptions=(2, 1, 0),
                                backchannels=(4, 0, 3)))
    for part in ("talk maya 30% / sam 50% / kim 20% (target maya 20%-40%)", "interruptions made maya 2, sam 1, kim 0",
                 "backchannels made maya 4, sam 0, kim 3"):
        assert part in text, part


def test_status_text_shows_cues_drops_and_hides_what_is_unknown():
    text = status_text(snapshot(cues=("maya interrupted sam",), dropped_blocks=2, share=None, silence_s=0.0,
                                last_latency_s=None, last_responder=None))
    assert "!! maya interrupted sam" in text and "dropped blocks 2" in text
    assert "talk " not in text and "silence" not in text and "last response" not in text


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_terminal_line_is_rewritten_in_place_and_padded():
    out = _Tty()
    line = StatusLine(out)
    line.update(snapshot(cues=("maya has talked for 31 s",)))
    line.update(snapshot())
    line.close()
    first, second = out.getvalue().split("\r")[1:]
    assert "\n" not in first and second.endswith("\n")
    assert len(second.rstrip("\n")) == len(first)        # the longer old line is blanked out


def test_plain_output_prints_whole_lines_now_and_then():
    out = io.StringIO()
    line = StatusLine(out)
    for _ in range(5):
        line.update(snapshot())
    assert out.getvalue().count("\n") == 1 and "\r" not in out.getvalue()


def test_waiting_between_updates_wakes_when_the_session_is_stopped():
    """The live loop waits on the display; a status line's wait ends at once when SIGTERM set the stop event."""
    import threading

    stop = threading.Event()
    line = StatusLine(io.StringIO(), wake=stop)
    started = time.monotonic()
    line.wait(0.05)
    assert time.monotonic() - started >= 0.04                  # it does wait while nothing stops it
    stop.set()
    started = time.monotonic()
    line.wait(10.0)
    assert time.monotonic() - started < 1.0

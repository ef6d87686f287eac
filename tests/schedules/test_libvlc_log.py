"""libvlc's own log: its warnings and errors reach the server's logger "dianjiao.libvlc" from the
player process, a bounded number of lines however many libvlc writes, and no longer the player
process's stderr."""

from __future__ import annotations

import ctypes.util
import logging
import os
import re
import threading

import pytest

from schedules.player import ProcessBackend
from schedules.vlc_log import LOGGER, LibvlcLog, RateLimit
from tests.components import need_libvlc
from tests.schedules.conftest import VLC_ARGS


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def said(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER]


@pytest.fixture
def quiet_log(caplog):
    caplog.set_level(logging.WARNING, logger=LOGGER)
    clock = Clock()
    return LibvlcLog(RateLimit(burst=3, window_s=60, max_window_s=240, clock=clock)), clock


def test_a_flood_of_one_message_is_a_few_lines_and_a_count(quiet_log, caplog):
    log, clock = quiet_log
    for attempt in range(1000):  # what a missing sound card gives while a film plays
        log.message("error", "alsa", f'cannot open ALSA device "default" (try {attempt})')
    log.message("warning", "ps", "garbage at input from 509, trying to resync...")
    lines = said(caplog)
    assert len(lines) == 4  # three of the flood, and the other message
    assert lines[0] == 'libvlc error (alsa): cannot open ALSA device "default" (try 0)'
    clock.now += 61
    log.flush()  # the window ended: one line counts the rest
    assert said(caplog)[4:] == ['libvlc error (alsa): … suppressed 997 similar messages in 60 s, '
                                'the last: cannot open ALSA device "default" (try 999)']
    assert all(r.levelno == logging.WARNING for r in caplog.records)


def test_a_kind_that_keeps_overflowing_gets_longer_windows_and_a_quiet_one_resets(quiet_log,
                                                                                 caplog):
    log, clock = quiet_log
    for _ in range(400):  # 200 s of two errors a second
        log.message("error", "main", "Audio output failed")
        clock.now += 0.5
        log.flush()
    log.flush(everything=True)  # as the player closes
    lines = said(caplog)
    counts = [line for line in lines if "suppressed" in line]
    assert len(lines) == 3 * 3 + 3  # three bursts of three and three counts, not 400 lines
    assert [line.split("suppressed ")[1].split(", the last")[0] for line in counts] == [
        "117 similar messages in 60 s", "237 similar messages in 120 s",
        "37 similar messages in 20 s"]  # 9 + 117 + 237 + 37 = 400
    caplog.clear()
    clock.now += 3600  # a quiet hour: windows of a minute again
    for _ in range(10):
        log.message("error", "main", "Audio output failed")
    clock.now += 61
    log.flush()
    assert said(caplog)[3:] == ["libvlc error (main): … suppressed 7 similar messages in 60 s, "
                                "the last: Audio output failed"]


def test_messages_differing_only_in_numbers_are_alike_others_are_not(quiet_log, caplog):
    log, _clock = quiet_log
    for offset in range(10):
        log.message("warning", "ps", f"garbage at input from {offset * 512}, trying to resync...")
        log.message("warning", "mp4", "STTS table of 1 entries")
    assert len(said(caplog)) == 3 + 3


def test_real_libvlc_warnings_reach_the_logger_bounded_and_leave_stderr(clips, caplog, tmp_path):
    """A junk file played ten times: libvlc writes three messages a play (avformat cannot open
    it, ps does not recognise it); the server's log gets two of each kind and their count."""
    need_libvlc()
    caplog.set_level(logging.WARNING, logger=LOGGER)
    stderr = tmp_path / "player.log"
    backend = ProcessBackend(VLC_ARGS, log_path=str(stderr),
                             libvlc_log=LibvlcLog(RateLimit(burst=2, window_s=3600)))
    try:
        for _ in range(10):
            done = threading.Event()
            backend.play(clips["text"], lambda kind, detail=None, done=done: (
                done.set() if kind in ("ended", "error") else None))
            assert done.wait(15)
            backend.stop()
    finally:
        backend.close()  # says the counts of the windows still open
    lines = said(caplog)
    plain = [line for line in lines if "suppressed" not in line]
    counts = [line for line in lines if "suppressed" in line]
    kinds = {re.sub(r"\d+", "#", line) for line in plain}
    assert any(line.startswith("libvlc error (avformat): Could not open") for line in plain)
    assert len(plain) == 2 * len(kinds) and len(counts) == len(kinds)  # two of each, a count
    assert len(lines) == 3 * len(kinds) < 10 * len(kinds)  # not one line a message
    assert "demux error" not in stderr.read_text(errors="replace")  # no longer on stderr


def test_alsa_libs_own_lines_go_the_same_way(clips, caplog, tmp_path):
    """On a computer without a sound card, libvlc's ALSA output makes alsa-lib print hundreds of
    "ALSA lib …" lines a play to stderr by itself: they reach the logger too, bounded."""
    need_libvlc()
    if os.path.exists("/dev/snd") or ctypes.util.find_library("asound") is None:
        pytest.skip("needs alsa-lib and no sound card")
    caplog.set_level(logging.WARNING, logger=LOGGER)
    stderr = tmp_path / "player.log"
    backend = ProcessBackend("--vout=dummy --aout=alsa", log_path=str(stderr))
    try:
        done = threading.Event()
        backend.play(clips["a"], lambda kind, detail=None: (
            done.set() if kind in ("ended", "error") else None))
        assert done.wait(15)
    finally:
        backend.close()
    lines = said(caplog)
    assert any(line.startswith("libvlc error (alsa-lib): ") for line in lines)
    assert any("suppressed" in line for line in lines) and len(lines) < 100
    assert "ALSA lib" not in stderr.read_text(errors="replace")

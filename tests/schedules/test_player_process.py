"""The player's engine in its own process, on real libvlc (dummy outputs): killed, hung, absent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from schedules.player import BROKEN, NO_SCREEN, NullBackend, ProcessBackend, make_backend
from schedules.player_process import CRASH_LIMIT
from tests.components import need_libvlc
from tests.schedules.test_player import REPO, VLC_ARGS, item, wait_until


@pytest.fixture
def backend():
    need_libvlc()
    made = ProcessBackend(VLC_ARGS, answer_timeout_s=2.0)
    yield made
    made.close()


def test_the_engine_runs_in_a_child_process(backend, make_player, clips):
    assert backend.available and backend.pid not in (None, os.getpid())
    player, recorder = make_player(backend)
    player.enqueue([item(clips, "a", 2.0), item(clips, "zero"), item(clips, "b")])
    player.play()
    records = recorder.wait(3)
    assert [r.outcome for r in records] == ["completed", "error", "completed"]
    assert records[1].error == BROKEN  # a broken file is still told from a real end
    assert records[0].played_s == pytest.approx(2.0, abs=0.7)


def test_a_player_killed_by_sigsegv_logs_the_item_and_the_next_one_plays(backend, make_player,
                                                                          clips):
    player, recorder = make_player(backend)
    player.enqueue([item(clips, "long", 4.0), item(clips, "b", 2.0)])
    player.play()
    wait_until(lambda: ((player.status()["current"] or {}).get("position_s") or 0) > 0.5)
    first = backend.pid
    os.kill(first, signal.SIGSEGV)
    records = recorder.wait(2)
    assert [(r.item.key, r.outcome) for r in records] == [("long", "error"), ("b", "completed")]
    assert records[0].error == "the player stopped unexpectedly (signal 11)"
    assert backend.pid not in (None, first)  # a fresh player process played the next item
    assert backend.faults == 1 and backend.available


def test_a_player_that_stops_answering_is_killed_and_replaced(backend, make_player, clips):
    player, recorder = make_player(backend)
    player.enqueue([item(clips, "long", 4.0), item(clips, "a", 2.0)])
    player.play()
    wait_until(lambda: player.status()["state"] == "playing")
    hung = backend.pid
    os.kill(hung, signal.SIGSTOP)  # alive, but silent: no heartbeat
    records = recorder.wait(2, timeout=20)
    assert records[0].outcome == "error" and records[0].error == "the player stopped answering"
    assert records[1].outcome == "completed"
    with pytest.raises(ProcessLookupError):
        os.kill(hung, 0)


def test_repeated_crashes_back_off_and_say_so(clips):
    need_libvlc()
    now = [1000.0]
    backend = ProcessBackend(VLC_ARGS, clock=lambda: now[0])
    try:
        for _ in range(CRASH_LIMIT):
            pid = backend.pid or backend._ensure_child().pid
            os.kill(pid, signal.SIGKILL)
            wait_until(lambda pid=pid: backend.pid != pid)
        assert not backend.available
        assert backend.unavailable_reason == (
            f"the player stopped {CRASH_LIMIT} times in a row; it tries again in 30 s")
        with pytest.raises(Exception, match="tries again"):
            backend.play(clips["a"], lambda *a: None)
        now[0] += 31
        assert backend.available
        backend.play(clips["a"], lambda *a: None)  # a fresh player process starts
        assert backend.pid is not None
    finally:
        backend.close()


def test_no_screen_is_said_plainly_and_nothing_starts():
    need_libvlc()
    headless = make_backend("", environ={})
    assert isinstance(headless, NullBackend) and headless.unavailable_reason == NO_SCREEN
    for args, environ in (("", {"DISPLAY": ":0"}), ("--vout=dummy", {}), ("--no-video", {})):
        chosen = make_backend(args, environ=environ)
        try:
            assert isinstance(chosen, ProcessBackend), (args, environ)
        finally:
            chosen.close()


def test_the_web_process_never_loads_libvlc(tmp_path, clips):
    """A player made by the app plays a file while `vlc` stays out of the server's modules."""
    need_libvlc()
    script = textwrap.dedent(f"""
        import sys, time
        from schedules.player import Item, Player, make_backend
        records = []
        player = Player(make_backend({VLC_ARGS!r}), on_record=records.append)
        player.enqueue([Item("a", {clips["a"]!r}, "a")])
        player.play()
        deadline = time.monotonic() + 20
        while not records and time.monotonic() < deadline:
            time.sleep(0.1)
        player.close()
        print(records[0].outcome, "vlc" in sys.modules)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.stdout.split() == ["completed", "False"], done.stderr


def test_an_item_without_a_child_is_an_error_not_a_hang(clips):
    need_libvlc()
    backend = ProcessBackend("--vout=dummy --vuot=dummy")  # the child refuses the options
    try:
        assert not backend.available and "misspelt" in backend.unavailable_reason
        with pytest.raises(Exception, match="misspelt"):
            backend.play(clips["a"], lambda *a: None)
    finally:
        backend.close()

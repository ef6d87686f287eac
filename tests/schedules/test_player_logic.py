"""The player's state machine on a scripted backend: the queue, skip, stop, pause, volume, seek,
items in parts, screenings taking over, timeouts and the heartbeat, with the events and the time
told by the test, so nothing waits on real playback. tests/schedules/test_player.py keeps what
only libvlc shows (real timing, broken files, DVD parts, a killed process)."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest

from schedules.player import (
    BROKEN,
    NOT_INSTALLED,
    OPEN_TIMEOUT_S,
    Item,
    NullBackend,
    Player,
    PlayerError,
    recover_heartbeat,
)
from schedules.scripted_backend import ScriptedBackend, ScriptedClock
from tests.schedules.test_player import Recorder


@pytest.fixture
def files(tmp_path) -> dict[str, str]:
    """Empty files standing for videos (the scripted backend reads nothing): a, b, c, long, and
    the two parts of a DVD title set, vts_1 and vts_2."""
    paths = {name: str(tmp_path / f"{name}.mp4") for name in ("a", "b", "c", "long")}
    paths["vts_1"], paths["vts_2"] = (str(tmp_path / f"VTS_01_{n}.VOB") for n in (1, 2))
    for path in paths.values():
        open(path, "wb").close()
    return paths


@pytest.fixture
def clock(now) -> ScriptedClock:
    clock = ScriptedClock(now)
    with clock.driving_player():
        yield clock


@pytest.fixture
def scripted(clock, files):
    """Build a player on a scripted backend whose files have the lengths libvlc would report
    (a, b, c: 2 s; long: 4 s; the DVD parts: 2 s and 1 s); close it after the test."""
    made = []

    def make(**kwargs) -> tuple[Player, ScriptedBackend, Recorder]:
        lengths = {files[n]: s for n, s in (("a", 2.0), ("b", 2.0), ("c", 2.0), ("long", 4.0),
                                            ("vts_1", 2.0), ("vts_2", 1.0))}
        backend = ScriptedBackend(clock, lengths=lengths)
        recorder = Recorder()
        player = Player(backend, on_record=recorder.record, on_screening_end=recorder.screening_end,
                        clock=clock.now, **kwargs)
        backend.player = player
        made.append(player)
        return player, backend, recorder

    yield make
    for player in made:
        player.close()


def item(files: dict[str, str], name: str, duration_s: float | None = None) -> Item:
    return Item(key=name, path=files[name], name=f"clip {name}", duration_s=duration_s)


def dvd(files: dict[str, str], *parts: str) -> Item:
    """The DVD title set (2 s and 1 s parts) as one item, as the app hands it over."""
    parts = parts or (files["vts_1"], files["vts_2"])
    return Item(key="dvd", path=parts[0], name="DVD", duration_s=3.0, parts=parts)


def current(player: Player) -> dict:
    return player.status()["current"] or {}


def test_the_queue_plays_in_order_and_goes_past_what_cannot_play(scripted, files, tmp_path, now):
    player, backend, recorder = scripted()
    unknown_length = str(tmp_path / "broken.mp4")
    open(unknown_length, "wb").close()
    player.enqueue([item(files, "a", 2.0), Item("gone", "/nonexistent/gone.mp4", "gone"),
                    Item("nofile", None, "no file"), item(files, "c"),
                    Item("broken", unknown_length, "broken"), item(files, "b")])
    player.play()
    backend.play_through(2.0)  # a; then gone and nofile fail at once, and c is loaded
    backend.playing()
    backend.error("the codec is missing")  # c
    backend.playing()  # broken: libvlc plays a damaged file as a short video of no length
    backend.clock.advance(0.1)
    backend.ended()
    backend.play_through(2.0)  # b

    records = recorder.records
    assert [r.item.key for r in records] == ["a", "gone", "nofile", "c", "broken", "b"]
    assert [r.outcome for r in records] == ["completed", "error", "error", "error", "error",
                                            "completed"]
    assert records[1].error == "file not found: /nonexistent/gone.mp4"
    assert records[2].error == "this item has no file"
    assert (records[3].error, records[4].error) == ("the codec is missing", BROKEN)
    assert (records[0].played_s, records[4].played_s, records[5].played_s) == (2.0, 0.1, 2.0)
    assert (records[0].started_at, records[0].ended_at) == (now, now + timedelta(seconds=2))
    assert records[5].started_at == records[4].ended_at and records[5].screening_id is None
    assert backend.paths == [files["a"], files["c"], unknown_length, files["b"]]
    status = player.status()
    assert status["state"] == "idle" and status["current"] is None and status["index"] is None
    assert status["available"] is True and status["reason"] is None


def test_next_skips_stop_stops_and_close_stops(scripted, files):
    player, backend, recorder = scripted()
    player.enqueue([item(files, "a"), item(files, "b"), item(files, "c")])
    player.play()
    backend.playing()
    backend.clock.advance(0.6)
    player.next()
    assert current(player)["key"] == "b"
    backend.playing()
    backend.clock.advance(0.5)
    player.stop()
    skipped, stopped = recorder.records
    assert (skipped.item.key, skipped.outcome, skipped.played_s) == ("a", "skipped", 0.6)
    assert (stopped.item.key, stopped.outcome, stopped.played_s) == ("b", "stopped", 0.5)
    assert player.status()["state"] == "idle" and player.status()["index"] == 1

    player.play()  # starts again at the stopped item
    assert backend.paths[-1] == files["b"]
    backend.playing()
    player.close()
    assert [(r.item.key, r.outcome) for r in recorder.records][2] == ("b", "stopped")
    assert backend.closed
    with pytest.raises(PlayerError, match="closed"):
        player.play()


def test_a_pause_holds_the_position_and_is_not_counted(scripted, files):
    player, backend, recorder = scripted()
    player.enqueue([item(files, "a", 2.0)])
    player.play()
    backend.playing()
    backend.clock.advance(0.5)
    assert current(player)["position_s"] == 0.5

    player.pause()
    status = player.status()
    assert status["state"] == "paused" and status["current"]["length_s"] == 2.0
    assert backend.paused
    backend.clock.advance(5.0)
    assert current(player)["position_s"] == 0.5
    player.pause()
    assert player.status()["state"] == "playing" and not backend.paused
    backend.clock.advance(1.5)
    backend.ended()

    (record,) = recorder.records
    assert record.outcome == "completed" and record.played_s == 2.0  # the pause is not counted
    assert (record.ended_at - record.started_at).total_seconds() == 7.0


def test_a_pause_while_the_video_opens_takes_hold_when_it_plays(scripted, files):
    player, backend, recorder = scripted()
    player.enqueue([item(files, "a", 2.0)])
    player.play()
    player.pause()
    backend.playing()
    assert backend.calls[-1] == ("pause", True) and player.status()["state"] == "paused"
    backend.clock.advance(3.0)
    player.stop()
    assert recorder.records[0].played_s == 0.0


def test_the_volume_is_kept_in_range_and_a_seek_ahead_still_completes(scripted, files):
    player, backend, recorder = scripted()
    player.set_volume(150)
    assert player.status()["volume"] == 100
    player.set_volume(35)
    player.enqueue([item(files, "long", 4.0)])
    player.play()
    backend.playing()
    assert backend.volume == 35 and player.status()["volume"] == 35  # set on each new video
    backend.clock.advance(0.3)
    player.seek(3.2)
    assert backend.calls[-1] == ("seek", 3.2)
    backend.clock.advance(0.8)
    backend.ended()
    (record,) = recorder.records
    assert record.outcome == "completed"  # short, but the operator jumped ahead
    assert record.played_s == pytest.approx(1.1)


def test_a_seek_while_the_video_opens_waits_for_it_to_play(scripted, files):
    player, backend, _recorder = scripted()
    player.enqueue([item(files, "long", 4.0)])
    player.play()
    player.seek(1.5)
    assert ("seek", 1.5) not in backend.calls  # libvlc would not seek yet
    backend.playing()
    assert backend.calls[-1] == ("seek", 1.5) and current(player)["position_s"] == 1.5


def test_a_file_played_to_its_end_counts_its_whole_length(scripted, files):
    """The clock runs from libvlc's first picture, so a 4 s film that took 0.4 s to open ends
    after 3.6 s of it: played to the end, it counts 4 s (the screening page showed 0:03). A film
    someone seeked through counts what ran."""
    player, backend, recorder = scripted()
    player.enqueue([item(files, "long"), item(files, "a")])
    player.play()
    backend.play_through(3.6)
    backend.playing()
    player.seek(1.5)
    backend.clock.advance(0.5)
    backend.ended()
    whole, seeked = recorder.records
    assert (whole.item.key, whole.outcome, whole.played_s) == ("long", "completed", 4.0)
    assert (seeked.item.key, seeked.outcome, seeked.played_s) == ("a", "completed", 0.5)


def test_an_item_in_parts_plays_them_in_order_as_one_item(scripted, files):
    player, backend, recorder = scripted()
    player.enqueue([dvd(files), item(files, "a", 2.0)])
    player.play()
    backend.playing()
    assert current(player)["length_s"] == 3.0  # both parts: the catalog's duration
    backend.clock.advance(2.0)
    backend.ended()  # the first part: the second plays as the same item
    assert backend.paths == [files["vts_1"], files["vts_2"]] and recorder.records == []
    backend.playing()
    backend.clock.advance(0.5)
    assert (current(player)["key"], current(player)["position_s"]) == ("dvd", 2.5)
    assert current(player)["length_s"] == 3.0
    backend.clock.advance(0.5)
    backend.ended()
    backend.play_through()

    shown, after = recorder.records
    assert (shown.item.key, shown.outcome, shown.error, shown.played_s) == ("dvd", "completed",
                                                                            None, 3.0)
    assert (after.item.key, after.outcome) == ("a", "completed")


def test_a_seek_in_an_item_in_parts_goes_to_the_part_holding_that_time(scripted, files):
    player, backend, recorder = scripted()
    player.enqueue([dvd(files)])
    player.play()
    backend.playing()
    backend.clock.advance(0.5)
    player.seek(2.5)  # past the first part (2 s): into the second, 0.5 s in
    assert backend.paths == [files["vts_1"], files["vts_2"]]
    assert current(player)["position_s"] == 2.0  # at once, not after the first part played out
    backend.playing()
    assert backend.calls[-1] == ("seek", 0.5) and current(player)["position_s"] == 2.5
    player.seek(0.5)  # back into the first part
    assert backend.paths[-1] == files["vts_1"]
    backend.playing()
    assert current(player)["position_s"] == 0.5
    backend.clock.advance(1.5)
    backend.ended()  # and on through the second
    backend.play_through()
    (record,) = recorder.records
    assert (record.item.key, record.outcome) == ("dvd", "completed")


def test_an_item_missing_one_of_its_parts_is_an_error_before_playing(scripted, files):
    player, backend, recorder = scripted()
    player.enqueue([dvd(files, files["vts_1"], "/nonexistent/VTS_01_2.VOB"), item(files, "a")])
    player.play()
    backend.play_through()
    failed, after = recorder.records
    assert (failed.item.key, failed.outcome) == ("dvd", "error")
    assert failed.error == "file not found: /nonexistent/VTS_01_2.VOB" and failed.played_s == 0
    assert (after.item.key, after.outcome) == ("a", "completed")
    assert backend.paths == [files["a"]]


def test_queue_move_and_remove():
    player = Player(NullBackend(), on_record=lambda record: None)
    try:
        player.enqueue([Item(key, None, key.upper()) for key in ("a", "b", "c", "d")])
        player.move(0, 2)
        assert [q["key"] for q in player.status()["queue"]] == ["b", "c", "a", "d"]
        player.remove(1)
        assert [q["key"] for q in player.status()["queue"]] == ["b", "a", "d"]
        with pytest.raises(PlayerError, match="no item 3"):
            player.remove(3)
        player.clear()
        assert player.status()["queue"] == []
    finally:
        player.close()


def test_removing_the_playing_item_goes_on_to_the_next(scripted, files):
    player, backend, recorder = scripted()
    player.enqueue([item(files, "a"), item(files, "b"), item(files, "c")])
    player.play()
    backend.playing()
    player.move(2, 0)  # c, a, b: the playing item moves with its index
    assert player.status()["index"] == 1
    player.remove(1)
    assert current(player)["key"] == "b" and backend.paths[-1] == files["b"]
    assert recorder.records[0].outcome == "skipped"
    assert [q["key"] for q in player.status()["queue"]] == ["c", "b"]
    assert player.status()["index"] == 1


def test_a_screening_takes_over_and_the_queue_resumes(scripted, files):
    player, backend, recorder = scripted()
    player.enqueue([item(files, "a"), item(files, "b")])
    player.play()
    backend.playing()
    backend.clock.advance(0.5)
    player.play_screening("s1", [item(files, "c", 2.0), Item("gone", "/nonexistent/x.mp4", "gone")])
    assert player.status()["screening_id"] == "s1"
    backend.play_through()

    interrupted, shown, failed = recorder.records
    assert (interrupted.item.key, interrupted.outcome, interrupted.screening_id) == ("a", "stopped",
                                                                                     None)
    assert interrupted.played_s == 0.5
    assert (shown.item.key, shown.outcome, shown.screening_id) == ("c", "completed", "s1")
    assert (failed.outcome, failed.screening_id) == ("error", "s1")
    assert recorder.screenings == [("s1", [shown, failed])]

    # the ad-hoc queue goes on after the one it lost
    assert current(player)["key"] == "b" and player.status()["state"] == "playing"
    assert player.status()["screening_id"] is None and player.status()["index"] == 1


def test_stop_ends_a_screening_and_stays_idle(scripted, files):
    player, backend, recorder = scripted()
    player.play_screening("s2", [item(files, "a"), item(files, "b")])
    backend.playing()
    backend.clock.advance(0.3)
    player.stop()
    ((screening_id, records),) = recorder.screenings
    assert screening_id == "s2" and [(r.item.key, r.outcome) for r in records] == [("a", "stopped")]
    assert player.status()["state"] == "idle" and player.status()["screening_id"] is None
    assert backend.paths == [files["a"]]


def test_an_empty_screening_ends_at_once(scripted):
    player, _backend, recorder = scripted()
    player.play_screening("s3", [])
    assert recorder.screenings == [("s3", [])] and player.status()["state"] == "idle"


def test_a_video_that_never_starts_is_given_up_after_the_open_timeout(scripted, files):
    player, backend, recorder = scripted()
    player.enqueue([item(files, "a"), item(files, "b")])
    player.play()
    backend.clock.advance(OPEN_TIMEOUT_S - 1)
    time.sleep(0.5)  # the worker looks every 0.2 s
    assert recorder.records == []
    backend.clock.advance(2)
    (failed,) = recorder.wait(1)
    assert (failed.item.key, failed.outcome) == ("a", "error")
    assert failed.error == f"the video did not start within {OPEN_TIMEOUT_S:g} s"
    assert current(player)["key"] == "b"


def test_the_heartbeat_tells_what_plays_and_goes_when_it_stops(scripted, files, tmp_path, now):
    heartbeat = tmp_path / "heartbeat.json"
    player, backend, _recorder = scripted(heartbeat_path=str(heartbeat))
    player.play_screening("s9", [item(files, "long", 4.0)])
    backend.playing()
    backend.clock.advance(1.5)
    beat = next_beat(heartbeat, 1.5)
    assert (beat["item"]["key"], beat["screening_id"]) == ("long", "s9")
    assert beat["beat_at"] == (now + timedelta(seconds=1.5)).isoformat()

    record = recover_heartbeat(str(heartbeat))  # as after a kill -9
    assert (record.item.key, record.outcome, record.played_s) == ("long", "stopped", 1.5)
    assert (record.started_at, record.ended_at) == (now, now + timedelta(seconds=1.5))
    assert not heartbeat.exists()
    backend.clock.advance(1.0)
    next_beat(heartbeat, 2.5)  # beats go on while it plays
    player.stop()
    assert not heartbeat.exists()  # and none is left once it stops


def next_beat(heartbeat, played_s: float) -> dict:
    """Wait for the worker (it looks every 0.2 s) to write the beat due at `played_s`."""
    deadline = time.monotonic() + 5
    while True:
        try:
            beat = json.loads(heartbeat.read_text())
        except (FileNotFoundError, ValueError):
            beat = {}
        if beat.get("played_s") == played_s:
            return beat
        assert time.monotonic() < deadline, beat
        time.sleep(0.05)


def test_without_libvlc_every_item_is_an_error_with_the_reason():
    records, ended = [], []
    player = Player(NullBackend(), on_record=records.append,
                    on_screening_end=lambda sid, recs: ended.append((sid, recs)))
    try:
        player.enqueue([Item("a", "/x/a.mp4", "A"), Item("b", "/x/b.mp4", "B")])
        player.play()
        player.play_screening("s4", [Item("c", "/x/c.mp4", "C")])
        assert [(r.item.key, r.outcome, r.error) for r in records] == [
            ("a", "error", NOT_INSTALLED), ("b", "error", NOT_INSTALLED), ("c", "error", NOT_INSTALLED)]
        assert ended == [("s4", [records[2]])]
        status = player.status()
        assert status["state"] == "idle" and status["available"] is False
        assert status["reason"] == NOT_INSTALLED
    finally:
        player.close()

"""The player on real libvlc with dummy outputs (real-time playback of 2-4 s clips): what only
libvlc shows, real timing, broken files, DVD title sets and a killed process. The state machine's
logic runs on a scripted backend in tests/schedules/test_player_logic.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import asdict
from pathlib import Path

import pytest

from schedules import vlc_backend
from schedules.player import (
    BROKEN,
    NOT_INSTALLED,
    Item,
    NullBackend,
    Player,
    PlayerError,
    PlayRecord,
    VlcBackend,
    make_backend,
    recover_heartbeat,
)
from tests.components import need_libvlc

VLC_ARGS = "--vout=dummy --aout=dummy"
REPO = Path(__file__).resolve().parents[2]


class Recorder:
    """Collect what the player hands over on its worker thread."""

    def __init__(self) -> None:
        self.records: list[PlayRecord] = []
        self.screenings: list[tuple[str, list[PlayRecord]]] = []
        self._changed = threading.Condition()

    def record(self, record: PlayRecord) -> None:
        with self._changed:
            self.records.append(record)
            self._changed.notify_all()

    def screening_end(self, screening_id: str, records: list[PlayRecord]) -> None:
        with self._changed:
            self.screenings.append((screening_id, records))
            self._changed.notify_all()

    def wait(self, count: int, timeout: float = 10.0) -> list[PlayRecord]:
        """Wait for `count` records in all and return them."""
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.records) >= count, timeout), self.records
            return list(self.records)


def wait_until(check, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def item(clips: dict[str, str], name: str, duration_s: float | None = None) -> Item:
    return Item(key=name, path=clips[name], name=f"clip {name}", duration_s=duration_s)


def playing(player: Player, key: str) -> bool:
    status = player.status()
    return status["state"] == "playing" and (status["current"] or {}).get("key") == key


def test_queue_plays_in_order_to_the_end_and_goes_past_bad_files(make_player, clips):
    player, recorder = make_player()
    player.enqueue([item(clips, "a", 2.0), Item("gone", "/nonexistent/gone.mp4", "gone"),
                    item(clips, "zero"), item(clips, "text"), Item("nofile", None, "no file"),
                    item(clips, "b")])
    player.play()
    records = recorder.wait(6)

    assert [r.item.key for r in records] == ["a", "gone", "zero", "text", "nofile", "b"]
    assert [r.outcome for r in records] == ["completed", "error", "error", "error", "error", "completed"]
    assert records[1].error == "file not found: /nonexistent/gone.mp4"
    assert records[2].error == records[3].error == BROKEN
    for record in (records[0], records[5]):
        assert record.played_s == pytest.approx(2.0, abs=0.7)
        assert record.error is None and record.screening_id is None
        assert record.started_at.tzinfo is not None and record.ended_at > record.started_at
    assert records[5].started_at >= records[0].ended_at
    status = player.status()
    assert status["state"] == "idle" and status["current"] is None and status["index"] is None
    assert status["available"] is True and status["reason"] is None








def dvd(clips: dict[str, str], *parts: str) -> Item:
    """The DVD title set of the clips (2 s and 1 s parts) as one item, as the app hands it over."""
    parts = parts or (clips["vts_1"], clips["vts_2"])
    return Item(key="dvd", path=parts[0], name="DVD", duration_s=3.0, parts=parts)


def position(player: Player, key: str) -> float:
    """Seconds into `key` while it plays, else -1."""
    current = player.status()["current"] or {}
    if current.get("key") != key:
        return -1.0
    return current.get("position_s") or 0.0


def test_an_item_in_parts_plays_them_in_order_as_one_item(make_player, clips):
    player, recorder = make_player()
    player.enqueue([dvd(clips), item(clips, "a", 2.0)])
    player.play()
    wait_until(lambda: playing(player, "dvd"))
    assert player.status()["current"]["length_s"] == pytest.approx(3.0)  # both parts
    # The second part plays as the same item, its time counted after the first part's.
    wait_until(lambda: position(player, "dvd") > 2.0, timeout=8)
    assert player.status()["current"]["length_s"] == pytest.approx(3.0)

    shown, after = recorder.wait(2)
    assert (shown.item.key, shown.outcome, shown.error) == ("dvd", "completed", None)
    assert 3.0 <= shown.played_s <= 5.0  # libvlc takes ~0.5 s to start each MPEG-PS file
    assert (after.item.key, after.outcome) == ("a", "completed")


def test_seek_in_an_item_in_parts_goes_to_the_part_holding_that_time(make_player, clips):
    player, recorder = make_player()
    player.enqueue([dvd(clips)])
    player.play()
    wait_until(lambda: position(player, "dvd") > 0.2)
    player.seek(2.0)  # past the first part (1.84 s as libvlc counts it): into the second
    assert position(player, "dvd") >= 1.8  # at once, not after the first part played out
    wait_until(lambda: 1.9 <= position(player, "dvd") < 3.1)
    player.seek(0.5)  # back into the first part (libvlc lands on a key frame near the time)
    assert position(player, "dvd") < 1.5
    wait_until(lambda: 0.3 <= position(player, "dvd") < 1.5)
    wait_until(lambda: position(player, "dvd") > 2.0, timeout=8)  # and on through the second
    (record,) = recorder.wait(1)
    assert (record.item.key, record.outcome) == ("dvd", "completed")




def test_a_heartbeat_gives_back_an_item_in_parts_whole(tmp_path):
    item = Item("dvd", "/d/VTS_01_1.VOB", "DVD", 3.0, parts=("/d/VTS_01_1.VOB", "/d/VTS_01_2.VOB"))
    heartbeat = tmp_path / "heartbeat.json"
    heartbeat.write_text(json.dumps({"item": asdict(item), "screening_id": None, "played_s": 1.5,
                                     "started_at": "2024-05-01T08:00:00+00:00",
                                     "beat_at": "2024-05-01T08:00:02+00:00"}))
    record = recover_heartbeat(str(heartbeat))
    assert record.item == item and record.played_s == 1.5












def test_heartbeat_survives_kill_9(clips, tmp_path):
    need_libvlc()
    heartbeat = tmp_path / "heartbeat.json"
    script = tmp_path / "play.py"
    script.write_text(textwrap.dedent(f"""
        import time
        from schedules.player import Item, Player, VlcBackend
        player = Player(VlcBackend({VLC_ARGS!r}), on_record=print, heartbeat_path={str(heartbeat)!r})
        player.play_screening("s9", [Item("k1", {clips["long"]!r}, "long clip", 4.0)])
        print("started", flush=True)
        time.sleep(60)
    """))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with subprocess.Popen([sys.executable, str(script)], cwd=REPO, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True) as child:
        assert child.stdout.readline().strip() == "started"
        time.sleep(1.5)
        child.kill()  # SIGKILL: no cleanup runs
        child.wait()
        child.stdout.close()

    record = recover_heartbeat(str(heartbeat))
    assert record is not None and not heartbeat.exists()
    assert (record.item.key, record.item.path, record.screening_id) == ("k1", clips["long"], "s9")
    assert record.outcome == "stopped" and 0.7 <= record.played_s <= 2.0
    assert record.ended_at >= record.started_at and record.started_at.tzinfo is not None
    assert recover_heartbeat(str(heartbeat)) is None


def test_recover_heartbeat_ignores_a_damaged_beat(tmp_path):
    heartbeat = tmp_path / "heartbeat.json"
    heartbeat.write_text('{"item": ')
    assert recover_heartbeat(str(heartbeat)) is None
    assert not heartbeat.exists()




def test_make_backend_without_libvlc(monkeypatch):
    monkeypatch.setattr(vlc_backend.ctypes.util, "find_library", lambda name: None)
    backend = make_backend(VLC_ARGS)
    assert isinstance(backend, NullBackend) and backend.unavailable_reason == NOT_INSTALLED


def test_a_misspelt_vlc_option_is_a_clear_error():
    need_libvlc()
    with pytest.raises(PlayerError, match="misspelt or unknown"):
        VlcBackend("--vout=dummy --vuot=dummy")
    backend = make_backend("--vout=dummy --vuot=dummy")  # checked in the player process
    assert not backend.available and "--vuot=dummy'" in backend.unavailable_reason

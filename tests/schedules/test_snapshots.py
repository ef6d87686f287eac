"""Proof-of-play snapshots: on a real X11 video output (Xvfb), never with a dummy one, and where
they fall in a playlist (a scripted backend, no libvlc)."""

from __future__ import annotations

import os
import threading
from collections import Counter

import av
import pytest

from media_index.synth import make_video
from schedules.player import Item, Player, VlcBackend
from schedules.vlc_backend import Backend, _has_screen
from tests.components import need_libvlc
from tests.schedules.test_player import Recorder, wait_until

X11 = "--vout=xcb_x11 --aout=dummy"
PNG = b"\x89PNG\r\n\x1a\n"


class Shots(Recorder):
    """A Recorder that also collects on_snapshot calls."""

    def __init__(self) -> None:
        super().__init__()
        self.shots: list[tuple[str, str, str]] = []

    def snapshot(self, screening_id: str, label: str, path: str) -> None:
        with self._changed:
            self.shots.append((screening_id, label, path))
            self._changed.notify_all()

    def wait_shots(self, count: int, timeout: float = 10.0) -> list[tuple[str, str, str]]:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.shots) >= count, timeout), self.shots
            return list(self.shots)


@pytest.fixture(scope="module")
def clip4(tmp_path_factory) -> str:
    """4 s at 320x240: the grey gets brighter every frame (by 7 of 255 at 10 fps, no wrap by 3.6 s)."""
    path = str(tmp_path_factory.mktemp("snapclip") / "brighter.mp4")
    return make_video(path, seconds=4.0, container="mp4", size=(320, 240))


def grey(path: str) -> tuple[tuple[int, int], Counter]:
    """Decode a picture (PNG or a screen grab): its size and how often each grey level occurs."""
    with av.open(path, **({} if os.path.exists(path) else {"format": "x11grab"})) as container:
        frame = next(container.decode(video=0)).reformat(format="gray")
    plane = frame.planes[0]
    data = bytes(plane)
    rows = (data[r * plane.line_size:r * plane.line_size + frame.width] for r in range(frame.height))
    return (frame.width, frame.height), Counter(b"".join(rows))


def level(counts: Counter) -> float:
    return sum(value * n for value, n in counts.items()) / sum(counts.values())


class Counting(VlcBackend):
    def __init__(self, vlc_args: str) -> None:
        super().__init__(vlc_args)
        self.snapshots: list[str] = []

    def snapshot(self, path: str) -> bool:
        self.snapshots.append(path)
        return super().snapshot(path)


def test_a_screening_on_a_real_screen_leaves_start_middle_and_end_pictures(xvfb, clip4, tmp_path):
    need_libvlc()
    folder = tmp_path / "snapshots"
    recorder = Shots()
    backend = VlcBackend(X11)
    assert backend.can_snapshot
    player = Player(backend, on_record=recorder.record, on_screening_end=recorder.screening_end,
                    on_snapshot=recorder.snapshot)
    try:
        player.play_screening("s/1", [Item("clip", clip4, "clip", 4.0)], snapshot_dir=str(folder))
        recorder.wait_shots(1)
        # Nothing is painted over the audience's picture (libvlc's default shows a thumbnail of the
        # snapshot for 4 s and its file name): the screen holds black, the grey video, the cursor.
        _size, screen = grey(xvfb)
        assert len(screen) <= 6, screen.most_common(8)
        (record,) = recorder.wait(1)
        wait_until(lambda: recorder.screenings)
    finally:
        player.close()

    assert record.outcome == "completed"
    shots = recorder.wait_shots(3)
    expected = [str(folder / f"s_1-{label}.png") for label in ("start", "middle", "end")]
    assert shots == [("s/1", label, path) for label, path in zip(("start", "middle", "end"), expected,
                                                                   strict=True)]
    assert sorted(os.listdir(folder)) == sorted(os.path.basename(p) for p in expected)  # nothing aside
    levels = []
    for path in expected:
        with open(path, "rb") as f:
            assert f.read(8) == PNG
        size, counts = grey(path)
        assert size == (320, 240)
        levels.append(level(counts))
    # ~1 s (grey 70), ~2 s (140), ~3 s (210): each a later, brighter frame.
    assert levels[0] + 30 < levels[1] < levels[2] - 30, levels
    assert 35 < levels[0] < 120 and levels[2] > 170, levels


def test_with_a_dummy_video_output_no_snapshot_is_taken(clips, tmp_path):
    need_libvlc()
    folder = tmp_path / "snapshots"
    recorder = Shots()
    backend = Counting("--vout=dummy --aout=dummy")
    assert not backend.can_snapshot
    player = Player(backend, on_record=recorder.record, on_screening_end=recorder.screening_end,
                    on_snapshot=recorder.snapshot)
    try:
        player.play_screening("s2", [Item("a", clips["a"], "a", 2.0)], snapshot_dir=str(folder))
        (record,) = recorder.wait(1)
        wait_until(lambda: recorder.screenings)
    finally:
        player.close()
    assert record.outcome == "completed" and record.played_s == pytest.approx(2.0, abs=0.7)
    assert backend.snapshots == [] and recorder.shots == [] and not folder.exists()


@pytest.mark.parametrize(("args", "screen"), [
    ("", True), ("--vout=xcb_x11 --aout=dummy", True), ("-V x11", True), ("--vout=dummy", False),
    ("--vout dummy", False), ("-Vdummy", False), ("--no-video", False), ("--no-video --video", True),
    ("--vout=dummy --vout=xcb_x11", True), ("--vout=vdummy", False),
])
def test_which_options_mean_a_real_screen(args, screen):
    assert _has_screen(args) is screen


# --- where the pictures fall: a backend whose position the test sets -----------------------------

class Scripted(Backend):
    """Plays at once; the test sets the position and ends items. Snapshots write a small file."""

    can_snapshot = True

    def __init__(self, lengths: dict[str, float]) -> None:
        self.lengths = lengths
        self.path: str | None = None
        self.at = 0.0
        self.taken: list[tuple[str, str, float]] = []  # (file name, item playing, position)
        self.fail = False
        self._sink = None
        self._lock = threading.Lock()

    def play(self, path, on_event):
        self.path, self.at, self._sink = path, 0.0, on_event
        on_event("playing")

    def end(self) -> None:
        self._sink("ended")

    def stop(self):
        self.path = None

    def set_pause(self, paused):
        pass

    def set_volume(self, volume):
        pass

    def seek(self, seconds):
        self.at = seconds

    def position_s(self):
        return self.at if self.path else None

    def length_s(self):
        return self.lengths.get(self.path, 0.0)

    def close(self):
        pass

    def snapshot(self, path):
        if self.fail:
            raise RuntimeError("the video output broke")
        with open(path, "wb") as f:
            f.write(PNG)
        self.taken.append((os.path.basename(path), os.path.basename(self.path), self.at))
        return True


@pytest.fixture
def scripted(tmp_path):
    files = {}
    for name in ("a", "b", "c"):
        files[name] = str(tmp_path / f"{name}.mp4")
        open(files[name], "wb").close()
    backend = Scripted({files["a"]: 10.0, files["b"]: 10.0, files["c"]: 10.0})
    recorder = Shots()
    player = Player(backend, on_record=recorder.record, on_screening_end=recorder.screening_end,
                    on_snapshot=recorder.snapshot)
    yield backend, player, recorder, files, str(tmp_path / "snaps")
    player.close()


def move(backend: Scripted, at: float, taken: int | None = None) -> None:
    """Set the position and wait for the player's next look (it looks every 0.2 s)."""
    backend.at = at
    if taken is not None:
        wait_until(lambda: len(backend.taken) >= taken, timeout=3)
    else:
        threading.Event().wait(0.45)


def test_the_middle_of_the_playlist_and_the_end_of_the_last_item_that_played(scripted):
    backend, player, recorder, files, folder = scripted
    # 40 s in all: the middle falls at the start of the missing file, so the next item gives it.
    items = [Item("a", files["a"], "a", 10.0), Item("b", files["b"], "b", 10.0),
             Item("gone", "/nonexistent/gone.mp4", "gone", 10.0), Item("c", files["c"], "c", 10.0)]
    player.play_screening("s3", items, snapshot_dir=folder)
    move(backend, 0.5)
    assert backend.taken == []
    move(backend, 1.0, taken=1)
    move(backend, 8.5)
    move(backend, 9.0, taken=2)  # a's end, kept aside
    backend.end()
    wait_until(lambda: backend.path == files["b"])
    move(backend, 9.2, taken=3)
    backend.end()  # the missing file is an error; c plays
    wait_until(lambda: backend.path == files["c"])
    move(backend, 4.0)
    move(backend, 5.0, taken=4)
    move(backend, 9.5, taken=5)
    backend.end()
    wait_until(lambda: recorder.screenings)
    assert backend.taken == [("s3-start.png.next", "a.mp4", 1.0), ("s3-end.png.next", "a.mp4", 9.0),
                             ("s3-end.png.next", "b.mp4", 9.2), ("s3-middle.png.next", "c.mp4", 5.0),
                             ("s3-end.png.next", "c.mp4", 9.5)]
    assert [(label, os.path.basename(path)) for _sid, label, path in recorder.shots] == [
        ("start", "s3-start.png"), ("middle", "s3-middle.png"), ("end", "s3-end.png")]
    assert sorted(os.listdir(folder)) == ["s3-end.png", "s3-middle.png", "s3-start.png"]


def test_a_stopped_screening_ends_on_the_last_picture_and_a_failing_output_is_ignored(scripted):
    backend, player, recorder, files, folder = scripted
    player.play_screening("s4", [Item("a", files["a"], "a"), Item("b", files["b"], "b")],
                          snapshot_dir=folder)  # lengths unknown: the middle is the middle of b
    move(backend, 1.5, taken=1)
    move(backend, 3.0)
    player.stop()  # the end picture is what was on screen when the operator stopped
    wait_until(lambda: recorder.screenings)
    assert backend.taken == [("s4-start.png.next", "a.mp4", 1.5), ("s4-end.png.next", "a.mp4", 3.0)]
    assert [label for _sid, label, _path in recorder.shots] == ["start", "end"]

    backend.fail = True  # a broken snapshot costs the picture, never the screening
    player.play_screening("s5", [Item("c", files["c"], "c", 10.0)], snapshot_dir=folder)
    move(backend, 6.0)
    player.seek(9.9)  # an end this early is then no broken file
    backend.end()
    stopped, record = recorder.wait(2)
    assert (stopped.item.key, stopped.outcome) == ("a", "stopped")
    assert (record.item.key, record.outcome) == ("c", "completed")
    wait_until(lambda: len(recorder.screenings) == 2)
    assert len(recorder.shots) == 2 and not [n for n in os.listdir(folder) if n.startswith("s5")]

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from media_index import Item, WalkError, title_set_parts, walk


def touch(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def items(root: Path | bytes) -> list[Item]:
    return [x for x in walk(root) if isinstance(x, Item)]


def errors(root: Path | bytes) -> list[WalkError]:
    return [x for x in walk(root) if isinstance(x, WalkError)]


def test_plain_files_by_extension_and_non_videos_ignored(tmp_path: Path) -> None:
    touch(tmp_path / "b.mp4", b"12345")
    touch(tmp_path / "a.AVI")
    touch(tmp_path / "notes.txt")
    touch(tmp_path / "cover.jpg")
    touch(tmp_path / "._b.mp4")  # AppleDouble litter from a Mac
    touch(tmp_path / "$RECYCLE.BIN" / "old.mp4")
    found = items(tmp_path)
    assert [i.relpath for i in found] == ["a.AVI", "b.mp4"]
    b = found[1]
    assert b.layout == "file"
    assert b.size == 5
    assert b.raw_relpath == b"b.mp4"
    assert b.parts == (os.fsencode(tmp_path / "b.mp4"),)
    assert b.mtime_ns == os.stat(tmp_path / "b.mp4").st_mtime_ns
    assert errors(tmp_path) == []


def test_vcd_tracks(tmp_path: Path) -> None:
    touch(tmp_path / "VCD" / "MPEGAV" / "AVSEQ01.DAT")
    touch(tmp_path / "VCD" / "MPEGAV" / "AVSEQ02.DAT")
    touch(tmp_path / "vcd2" / "mpegav" / "avseq01.dat")
    touch(tmp_path / "VCD" / "VCD" / "INFO.VCD")
    touch(tmp_path / "other" / "clip.dat")
    layouts = {i.relpath: i.layout for i in items(tmp_path)}
    assert layouts == {
        "VCD/MPEGAV/AVSEQ01.DAT": "vcd",
        "VCD/MPEGAV/AVSEQ02.DAT": "vcd",
        "vcd2/mpegav/avseq01.dat": "vcd",
        "other/clip.dat": "file",
    }


def test_dvd_title_sets_grouped_menus_skipped(tmp_path: Path) -> None:
    ts = tmp_path / "DISC" / "VIDEO_TS"
    touch(ts / "VIDEO_TS.VOB", b"menu")
    touch(ts / "VIDEO_TS.IFO")
    touch(ts / "VTS_01_0.VOB", b"menu")
    touch(ts / "VTS_01_2.VOB", b"22")
    touch(ts / "VTS_01_1.VOB", b"1")
    touch(ts / "VTS_02_1.VOB", b"333")
    os.utime(ts / "VTS_01_2.VOB", ns=(2_000_000_000_000_000_000, 2_000_000_000_000_000_000))
    found = {i.relpath: i for i in items(tmp_path)}
    assert sorted(found) == ["DISC/VIDEO_TS/VTS_01", "DISC/VIDEO_TS/VTS_02"]
    title = found["DISC/VIDEO_TS/VTS_01"]
    assert title.layout == "dvd"
    assert title.parts == (
        os.fsencode(ts / "VTS_01_1.VOB"),
        os.fsencode(ts / "VTS_01_2.VOB"),
    )
    assert title.size == 3
    assert title.mtime_ns == 2_000_000_000_000_000_000
    assert title.raw_relpath == b"DISC/VIDEO_TS/VTS_01"
    assert found["DISC/VIDEO_TS/VTS_02"].size == 3


def test_title_set_parts_are_the_parts_the_walk_lists(tmp_path: Path) -> None:
    """A DVD item is reopened through its parts: the same files, found again from its relpath."""
    ts = tmp_path / "DISC" / "video_ts"
    touch(ts / "vts_01_0.vob", b"menu")
    touch(ts / "VTS_01_2.VOB", b"22")
    touch(ts / "vts_01_1.vob", b"1")
    touch(ts / "VTS_02_1.VOB", b"333")
    (ts / "VTS_01_3.VOB").mkdir()
    os.mkfifo(ts / "VTS_01_4.VOB")
    found = {i.relpath: i for i in items(tmp_path) if i.layout == "dvd"}
    assert sorted(found) == ["DISC/video_ts/VTS_01", "DISC/video_ts/VTS_02"]
    for item in found.values():
        path = os.fsencode(tmp_path) + b"/" + item.raw_relpath
        assert title_set_parts(path) == title_set_parts(os.fsdecode(path)) == item.parts
    assert len(found["DISC/video_ts/VTS_01"].parts) == 2
    assert title_set_parts(ts / "VTS_03") == ()
    with pytest.raises(FileNotFoundError):
        title_set_parts(tmp_path / "gone" / "VIDEO_TS" / "VTS_01")


def test_gbk_names_survive(tmp_path: Path) -> None:
    base = os.fsencode(tmp_path)
    os.mkdir(base + b"/" + "农业".encode("gbk"))
    raw = "农业".encode("gbk") + b"/" + "种植".encode("gbk") + b".mpg"
    with open(base + b"/" + raw, "wb") as f:
        f.write(b"data")
    (item,) = items(base)
    assert item.relpath == "农业/种植.mpg"
    assert item.raw_relpath == raw
    with open(item.parts[0], "rb") as f:
        assert f.read() == b"data"


def test_str_and_bytes_roots_agree(tmp_path: Path) -> None:
    touch(tmp_path / "a" / "x.mkv")
    assert items(str(tmp_path)) == items(os.fsencode(tmp_path))


def test_symlinked_directory_is_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    touch(outside / "clip.mp4")
    root = tmp_path / "root"
    root.mkdir()
    (root / "link").symlink_to(outside, target_is_directory=True)
    assert [i.relpath for i in items(root)] == ["link/clip.mp4"]


def test_symlinked_file_out_of_the_root_is_indexed_under_the_link(tmp_path: Path) -> None:
    touch(tmp_path / "other-disk" / "clip.mp4", b"12")
    root = tmp_path / "root"
    root.mkdir()
    (root / "clip.mp4").symlink_to(tmp_path / "other-disk" / "clip.mp4")
    (item,) = items(root)
    assert (item.relpath, item.size) == ("clip.mp4", 2)
    assert item.parts == (os.fsencode(root / "clip.mp4"),)


def test_symlink_loop_reported_and_walk_ends(tmp_path: Path) -> None:
    touch(tmp_path / "a" / "clip.mp4")
    (tmp_path / "a" / "back").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "self.mp4").symlink_to(tmp_path / "self.mp4")
    result = list(walk(tmp_path))
    assert [i.relpath for i in result if isinstance(i, Item)] == ["a/clip.mp4"]
    reasons = {e.relpath: e.error for e in result if isinstance(e, WalkError)}
    assert reasons == {"a/back": "symbolic link loop", "self.mp4": "symbolic link loop"}


def test_directory_linked_twice_is_walked_once(tmp_path: Path) -> None:
    touch(tmp_path / "a" / "clip.mp4")
    (tmp_path / "b").symlink_to(tmp_path / "a", target_is_directory=True)
    result = list(walk(tmp_path))
    assert [i.relpath for i in result if isinstance(i, Item)] == ["a/clip.mp4"]
    assert [e.relpath for e in result if isinstance(e, WalkError)] == ["b"]


def test_broken_link_to_video_reported(tmp_path: Path) -> None:
    (tmp_path / "gone.mp4").symlink_to(tmp_path / "nowhere.mp4")
    (tmp_path / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    assert errors(tmp_path) == [WalkError("gone.mp4", "broken symbolic link")]


def test_fifo_never_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.mp4")
    os.mkfifo(tmp_path / "pipe")
    touch(tmp_path / "real.mp4")
    result: list = []
    worker = threading.Thread(target=lambda: result.extend(walk(tmp_path)), daemon=True)
    worker.start()
    worker.join(5)
    assert not worker.is_alive(), "walk blocked on a FIFO"
    assert [i.relpath for i in result if isinstance(i, Item)] == ["real.mp4"]
    assert [e for e in result if isinstance(e, WalkError)] == [
        WalkError("pipe.mp4", "not a regular file")
    ]


def test_deep_tree_needs_no_recursion(tmp_path: Path) -> None:
    deep = str(tmp_path)
    for _ in range(1100):  # os.makedirs and pathlib recurse themselves
        deep += "/d"
        os.mkdir(deep)
    with open(deep + "/bottom.mp4", "wb") as f:
        f.write(b"x")
    try:
        (item,) = items(tmp_path)
        assert item.relpath == "d/" * 1100 + "bottom.mp4"
    finally:  # shutil.rmtree, used by pytest's cleanup, recurses too
        os.remove(deep + "/bottom.mp4")
        while deep != str(tmp_path):
            os.rmdir(deep)
            deep = os.path.dirname(deep)


def test_order_is_stable(tmp_path: Path) -> None:
    for name in ("z.mp4", "b/c.mp4", "a.mp4", "b/a.mp4", "B.mp4"):
        touch(tmp_path / name)
    first = [i.relpath for i in items(tmp_path)]
    assert first == [i.relpath for i in items(tmp_path)]
    assert sorted(first) == sorted(["z.mp4", "b/c.mp4", "a.mp4", "b/a.mp4", "B.mp4"])


def test_missing_root_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        list(walk(tmp_path / "absent"))
    touch(tmp_path / "file.mp4")
    with pytest.raises(NotADirectoryError):
        list(walk(tmp_path / "file.mp4"))


def test_corpus_layouts(media_corpus: dict) -> None:
    found = {i.relpath: i.layout for i in items(media_corpus["root"])}
    assert found["VCD/MPEGAV/AVSEQ01.DAT"] == "vcd"
    assert found["DVD/VIDEO_TS/VTS_01"] == "dvd"
    assert found["种植.mpg"] == "file"
    assert set(media_corpus["durations"]) | set(media_corpus["bad"]) <= set(found)
    for ignored in media_corpus["ignored"]:
        assert ignored not in found

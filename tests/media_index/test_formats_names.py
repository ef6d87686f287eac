from __future__ import annotations

import pytest

from media_index import VIDEO_EXTENSIONS, display_name, is_video_name


def test_extensions_cover_disc_and_file_formats() -> None:
    for ext in ("mp4", "dat", "vob", "rmvb", "wmv", "flv", "mkv", "3gp", "m2ts", "webm"):
        assert ext in VIDEO_EXTENSIONS
    assert all(ext == ext.lower() and not ext.startswith(".") for ext in VIDEO_EXTENSIONS)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("film.mp4", True),
        ("AVSEQ01.DAT", True),
        ("VTS_01_1.VOB", True),
        ("lesson.RmVb", True),
        ("种植.mpg", True),
        ("notes.txt", False),
        ("VIDEO_TS.IFO", False),
        ("mp4", False),
        ("archive.mp4.zip", False),
    ],
)
def test_is_video_name(name: str, expected: bool) -> None:
    assert is_video_name(name) is expected


def test_display_name_utf8() -> None:
    assert display_name("种植技术.mp4".encode()) == "种植技术.mp4"


def test_display_name_gbk_from_windows_disc() -> None:
    assert display_name(b"\xd6\xd6\xd6\xb2.mpg") == "种植.mpg"
    assert display_name("养殖技术第一集.VOB".encode("gbk")) == "养殖技术第一集.VOB"


def test_display_name_never_raises() -> None:
    name = display_name(b"\xff\xfe\x80bad.avi")
    assert name.endswith("bad.avi")


@pytest.mark.parametrize("text", ["农业.mpg", "牛01.VOB", "CCTV-7 农药.mp4", "鸭"])
def test_display_name_gbk_that_is_also_valid_utf8(text: str) -> None:
    raw = text.encode("gbk")
    raw.decode("utf-8")  # the ambiguity this test is about
    assert display_name(raw) == text


@pytest.mark.parametrize(
    "text", ["café.mp4", "Müller.avi", "Россия.mp4", "张·三.mp4", "© 2008.avi", "😀.mp4"]
)
def test_display_name_keeps_genuine_utf8(text: str) -> None:
    assert display_name(text.encode()) == text

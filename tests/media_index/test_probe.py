from __future__ import annotations

import os
import threading
from pathlib import Path

import av
import mutagen
import pytest
from mutagen.mp4 import MP4Cover

from media_index import Item, ProbeError, probe, walk
from tests.media_fixtures import make_audio_with_cover, truncate_half


def parts_by_relpath(root: Path) -> dict[str, tuple[bytes, ...]]:
    return {x.relpath: x.parts for x in walk(root) if isinstance(x, Item)}


def test_durations_of_every_container(media_corpus: dict) -> None:
    parts = parts_by_relpath(media_corpus["root"])
    for relpath, seconds in media_corpus["durations"].items():
        result = probe(parts[relpath])
        assert result.duration_s == pytest.approx(seconds, abs=0.5), relpath
        assert result.video_codec and result.width == 160 and result.height == 120, relpath


@pytest.mark.parametrize(
    ("relpath", "container", "video", "audio"),
    [
        ("film.mp4", "mp4", "h264", "aac"),
        ("VCD/MPEGAV/AVSEQ01.DAT", "mpeg-ps", "mpeg1video", "mp2"),
        ("DVD/VIDEO_TS/VTS_01", "mpeg-ps", "mpeg2video", "mp2"),
        ("lesson.avi", "avi", "mpeg4", "mp2"),
        ("lesson.mkv", "matroska", "h264", "aac"),
        ("lesson.flv", "flv", "flv", "aac"),
        ("lesson.wmv", "asf", "wmv2", "wmav2"),
        ("种植.mpg", "mpeg-ps", "mpeg1video", "mp2"),
    ],
)
def test_streams(media_corpus: dict, relpath: str, container: str, video: str, audio: str) -> None:
    result = probe(parts_by_relpath(media_corpus["root"])[relpath])
    assert (result.container, result.video_codec, result.audio_codec) == (container, video, audio)
    assert result.bitrate and result.bitrate > 0


def test_dvd_title_set_sums_its_parts(media_corpus: dict) -> None:
    parts = parts_by_relpath(media_corpus["root"])["DVD/VIDEO_TS/VTS_01"]
    assert len(parts) == 2
    single = [probe([p]).duration_s for p in parts]
    assert probe(parts).duration_s == pytest.approx(sum(single))


def test_tags_with_chinese_text(media_corpus: dict) -> None:
    mp4 = probe([media_corpus["root"] / "film.mp4"])
    assert mp4.tags == {"title": "种植技术", "artist": "农业局", "comment": "乡土教材"}
    wmv = probe([media_corpus["root"] / "lesson.wmv"])
    assert wmv.tags["title"] == "养殖" and wmv.tags["artist"] == "县科协"
    assert probe([media_corpus["root"] / "lesson.mkv"]).tags == {}


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty.mp4", "empty file (0 bytes)"),
        ("notes.avi", "not a video file (it contains text)"),
        ("truncated.mp4", "truncated file"),
        ("truncated-faststart.mp4", "truncated file"),
    ],
)
def test_bad_files_have_plain_reasons(media_corpus: dict, name: str, reason: str) -> None:
    with pytest.raises(ProbeError) as info:
        probe([media_corpus["root"] / name])
    assert info.value.reason.startswith(reason)
    assert info.value.path.endswith(name)


@pytest.mark.parametrize("ext", ["mpg", "dat", "vob", "ts", "rmvb", "flv", "mkv", "mp4", "wmv"])
def test_text_with_a_video_extension_is_not_a_video(tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"notes.{ext}"
    path.write_text("这不是视频, just notes\n" * 50, encoding="utf-8")
    with pytest.raises(ProbeError, match=r"not a video file \(it contains text\)"):
        probe([path])


def test_junk_is_unrecognised(tmp_path: Path) -> None:
    path = tmp_path / "junk.mp4"
    path.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(ProbeError, match="unrecognised or corrupt video data"):
        probe([path])


def test_audio_only_is_not_a_video(tmp_path: Path) -> None:
    path = tmp_path / "song.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=8000)
        frame = av.AudioFrame(format="fltp", layout="mono", samples=1024)
        frame.planes[0].update(bytes(frame.planes[0].buffer_size))
        frame.sample_rate = 8000
        for i in range(10):
            frame.pts = i * 1024
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    with pytest.raises(ProbeError, match=r"not a video file \(no video stream\)"):
        probe([path])


@pytest.mark.parametrize("original", ["film.mp4", "faststart.mp4"])
@pytest.mark.parametrize(
    "junk",
    [b"\n", b"\0" * 7, b"x" * 8, b"\0" * 12, b"garbage!garbage!", b"\0\0\0\x01trailing1234",
     b"\xff" * 16],
)
def test_stray_bytes_after_a_whole_mp4_are_not_truncation(
        media_corpus: dict, tmp_path: Path, original: str, junk: bytes) -> None:
    """A copy tool or a resumed download left 1–16 bytes after the last box: FFmpeg plays it."""
    path = tmp_path / original
    path.write_bytes((media_corpus["root"] / original).read_bytes() + junk)
    result = probe([path])
    assert result.duration_s == pytest.approx(media_corpus["durations"][original], abs=0.5)
    assert (result.video_codec, result.width, result.height) == ("h264", 160, 120)


@pytest.mark.parametrize("original", ["film.mp4", "faststart.mp4"])
def test_a_cut_mp4_with_stray_bytes_is_still_truncated(
        media_corpus: dict, tmp_path: Path, original: str) -> None:
    cut = tmp_path / "cut.mp4"
    truncate_half(media_corpus["root"] / original, cut)
    with open(cut, "ab") as f:
        f.write(b"garbage!garbage!")
    with pytest.raises(ProbeError, match=r"^.*truncated file \(\d+ of \d+ bytes present\)"):
        probe([cut])


@pytest.mark.parametrize(
    ("kind", "name"),
    [("m4a", "song.mp4"), ("flac", "song.flac"), ("mp3", "song.mp3"), ("wav", "song.wav")],
)
def test_audio_with_a_cover_picture_is_not_a_video(tmp_path: Path, kind: str, name: str) -> None:
    """Album art shows up as a one-picture 'video' stream (attached_pic): it is still sound only."""
    path = tmp_path / name
    make_audio_with_cover(path, kind)
    with av.open(str(path)) as check:  # the shape under test: a picture stream next to the sound
        assert [s.type for s in check.streams] == ["audio", "video"]
    with pytest.raises(ProbeError, match=r"not a video file \(no video stream\)"):
        probe([path])


def test_a_video_with_a_cover_picture_keeps_its_video(media_corpus: dict, tmp_path: Path) -> None:
    path = tmp_path / "film.mp4"
    path.write_bytes((media_corpus["root"] / "film.mp4").read_bytes())
    tagged = mutagen.File(path)
    tagged.tags["covr"] = [MP4Cover(make_cover(tmp_path), imageformat=MP4Cover.FORMAT_PNG)]
    tagged.save()
    with av.open(str(path)) as check:
        assert len(check.streams.video) == 2
    result = probe([path])
    assert (result.video_codec, result.width, result.height) == ("h264", 160, 120)


def make_cover(tmp_path: Path) -> bytes:
    """The cover picture of a song made by make_audio_with_cover."""
    song = tmp_path / "cover-source.mp4"
    make_audio_with_cover(song, "m4a")
    return bytes(mutagen.File(song).tags["covr"][0])


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ProbeError, match="file not found"):
        probe([tmp_path / "absent.mp4"])
    with pytest.raises(ProbeError, match="not a regular file"):
        probe([tmp_path])


def test_fifo_is_never_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.mp4"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            probe([fifo])
        except ProbeError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(5)
    assert not worker.is_alive(), "probe blocked on a FIFO"
    assert outcome and outcome[0].reason == "not a regular file"


def test_bytes_and_gbk_paths(media_corpus: dict) -> None:
    raw = os.fsencode(media_corpus["root"]) + b"/" + "种植".encode("gbk") + b".mpg"
    result = probe([raw])
    assert result.duration_s == pytest.approx(2.0, abs=0.5)
    with pytest.raises(ProbeError) as info:
        probe([os.fsencode(media_corpus["root"]) + b"/" + "无".encode("gbk") + b".mpg"])
    assert info.value.path.endswith("无.mpg")

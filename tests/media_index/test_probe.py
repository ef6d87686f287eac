from __future__ import annotations

import os
import threading
from pathlib import Path

import av
import pytest

from media_index import Item, ProbeError, probe, walk


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

"""Test media: the mixed acceptance corpus, built from real videos generated with PyAV."""

from __future__ import annotations

import os
from pathlib import Path

from media_index.synth import make_video, truncate_half

__all__ = ["GBK_NAME", "make_corpus", "make_video", "truncate_half"]

GBK_NAME = "种植".encode("gbk") + b".mpg"


def make_corpus(directory: str | os.PathLike[str]) -> dict:
    """Build the mixed acceptance corpus under `directory`.

    Returns {"durations": {relpath: seconds}, "bad": {relpath: start of the probe's reason},
    "ignored": [relpath, ...]} where relpaths are '/'-separated readable paths as
    `media_index.walk` reports them (the DVD title set as DVD/VIDEO_TS/VTS_01).
    """
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    durations: dict[str, float] = {}

    def video(rel: str, seconds: float, **kw) -> Path:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        make_video(p, seconds, **kw)
        return p

    video("film.mp4", 3.0, tags={"title": "种植技术", "artist": "农业局", "comment": "乡土教材"})
    durations["film.mp4"] = 3.0
    video("faststart.mp4", 2.0, faststart=True)
    durations["faststart.mp4"] = 2.0
    video("VCD/MPEGAV/AVSEQ01.DAT", 3.0, container="mpeg")
    durations["VCD/MPEGAV/AVSEQ01.DAT"] = 3.0
    video("DVD/VIDEO_TS/VTS_01_0.VOB", 1.0, container="vob")
    video("DVD/VIDEO_TS/VTS_01_1.VOB", 2.0, container="vob")
    video("DVD/VIDEO_TS/VTS_01_2.VOB", 1.0, container="vob")
    (root / "DVD/VIDEO_TS/VIDEO_TS.IFO").write_bytes(b"DVDVIDEO-VMG" + bytes(500))
    durations["DVD/VIDEO_TS/VTS_01"] = 3.0
    video("lesson.avi", 2.0)
    durations["lesson.avi"] = 2.0
    video("lesson.mkv", 2.0)
    durations["lesson.mkv"] = 2.0
    video("lesson.flv", 2.0)
    durations["lesson.flv"] = 2.0
    video("lesson.wmv", 2.0, tags={"title": "养殖", "artist": "县科协"})
    durations["lesson.wmv"] = 2.0
    make_video(os.fsencode(root) + b"/" + GBK_NAME, 2.0)
    durations["种植.mpg"] = 2.0

    truncate_half(root / "film.mp4", root / "truncated.mp4")
    truncate_half(root / "faststart.mp4", root / "truncated-faststart.mp4")
    (root / "empty.mp4").write_bytes(b"")
    (root / "notes.avi").write_text("这不是视频, just notes\n" * 20, encoding="utf-8")
    (root / "readme.txt").write_text("not indexed\n", encoding="utf-8")
    return {
        "durations": durations,
        "bad": {
            "truncated.mp4": "truncated file",
            "truncated-faststart.mp4": "truncated file",
            "empty.mp4": "empty file",
            "notes.avi": "not a video file",
        },
        "ignored": ["readme.txt", "DVD/VIDEO_TS/VIDEO_TS.IFO", "DVD/VIDEO_TS/VTS_01_0.VOB"],
    }

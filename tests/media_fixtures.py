"""Test media: the mixed acceptance corpus, built from real videos generated with PyAV."""

from __future__ import annotations

import os
from pathlib import Path

import av
import mutagen
from mutagen.flac import Picture
from mutagen.id3 import APIC
from mutagen.mp4 import MP4Cover

from media_index.synth import make_video, truncate_half

__all__ = ["GBK_NAME", "make_audio_with_cover", "make_corpus", "make_video", "truncate_half"]

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


# muxer and audio codec of each kind of audio file make_audio_with_cover writes
_AUDIO_KINDS = {"m4a": ("mp4", "aac"), "flac": ("flac", "flac"), "mp3": ("mp3", "libmp3lame"),
                "wav": ("wav", "pcm_s16le")}


def _cover_png() -> bytes:
    """A 64×64 black PNG, the usual size of a small album cover."""
    with av.open(os.devnull, "w", format="image2pipe") as out:
        stream = out.add_stream("png")
        stream.width = stream.height = 64
        stream.pix_fmt = "rgb24"
        frame = av.VideoFrame(64, 64, "rgb24")
        frame.planes[0].update(bytes(frame.planes[0].buffer_size))
        return b"".join(bytes(p) for p in stream.encode(frame) + stream.encode())


def make_audio_with_cover(path: str | os.PathLike[str], kind: str, seconds: float = 1.0) -> None:
    """Write sound only, with an embedded cover picture, as a music tool does.

    `kind`: m4a (MP4 `covr`), flac (a PICTURE block), mp3 or wav (an ID3 APIC frame). The file
    is written at `path` whatever its extension (an `.m4a` renamed `.mp4`, say).
    """
    muxer, codec = _AUDIO_KINDS[kind]
    rate = 44100 if kind == "mp3" else 8000
    with av.open(os.fspath(path), "w", format=muxer) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.layout = "mono"
        stream.codec_context.open()
        samples = stream.codec_context.frame_size or 1024
        fmt = stream.codec_context.format.name
        for i in range(int(seconds * rate) // samples):
            frame = av.AudioFrame(format=fmt, layout="mono", samples=samples)
            for plane in frame.planes:
                plane.update(bytes(plane.buffer_size))
            frame.sample_rate, frame.pts = rate, i * samples
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    png = _cover_png()
    audio = mutagen.File(os.fspath(path), easy=False)
    if kind == "m4a":
        audio.tags["covr"] = [MP4Cover(png, imageformat=MP4Cover.FORMAT_PNG)]
    elif kind == "flac":
        picture = Picture()
        picture.type, picture.mime, picture.width, picture.height = 3, "image/png", 64, 64
        picture.data = png
        audio.add_picture(picture)
    else:
        if audio.tags is None:
            audio.add_tags()
        audio.tags.add(APIC(encoding=3, mime="image/png", type=3, desc="cover", data=png))
    audio.save()

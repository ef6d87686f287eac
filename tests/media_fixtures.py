"""Generate tiny real media files with PyAV (FFmpeg in its wheel) for tests and benchmarks."""

from __future__ import annotations

import math
import os
from array import array
from fractions import Fraction
from pathlib import Path

import av

# container name -> (muxer, video codec, audio codec, audio sample rate)
_PROFILES: dict[str, tuple[str, str, str, int]] = {
    "mp4": ("mp4", "libx264", "aac", 44100),
    "mpeg": ("mpeg", "mpeg1video", "mp2", 44100),
    "vob": ("vob", "mpeg2video", "mp2", 48000),
    "avi": ("avi", "mpeg4", "mp2", 44100),
    "mkv": ("matroska", "libx264", "aac", 44100),
    "flv": ("flv", "flv", "aac", 44100),
    "asf": ("asf", "wmv2", "wmav2", 44100),
}

# file extension -> profile name
_BY_EXTENSION = {
    "mp4": "mp4", "m4v": "mp4", "mov": "mp4",
    "mpg": "mpeg", "mpeg": "mpeg", "dat": "mpeg",
    "vob": "vob",
    "avi": "avi",
    "mkv": "mkv",
    "flv": "flv",
    "wmv": "asf", "asf": "asf",
}


def _profile_for(path: Path, container: str | None) -> tuple[str, str, str, int]:
    """Pick the muxer and codecs for a container name or, failing that, the file extension."""
    if container is None:
        container = _BY_EXTENSION[path.suffix.lower().lstrip(".")]
    if container in ("wmv",):
        container = "asf"
    if container in ("mpg", "dat", "ps"):
        container = "mpeg"
    return _PROFILES[container]


def make_video(
    path: str | os.PathLike[str] | bytes,
    seconds: float = 2.0,
    container: str | None = None,
    codec: str | None = None,
    size: tuple[int, int] = (160, 120),
    fps: int = 10,
    audio: bool = True,
    tags: dict[str, str] | None = None,
    faststart: bool = False,
) -> Path | bytes:
    """Write a small real video of `seconds` length and return its path.

    `container` is one of mp4, mpeg (MPEG-PS: .mpg/.dat), vob, avi, mkv, flv, asf (wmv);
    by default it follows the file extension. `codec` overrides the video codec.
    """
    fs_path = os.fsdecode(path) if isinstance(path, bytes) else os.fspath(path)
    muxer, vcodec, acodec, rate = _profile_for(Path(fs_path), container)
    vcodec = codec or vcodec
    options = {"movflags": "faststart"} if faststart and muxer == "mp4" else {}
    # PyAV opens by str path; bytes names (e.g. GBK) are written via a temp name then renamed.
    target = fs_path
    tmp = None
    if isinstance(path, bytes):
        tmp = os.path.join(os.path.dirname(fs_path) or ".", f".mkvideo-{os.getpid()}.tmp")
        target = tmp
    with av.open(target, "w", format=muxer, options=options) as out:
        for key, value in (tags or {}).items():
            out.metadata[key] = value
        vs = out.add_stream(vcodec, rate=fps)
        vs.width, vs.height = size
        vs.pix_fmt = "yuv420p"
        if vcodec in ("mpeg1video", "mpeg2video") and fps not in (24, 25, 30, 50, 60):
            vs.codec_context.framerate = Fraction(25)
            fps = 25
        if vcodec == "libx264":
            vs.options = {"preset": "ultrafast", "tune": "zerolatency"}
        as_ = None
        if audio:
            as_ = out.add_stream(acodec, rate=rate)
            as_.layout = "stereo"
            as_.bit_rate = 64000
            as_.codec_context.open()  # the frame size is only known once open
        _encode(out, vs, as_, seconds, fps, size, rate)
    if tmp is not None:
        os.replace(tmp, path)  # type: ignore[arg-type]
        return path  # type: ignore[return-value]
    return Path(fs_path)


def _encode(out, vs, as_, seconds: float, fps: int, size: tuple[int, int], rate: int) -> None:
    """Encode changing grey video frames and a quiet tone, then flush both encoders."""
    n_frames = max(1, round(seconds * fps))
    w, h = size
    for i in range(n_frames):
        frame = av.VideoFrame(w, h, "yuv420p")
        for index, plane in enumerate(frame.planes):
            value = (i * 7) % 256 if index == 0 else 128
            plane.update(bytes([value]) * plane.buffer_size)
        frame.pts = i
        frame.time_base = Fraction(1, fps)
        for packet in vs.encode(frame):
            out.mux(packet)
    for packet in vs.encode():
        out.mux(packet)
    if as_ is None:
        return
    fmt = as_.codec_context.codec.audio_formats[0].name
    frame_size = as_.codec_context.frame_size or 1024
    planes = _tone_planes(fmt, frame_size)
    total = int(seconds * rate)
    pts = 0
    while pts < total:
        frame = av.AudioFrame(format=fmt, layout="stereo", samples=frame_size)
        for plane, data in zip(frame.planes, planes, strict=False):
            plane.update(data)
        frame.sample_rate = rate
        frame.pts = pts
        frame.time_base = Fraction(1, rate)
        for packet in as_.encode(frame):
            out.mux(packet)
        pts += frame_size
    for packet in as_.encode():
        out.mux(packet)


def _tone_planes(fmt: str, samples: int) -> list[bytes]:
    """Return the plane buffers of one stereo frame of a quiet tone in sample format `fmt`."""
    wave = [0.1 * math.sin(2 * math.pi * 441 * n / 44100) for n in range(samples)]
    if fmt == "s16":
        return [array("h", [int(v * 32767) for v in wave for _ in (0, 1)]).tobytes()]
    if fmt == "flt":
        return [array("f", [v for v in wave for _ in (0, 1)]).tobytes()]
    if fmt == "fltp":
        mono = array("f", wave).tobytes()
        return [mono, mono]
    if fmt == "s16p":
        mono = array("h", [int(v * 32767) for v in wave]).tobytes()
        return [mono, mono]
    raise ValueError(f"unsupported sample format {fmt}")


def truncate_half(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> Path:
    """Copy the first half of the bytes of `src` to `dst`."""
    data = Path(src).read_bytes()
    Path(dst).write_bytes(data[: len(data) // 2])
    return Path(dst)


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

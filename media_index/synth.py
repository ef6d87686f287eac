"""Generate small real videos with PyAV (FFmpeg in its wheel): demo data, tests, benchmarks.

No system ffmpeg is needed. Videos are grey frames and a quiet tone; tiny sizes encode in
milliseconds.
"""

from __future__ import annotations

import math
import os
from array import array
from fractions import Fraction

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
    "rm": ("rm", "rv20", "ac3", 44100),  # RealMedia (.rm, .rmvb): RealVideo 2 and AC-3
}

# file extension or container alias -> profile name
_ALIASES = {
    "m4v": "mp4", "mov": "mp4",
    "mpg": "mpeg", "dat": "mpeg", "ps": "mpeg", "mpeg-ps": "mpeg", "vcd": "mpeg",
    "dvd": "vob",
    "matroska": "mkv",
    "wmv": "asf",
    "rmvb": "rm", "realmedia": "rm",
}

# MPEG-1/2 video only allows these frame rates.
_MPEG_RATES = (24, 25, 30, 50, 60)


def _profile_for(path: str, container: str | None) -> tuple[str, str, str, int]:
    """Pick the muxer and codecs for a container name or, failing that, the file extension."""
    name = (container or path.rpartition(".")[2]).lower()
    return _PROFILES[_ALIASES.get(name, name)]


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
) -> str | os.PathLike[str] | bytes:
    """Write a small real video of about `seconds` and return `path`.

    `container`: mp4, mpeg (MPEG-PS, also mpg, dat, vcd), vob (also dvd), avi, mkv, flv,
    asf (also wmv), rm (also rmvb); by default the file extension decides. `codec` overrides the video codec.
    `path` may be bytes (a GBK name, say): the file is written under a temporary name first.
    """
    fs_path = os.fsdecode(path) if isinstance(path, bytes) else os.fspath(path)
    muxer, vcodec, acodec, rate = _profile_for(fs_path, container)
    vcodec = codec or vcodec
    if vcodec in ("mpeg1video", "mpeg2video") and fps not in _MPEG_RATES:
        fps = 25
    options = {"movflags": "faststart"} if faststart and muxer == "mp4" else {}
    folder = os.path.dirname(fs_path) or "."
    target = os.path.join(folder, f".synth-{os.getpid()}-{id(path)}.tmp")
    try:
        with av.open(target, "w", format=muxer, options=options) as out:
            for key, value in (tags or {}).items():
                out.metadata[key] = value
            vs = out.add_stream(vcodec, rate=fps)
            vs.width, vs.height = size
            vs.pix_fmt = "yuv420p"
            if vcodec == "libx264":
                vs.options = {"preset": "ultrafast", "tune": "zerolatency"}
            as_ = None
            if audio:
                as_ = out.add_stream(acodec, rate=rate)
                as_.layout = "stereo"
                as_.bit_rate = 64000
                as_.codec_context.open()  # the frame size is only known once open
            _encode(out, vs, as_, seconds, fps, size, rate)
        os.replace(target, path)
    finally:
        if os.path.exists(target):
            os.remove(target)
    return path


def _encode(out, vs, as_, seconds: float, fps: int, size: tuple[int, int], rate: int) -> None:
    """Encode changing grey video frames and a quiet tone, interleaved, then flush."""
    n_frames = max(1, round(seconds * fps))
    w, h = size
    audio_pts = 0
    total = int(seconds * rate)
    if as_ is not None:
        fmt = as_.codec_context.codec.audio_formats[0].name
        frame_size = as_.codec_context.frame_size or 1024
        planes = _tone_planes(fmt, frame_size)
    for i in range(n_frames):
        frame = av.VideoFrame(w, h, "yuv420p")
        for index, plane in enumerate(frame.planes):
            value = (i * 7) % 256 if index == 0 else 128
            plane.update(bytes([value]) * plane.buffer_size)
        frame.pts = i
        frame.time_base = Fraction(1, fps)
        out.mux(vs.encode(frame))
        # Keep audio in step with video: muxers only buffer a few seconds to interleave.
        until = total if i == n_frames - 1 else min(total, (i + 1) * rate // fps)
        while as_ is not None and audio_pts < until:
            out.mux(as_.encode(_audio_frame(fmt, frame_size, planes, rate, audio_pts)))
            audio_pts += frame_size
    out.mux(vs.encode())
    if as_ is not None:
        out.mux(as_.encode())


def _audio_frame(fmt: str, samples: int, planes: list[bytes], rate: int, pts: int):
    """Build one audio frame of the tone starting at sample `pts`."""
    frame = av.AudioFrame(format=fmt, layout="stereo", samples=samples)
    for plane, data in zip(frame.planes, planes, strict=False):
        plane.update(data)
    frame.sample_rate = rate
    frame.pts = pts
    frame.time_base = Fraction(1, rate)
    return frame


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


def truncate_half(src: str | os.PathLike[str] | bytes, dst: str | os.PathLike[str] | bytes) -> None:
    """Copy the first half of the bytes of `src` to `dst` (a download cut short)."""
    with open(src, "rb") as f:
        data = f.read()
    with open(dst, "wb") as f:
        f.write(data[: len(data) // 2])

"""Read what a video is: duration, container, codecs, size, bit rate (PyAV) and tags (mutagen).

PyAV reads streams and duration for every container (libvlc reports 0 s for MPEG-PS). mutagen
reads the tags of MP4 and ASF/WMV, the containers it knows; PyAV's container metadata fills in
for the others.

Truncation: an MP4 cut short is caught by walking its top-level boxes, whatever the box order.
Without `faststart` the index (moov) comes last and is lost, and FFmpeg alone would only say
"moov atom not found"; with `faststart` the index survives and FFmpeg happily reports the full
duration of data that is no longer there. Both become "truncated file". Bytes after the last
box of a complete file (a whole index, then a few stray bytes from a copy tool or a download
resumed badly) are not a box and no data is missing: FFmpeg reads such a file whole, and so
do we. AVI is checked the same way through its RIFF size. For MPEG-PS (VCD, DVD, .mpg) there
is no index to check: a cut file simply reports the duration it still holds.

Cover pictures: album art embedded in sound files (MP4 `covr`, FLAC, an ID3 picture in MP3 or
WAV) is a one-picture "video" stream marked attached_pic. It is not video: such a file has no
video stream.
"""

from __future__ import annotations

import os
import stat
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field

from .iso import is_member, open_part, part_size
from .names import display_name
from .reasons import read_error_reason

OPEN_TIMEOUT_S = 10.0

# FFmpeg format families under the short name we store.
_CONTAINER_NAMES = {
    "mov,mp4,m4a,3gp,3g2,mj2": "mp4",
    "matroska,webm": "matroska",
    "mpeg": "mpeg-ps",
    "mpegts": "mpeg-ts",
    "asf": "asf",
    "rm": "realmedia",
}

_TAG_KEYS = {
    "title", "artist", "album", "album_artist", "comment", "description", "date", "year",
    "genre", "copyright", "composer", "publisher", "language", "track", "disc", "author",
    "creation_time", "synopsis",
}

# ISO BMFF boxes that may stand at the top level of a file: after a complete index (moov),
# a header naming anything else is stray bytes, not a box cut short.
_MP4_TOP_BOXES = frozenset({
    b"ftyp", b"styp", b"moov", b"mdat", b"moof", b"mfra", b"free", b"skip", b"wide", b"udta",
    b"meta", b"uuid", b"pdin", b"sidx", b"ssix", b"prft", b"emsg", b"pnot", b"junk",
})

_MP4_TAGS = {
    "\xa9nam": "title", "\xa9ART": "artist", "\xa9alb": "album", "aART": "album_artist",
    "\xa9cmt": "comment", "\xa9day": "date", "\xa9gen": "genre", "desc": "description",
    "cprt": "copyright", "\xa9wrt": "composer",
}

_ASF_TAGS = {
    "Title": "title", "Author": "artist", "Description": "comment", "Copyright": "copyright",
    "WM/AlbumTitle": "album", "WM/AlbumArtist": "album_artist", "WM/Year": "date",
    "WM/Genre": "genre", "WM/Composer": "composer", "WM/Publisher": "publisher",
}


@dataclass(frozen=True)
class ProbeResult:
    """Facts about one video (summed over the parts of a DVD title set)."""

    duration_s: float | None
    container: str | None
    video_codec: str | None
    audio_codec: str | None
    width: int | None
    height: int | None
    bitrate: int | None
    tags: dict[str, str] = field(default_factory=dict)


class ProbeError(Exception):
    """A file that is not a readable video, with a user-facing reason."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def probe(parts: Sequence[bytes | str]) -> ProbeResult:
    """Probe a video made of one or more files; raise ProbeError with a plain reason."""
    if not parts:
        raise ValueError("probe() needs at least one path")
    results = [_probe_one(part) for part in parts]
    first = results[0]
    if len(results) == 1:
        return first
    durations = [r.duration_s for r in results]
    total = sum(d for d in durations if d is not None) if any(durations) else None
    return ProbeResult(
        duration_s=total,
        container=first.container,
        video_codec=first.video_codec,
        audio_codec=first.audio_codec,
        width=first.width,
        height=first.height,
        bitrate=first.bitrate,
        tags=first.tags,
    )


def _probe_one(part: bytes | str) -> ProbeResult:
    """Probe one file."""
    path = os.fsdecode(part)
    shown = display_name(os.fsencode(part))
    inside_image = is_member(part)  # a video inside a disc image: read through its range
    try:
        if not inside_image and not stat.S_ISREG(os.stat(path).st_mode):
            raise ProbeError(shown, "not a regular file")
        size = part_size(part)
        if size == 0:
            raise ProbeError(shown, "empty file (0 bytes)")
        with open_part(part) as f:
            head = f.read(512)
            _check_complete(f, head, size, shown)
    except OSError as exc:
        raise ProbeError(shown, read_error_reason(exc)) from exc
    try:
        if inside_image:
            with open_part(part) as f:
                facts = _read_streams(f, shown)
        else:
            facts = _read_streams(path, shown)
    except ProbeError as exc:
        if exc.reason.startswith("unrecognised") and _looks_like_text(head):
            raise ProbeError(shown, "not a video file (it contains text)") from exc
        raise
    if facts.container in ("mp4", "asf") and not inside_image:
        facts.tags.update(_mutagen_tags(path))
    return facts


def _looks_like_text(head: bytes) -> bool:
    """Tell whether the first bytes of a file are text (UTF-8 or GB18030, no control bytes)."""
    if any(b < 0x20 and b not in b"\t\n\r\f" for b in head):
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 3:  # a character cut by the 512-byte window
                return True
    return False


def _check_complete(f, head: bytes, size: int, shown: str) -> None:
    """Raise ProbeError when the container's own sizes say bytes are missing."""
    if head[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide"):
        end = _mp4_end(f, size)
        if end > size:
            raise ProbeError(shown, f"truncated file ({size} of {end} bytes present)")
    elif head[:4] == b"RIFF" and head[8:12] in (b"AVI ", b"AVIX"):
        end = struct.unpack("<I", head[4:8])[0] + 8
        if end > size:
            raise ProbeError(shown, f"truncated file ({size} of {end} bytes present)")


def _mp4_end(f, size: int) -> int:
    """Return where the top-level MP4 boxes say the file ends (past `size` if cut short)."""
    offset = 0
    indexed = False  # a whole moov box was seen
    for _ in range(10_000):
        if offset >= size:
            return offset  # the last box ends at the end of the file, or past it when cut
        f.seek(offset)
        header = f.read(16)
        if indexed and (len(header) < 8 or header[4:8] not in _MP4_TOP_BOXES):
            return size  # stray bytes after the last box
        if len(header) < 8:
            return offset + 8
        box_size = struct.unpack(">I", header[:4])[0]
        if box_size == 1:
            if len(header) < 16:
                return offset + 16
            box_size = struct.unpack(">Q", header[8:16])[0]
        elif box_size == 0:
            return size  # the last box runs to the end of the file
        if box_size < 8:
            return size  # not a box structure we understand; let FFmpeg judge
        if header[4:8] == b"moov" and offset + box_size <= size:
            indexed = True
        offset += box_size
    return size


def _read_streams(path: str, shown: str) -> ProbeResult:
    """Read container and stream facts with PyAV."""
    import av  # heavy (FFmpeg): loaded by the first probe, not by every command

    try:
        container = av.open(
            path,
            timeout=OPEN_TIMEOUT_S,
            metadata_errors="surrogateescape",
        )
    except av.error.FFmpegError as exc:
        raise ProbeError(shown, _ffmpeg_reason(exc)) from exc
    except OSError as exc:
        raise ProbeError(shown, read_error_reason(exc)) from exc
    with container:
        fmt = container.format.name
        if fmt.endswith("_pipe") or fmt in ("image2", "gif", "apng", "webp_pipe"):
            raise ProbeError(shown, "not a video file (a still image)")
        # A cover picture (an attached picture: audio's album art) is not video.
        videos = [s for s in container.streams.video
                  if not s.disposition & av.stream.Disposition.attached_pic]
        if not videos:
            raise ProbeError(shown, "not a video file (no video stream)")
        video = videos[0]
        audios = container.streams.audio
        return ProbeResult(
            duration_s=_duration(container),
            container=_CONTAINER_NAMES.get(fmt, fmt),
            video_codec=video.codec_context.name,
            audio_codec=audios[0].codec_context.name if audios else None,
            width=video.codec_context.width or None,
            height=video.codec_context.height or None,
            bitrate=container.bit_rate or None,
            tags=_ffmpeg_tags(container.metadata),
        )


def _duration(container) -> float | None:
    """Return the container's duration in seconds, else the longest stream's."""
    import av

    if container.duration is not None and container.duration > 0:
        return container.duration / av.time_base
    best = None
    for s in container.streams:
        if s.duration is not None and s.time_base is not None:
            seconds = float(s.duration * s.time_base)
            best = seconds if best is None else max(best, seconds)
    return best


def _ffmpeg_reason(exc) -> str:
    """Turn an FFmpeg error (av.error.FFmpegError) into a plain reason."""
    import av

    if isinstance(exc, av.error.PermissionError):
        return "cannot read file: permission denied"
    if isinstance(exc, av.error.ExitError):
        return "timed out while reading the file"
    return "unrecognised or corrupt video data"


def _clean(value: str) -> str:
    """Repair tag text that was not UTF-8 (GBK in old AVI files) using the file-name rules."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return display_name(value.encode("utf-8", "surrogateescape"))
    return value


def _ffmpeg_tags(metadata: dict[str, str]) -> dict[str, str]:
    tags = {}
    for key, value in metadata.items():
        key = key.lower()
        if key in _TAG_KEYS and value and value.strip():
            tags[key] = _clean(value).strip()
    return tags


def _mutagen_tags(path: str) -> dict[str, str]:
    """Read tags with mutagen where it knows the container; {} on any failure."""
    import mutagen

    try:
        info = mutagen.File(path)
    except Exception:  # noqa: BLE001 - mutagen raises many types on odd files; tags are optional
        return {}
    if info is None or info.tags is None:
        return {}
    mapping = _MP4_TAGS if type(info).__name__ == "MP4" else _ASF_TAGS
    tags = {}
    for key, name in mapping.items():
        if key not in info.tags:
            continue
        values = info.tags[key]
        if not isinstance(values, list):
            values = [values]
        texts = dict.fromkeys(str(v).strip() for v in values)  # ASF may repeat a value
        text = "; ".join(t for t in texts if t)
        if text:
            tags[name] = text
    return tags

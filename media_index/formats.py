"""Which file names are videos."""

from __future__ import annotations

import os

VIDEO_EXTENSIONS = frozenset(
    {
        "mp4", "m4v", "mov", "mpg", "mpeg", "dat", "vob", "avi", "mkv", "flv", "f4v",
        "wmv", "asf", "rm", "rmvb", "ts", "m2ts", "3gp", "webm",
    }
)


_VIDEO_EXTENSIONS_BYTES = frozenset(ext.encode() for ext in VIDEO_EXTENSIONS)


def extension(name: str | bytes) -> str:
    """Return the lower-case extension of a file name, without the dot ('' if none)."""
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    _, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""


def is_video_name(name: str | bytes) -> bool:
    """Tell whether a file name carries a video extension (case-insensitive)."""
    if isinstance(name, bytes):  # the walk's hot path: no decoding
        _, dot, ext = name.rpartition(b".")
        return bool(dot) and ext.lower() in _VIDEO_EXTENSIONS_BYTES
    return extension(name) in VIDEO_EXTENSIONS

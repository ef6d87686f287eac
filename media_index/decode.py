"""Decode the first seconds of a video: the readiness check's proof that a file still plays.

A file whose index survived but whose data is damaged probes fine; decoding its first seconds
is what the player would do first. PyAV (FFmpeg) decodes in a few milliseconds per second of
SD video.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from .iso import is_member, open_part
from .reasons import read_error_reason

UNDECODABLE = "its first seconds do not decode (damaged file?)"


def first_seconds_decode(parts: Sequence[bytes | str], seconds: float = 3.0) -> str | None:
    """Return why the first `seconds` of a video cannot be decoded, or None when they can."""
    import av  # heavy (FFmpeg): loaded by the first check, not by every command

    if not parts:
        return "no file"
    path = open_part(parts[0]) if is_member(parts[0]) else os.fsdecode(parts[0])
    try:
        with av.open(path, timeout=15.0, metadata_errors="surrogateescape") as container:
            streams = container.streams.video or container.streams.audio
            if not streams:
                return UNDECODABLE
            stream = streams[0]
            decoded = 0
            for frame in container.decode(stream):
                decoded += 1
                if frame.time is not None and frame.time >= seconds:
                    break
            return None if decoded else UNDECODABLE
    except av.error.FFmpegError:
        return UNDECODABLE
    except OSError as exc:
        return read_error_reason(exc)

"""Framework-free media indexing: walk library roots, hash and probe videos, rescan cheaply."""

from __future__ import annotations

from .formats import VIDEO_EXTENSIONS, is_video_name
from .hashing import HashError, hash_many, quick_fingerprint, sha256_parts
from .names import display_name
from .probe import ProbeError, ProbeResult, probe
from .scanner import FileResult, Known, Progress, classify_moves, scan_root
from .walk import Item, WalkError, title_set_parts, walk

__all__ = [
    "VIDEO_EXTENSIONS",
    "FileResult",
    "HashError",
    "Item",
    "Known",
    "ProbeError",
    "ProbeResult",
    "Progress",
    "WalkError",
    "classify_moves",
    "display_name",
    "hash_many",
    "is_video_name",
    "probe",
    "quick_fingerprint",
    "scan_root",
    "sha256_parts",
    "title_set_parts",
    "walk",
]

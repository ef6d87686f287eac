"""What the player plays and what it reports: an item, and the proof of play of one."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime

from media_index.iso import split_member


@dataclass(frozen=True)
class Item:
    """One thing to play: a file, or the files of one video in several parts, in order."""

    key: str
    path: str | None
    name: str
    duration_s: float | None = None
    parts: tuple[str, ...] = ()  # several files (a DVD title set): `path` is the first
    problem: str | None = None  # why there is no path, when the caller knows (logged as such)

    @property
    def files(self) -> tuple[str, ...]:
        """The files to play one after another."""
        return self.parts or ((self.path,) if self.path else ())


@dataclass(frozen=True)
class PlayRecord:
    """Proof of play of one item that was started or failed."""

    item: Item
    screening_id: str | None
    started_at: datetime
    ended_at: datetime
    played_s: float
    outcome: str  # completed | skipped | stopped | error
    error: str | None = None


def unopenable(item: Item) -> str | None:
    """Why the files of `item` cannot be opened (none, one missing or not a file), or None. A
    video inside a disc image needs the image."""
    if not item.files:
        return item.problem or "this item has no file"
    for path in item.files:
        inside = split_member(path)
        if inside is not None:
            path = os.fsdecode(inside[0])
        if not os.path.exists(path):
            return f"file not found: {path}"
        if not os.path.isfile(path):
            return f"not a regular file: {path}"
    return None

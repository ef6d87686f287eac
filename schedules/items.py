"""What the player plays and what it reports: an item, and the proof of play of one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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

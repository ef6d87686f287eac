"""The player's state: the item loaded in the backend with its clock, and a screening running."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from schedules.items import Item, PlayRecord
from schedules.snapshots import Snapshots


@dataclass
class Loaded:
    """The item loaded in the backend and its running clock."""

    item: Item
    screening_id: str | None
    started_at: datetime
    generation: int
    opened: float
    started: bool = False
    paused: bool = False
    seeked: bool = False
    banked_s: float = 0.0
    running_since: float | None = None
    part: int = 0  # which of the item's files plays
    part_lengths: dict[int, float] = field(default_factory=dict)  # libvlc's, of parts left so far
    seek_to: float = 0.0  # where to go in the part once it plays

    def part_start(self) -> float:
        """Seconds of the item before the part that plays (every earlier part was opened)."""
        return sum(self.part_lengths.get(part, 0.0) for part in range(self.part))

    def played_s(self) -> float:
        running = time.monotonic() - self.running_since if self.running_since is not None else 0.0
        return self.banked_s + running

    def run(self) -> None:
        if self.started and not self.paused and self.running_since is None:
            self.running_since = time.monotonic()

    def halt(self) -> None:
        self.banked_s = self.played_s()
        self.running_since = None

    def ran_to_end(self, length: float) -> None:
        """The item (`length` s in all) played to its end: unless someone seeked, all of it
        played, though the clock only ran from libvlc's first picture (a 6 s film counted 5.6 s)."""
        self.halt()
        if not self.seeked:
            self.banked_s = max(self.banked_s, length)

    def locate(self, seconds: float, part_length: float) -> tuple[int, float]:
        """Find the part holding `seconds` (the one playing is `part_length` long), and the time
        into it. Only the parts opened so far have a known length: a time past them falls in the
        next."""
        last = len(self.item.files) - 1
        start = 0.0
        for part in range(last):
            length = part_length if part == self.part else self.part_lengths.get(part)
            if not length or seconds < start + length:
                return part, seconds - start
            start += length
        return last, seconds - start

    def ended_early(self, length: float) -> bool:
        """Tell a broken file (libvlc plays it as a short, lengthless video) from a real end."""
        played = self.played_s()
        if self.item.duration_s:
            return not self.seeked and played < 0.5 * self.item.duration_s
        return length <= 0 or (not self.seeked and played < 0.5 * length)


@dataclass
class ScreeningRun:
    """A screening in progress and what to do with the ad-hoc queue after it."""

    id: str
    items: list[Item]
    resume_adhoc: bool
    position: int = 0
    records: list[PlayRecord] = field(default_factory=list)
    snapshots: Snapshots | None = None

"""The operator's ad-hoc queue: its items, the one playing (or next to play), and whether the
player is going through it. A screening takes the player over; the queue resumes after it."""

from __future__ import annotations

from dataclasses import dataclass, field

from schedules.items import Item
from schedules.vlc_backend import PlayerError


@dataclass
class AdhocQueue:
    items: list[Item] = field(default_factory=list)
    index: int | None = None  # the item playing now, or the one play() starts
    on: bool = False  # the player is going through the queue

    def check(self, index: int) -> None:
        if not 0 <= index < len(self.items):
            raise PlayerError(f"there is no item {index} in a queue of {len(self.items)}")

    def remove(self, index: int, playing_it: bool) -> None:
        """Drop an item; when it was playing, the next one now sits at the same index."""
        del self.items[index]
        if self.index is not None and index < self.index:
            self.index -= 1
        if not playing_it and self.index is not None and self.index >= len(self.items):
            self.index = None

    def move(self, src: int, dst: int) -> None:
        self.items.insert(dst, self.items.pop(src))
        index = self.index
        if index is None:
            return
        if index == src:
            self.index = dst
        elif src < index <= dst:
            self.index = index - 1
        elif dst <= index < src:
            self.index = index + 1

    def clear(self) -> None:
        self.items.clear()
        self.index, self.on = None, False

    def due(self) -> Item | None:
        """The item to play next while going through the queue; at its end, stop going."""
        if self.on and self.index is not None and self.index < len(self.items):
            return self.items[self.index]
        if self.on:
            self.on, self.index = False, None
        return None

"""Proof-of-play pictures of a screening: when to take them, and keeping each whole.

`<folder>/<stem>-start.png` is taken ~1 s into the first item that plays, `-middle.png` at the
middle of the playlist's known duration (else the middle of its middle item), `-end.png` ~1 s
before the end of the last item that plays (or the last picture before the operator stopped it).
Each is written aside, then renamed, and reported to `on_snapshot(screening_id, label, path)`.
A failed snapshot is logged and skipped: a picture must never break playback. The Player calls
these on its worker thread, between events, never in a libvlc callback.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from schedules.items import Item
from schedules.vlc_backend import Backend

log = logging.getLogger(__name__)

SNAPSHOT_LABELS = ("start", "middle", "end")
SNAPSHOT_LEAD_S = 1.0  # start this far into an item, end this far before its end
SNAPSHOT_REFRESH_S = 10.0  # how often the end picture is renewed on an item of unknown length


def middle_at(items: list[Item]) -> tuple[int, float | None]:
    """Where the middle of a playlist falls: (position, seconds into it), or None for the middle
    of the middle item when a duration is unknown."""
    durations = [item.duration_s or 0.0 for item in items]
    if not items or min(durations) <= 0:
        return len(items) // 2, None
    half = sum(durations) / 2
    for position, duration in enumerate(durations):
        if half < duration:
            return position, half
        half -= duration
    return len(items) - 1, durations[-1] / 2


def snapshot_window(length: float) -> tuple[float, float]:
    """The first and last safe moments for a snapshot in an item of `length` seconds (0: unknown)."""
    if length <= 0:
        return SNAPSHOT_LEAD_S, math.inf
    return min(SNAPSHOT_LEAD_S, length / 4), max(length - SNAPSHOT_LEAD_S, length * 3 / 4)


@dataclass
class Snapshots:
    """Which pictures of a screening are still to take, where they go, and taking them."""

    folder: str
    stem: str
    middle_at: tuple[int, float | None]  # playlist position; seconds into it, None for its middle
    backend: Backend
    on_snapshot: Callable[[str, str, str], None] | None = None
    pending: set[str] = field(default_factory=lambda: {"start", "middle"})
    end_position: int | None = None  # the item the end picture in waiting shows
    end_taken_at: float | None = None  # where in that item it was taken

    def path(self, label: str) -> str:
        return os.path.join(self.folder, f"{self.stem}-{label}.png")

    def take_due(self, screening_id: str, position: int, at: float, length: float) -> None:
        """Take the pictures whose moment has come, `at` seconds into item `position`."""
        first, last = snapshot_window(length)
        if at < first:
            return
        if "start" in self.pending:
            self._take(screening_id, "start")
        middle, offset = self.middle_at
        if "middle" in self.pending and position >= middle:
            # Past the middle item (it failed or was skipped): the middle of the one playing.
            target = offset if position == middle and offset is not None else length / 2
            if at >= min(max(target, first), last):
                self._take(screening_id, "middle")
        taken = self.end_taken_at if self.end_position == position else None
        if math.isinf(last):  # length unknown: renew the end picture now and then
            due = at - (taken or 0.0) >= SNAPSHOT_REFRESH_S
        else:
            due = at >= last and (taken is None or taken < last)
        if due:
            self._keep_end(position, at)

    def keep_last(self, position: int, at: float, length: float) -> None:
        """Keep what is on screen as the end picture (an item skipped or stopped)."""
        if at >= snapshot_window(length)[0]:
            self._keep_end(position, at)

    def publish_end(self, screening_id: str) -> None:
        """When the screening ends: the last picture kept aside becomes its end picture."""
        if self.end_position is not None:
            self._publish(screening_id, "end")

    def _keep_end(self, position: int, at: float) -> None:
        if self._save("end", self.path("end") + ".next"):
            self.end_position, self.end_taken_at = position, at

    def _take(self, screening_id: str, label: str) -> None:
        """Take the `label` picture now (once: a failure is not retried) and report it."""
        self.pending.discard(label)
        if self._save(label, self.path(label) + ".next"):
            self._publish(screening_id, label)

    def _save(self, label: str, path: str) -> bool:
        try:
            os.makedirs(self.folder, exist_ok=True)
            if self.backend.snapshot(path):
                return True
            log.warning("no %s snapshot of screening %s: the video output took none", label,
                        self.stem)
        except Exception:  # a snapshot must never break playback
            log.exception("no %s snapshot of screening %s", label, self.stem)
        remove(path)
        return False

    def _publish(self, screening_id: str, label: str) -> None:
        """Move a picture taken aside to its final name and report it."""
        path = self.path(label)
        try:
            os.replace(path + ".next", path)
        except OSError:
            log.exception("could not keep the %s snapshot %s", label, path)
            return
        if self.on_snapshot is not None:
            try:
                self.on_snapshot(screening_id, label, path)
            except Exception:
                log.exception("on_snapshot failed for %s", path)


def remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass

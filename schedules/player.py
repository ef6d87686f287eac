"""The site's player: the operator's queue, scheduled screenings and proof of play.

One worker thread owns the backend (libvlc is not reentrant): it runs the public commands,
which any thread may call and which wait for it, and the events libvlc hands over through the
same queue. `on_record`, `on_screening_end` and `on_snapshot` are called on that worker thread,
so a caller writing to a database there must use its own session; they should record, not drive
the player.

Seconds played are wall-clock seconds from libvlc's "playing" to the end, pauses excluded.

An item in several files (a DVD title set: `VTS_01_1.VOB`, `VTS_01_2.VOB`, ...) plays them one
after another as one item: one record, one clock; its position and length span all its parts
(the length is the item's `duration_s`, libvlc only knows the part it plays), and a seek goes to
the part holding that time among the parts opened so far, or else the next one.

Proof-of-play snapshots (`play_screening(..., snapshot_dir=...)`, on a backend with a real
screen) are described in schedules/snapshots.py; the heartbeat in schedules/heartbeat.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from schedules.heartbeat import recover_heartbeat
from schedules.items import Item, PlayRecord
from schedules.machine import BROKEN, OPEN_TIMEOUT_S, PlayerMachine
from schedules.player_process import ProcessBackend, make_backend
from schedules.snapshots import SNAPSHOT_LABELS
from schedules.vlc_backend import (
    NO_SCREEN,
    NOT_INSTALLED,
    Backend,
    NullBackend,
    PlayerError,
    VlcBackend,
    make_vlc_backend,
)
from schedules.worker import Worker

__all__ = [
    "BROKEN", "NO_SCREEN", "NOT_INSTALLED", "OPEN_TIMEOUT_S", "SNAPSHOT_LABELS", "Backend", "Item",
    "NullBackend", "PlayRecord", "Player", "PlayerError", "ProcessBackend", "VlcBackend",
    "make_backend", "make_vlc_backend", "recover_heartbeat",
]

log = logging.getLogger(__name__)

COMMAND_TIMEOUT_S = 10.0
_TICK_S = 0.2


def utcnow() -> datetime:
    return datetime.now(UTC)


class Player:
    """The player any thread may drive: each command runs on its worker thread and waits there."""

    def __init__(
        self,
        backend: Backend,
        *,
        on_record: Callable[[PlayRecord], None],
        on_screening_end: Callable[[str, list[PlayRecord]], None] | None = None,
        on_snapshot: Callable[[str, str, str], None] | None = None,
        clock: Callable[[], datetime] = utcnow,
        heartbeat_path: str | None = None,
    ) -> None:
        self._backend = backend
        self._machine = PlayerMachine(backend, on_record=on_record,
                                      on_screening_end=on_screening_end, on_snapshot=on_snapshot,
                                      clock=clock, heartbeat_path=heartbeat_path)
        self._worker = Worker("dianjiao-player", on_event=self._machine.on_backend_event,
                              on_tick=self._machine.tick, tick_s=_TICK_S,
                              timeout_s=COMMAND_TIMEOUT_S, error=PlayerError, what="the player")
        self._machine._worker = self._worker

    @property
    def backend(self) -> Backend:
        """The backend (read its facts only: the worker thread owns it)."""
        return self._backend

    # -- public commands: any thread -------------------------------------------------------

    def enqueue(self, items: Iterable[Item]) -> None:
        """Append items to the ad-hoc queue."""
        self._call(self._machine.enqueue, list(items))

    def remove(self, index: int) -> None:
        """Remove a queue item; removing the one playing skips to the next."""
        self._call(self._machine.remove, index)

    def move(self, src: int, dst: int) -> None:
        """Move a queue item from `src` to `dst`."""
        self._call(self._machine.move, src, dst)

    def clear(self) -> None:
        """Empty the ad-hoc queue, stopping its item if one plays."""
        self._call(self._machine.clear)

    def play(self) -> None:
        """Resume a paused item, or start the ad-hoc queue when idle."""
        self._call(self._machine.play)

    def pause(self) -> None:
        """Pause the item playing, or resume it when paused."""
        self._call(self._machine.pause)

    def next(self) -> None:
        """Skip the item playing and go on to the next one."""
        self._call(self._machine.next)

    def stop(self) -> None:
        """Stop playing; a screening in progress ends and the player stays idle."""
        self._call(self._machine.stop)

    def set_volume(self, volume: int) -> None:
        """Set the volume, 0 to 100."""
        self._call(self._machine.volume, max(0, min(100, int(volume))))

    def seek(self, seconds: float) -> None:
        """Jump to `seconds` into the item playing."""
        self._call(self._machine.seek, max(0.0, float(seconds)))

    def play_screening(self, screening_id: str, items: list[Item], snapshot_dir: str | None = None) -> None:
        """Take over the player for a screening; the ad-hoc queue resumes after it.

        With `snapshot_dir`, and a backend that shows video on a real screen, pictures of the
        start, middle and end are saved there (see the module's docstring).
        """
        self._call(self._machine.screening, screening_id, list(items), snapshot_dir)

    def status(self) -> dict:
        """Return what the player is doing, for the operator's page and the API."""
        return self._call(self._machine.status)

    def close(self) -> None:
        """Stop playing (logging the item 'stopped'), release the backend, end the thread."""
        if self._worker.closed:
            return
        self._call(self._machine.close)
        self._worker.join()

    def _call(self, fn: Callable, *args):
        """Run `fn` on the worker thread and return its result."""
        return self._worker.call(fn, *args)


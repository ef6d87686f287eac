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

Proof-of-play snapshots: `play_screening(..., snapshot_dir=...)` on a backend with a real screen
(`Backend.can_snapshot`) saves `<dir>/<screening id>-start.png` (~1 s into the first item that
plays), `-middle.png` (the middle of the playlist's known duration, else the middle of its middle
item) and `-end.png` (~1 s before the end of the last item that plays, or the last picture before
the operator stopped it). The worker thread takes them between events; each file appears whole
(written aside, then renamed) and is reported to `on_snapshot(screening_id, label, path)`; the end
one when the screening ends, before `on_screening_end`. A failed snapshot is logged and skipped.
"""

from __future__ import annotations

import json
import logging
import math
import os
import queue
import re
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from schedules.player_process import ProcessBackend, make_backend
from schedules.vlc_backend import (
    NO_SCREEN,
    NOT_INSTALLED,
    Backend,
    NullBackend,
    PlayerError,
    VlcBackend,
    make_vlc_backend,
)

__all__ = ["Backend", "Item", "NO_SCREEN", "NOT_INSTALLED", "NullBackend", "PlayRecord", "Player",
           "PlayerError", "ProcessBackend", "VlcBackend", "make_backend", "make_vlc_backend",
           "recover_heartbeat"]

log = logging.getLogger(__name__)

BROKEN = "the video could not be played (damaged or unsupported file)"
OPEN_TIMEOUT_S = 15.0
BEAT_EVERY_S = 1.0
COMMAND_TIMEOUT_S = 10.0
_TICK_S = 0.2
SNAPSHOT_LABELS = ("start", "middle", "end")
SNAPSHOT_LEAD_S = 1.0  # start this far into an item, end this far before its end
SNAPSHOT_REFRESH_S = 10.0  # how often the end picture is renewed on an item of unknown length


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


@dataclass
class _Current:
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


@dataclass
class _Snapshots:
    """Which proof-of-play pictures of a screening are still to take, and where they go."""

    folder: str
    stem: str
    middle_at: tuple[int, float | None]  # playlist position; seconds into it, None for its middle
    pending: set[str] = field(default_factory=lambda: {"start", "middle"})
    end_position: int | None = None  # the item the end picture in waiting shows
    end_taken_at: float | None = None  # where in that item it was taken

    def path(self, label: str) -> str:
        return os.path.join(self.folder, f"{self.stem}-{label}.png")


@dataclass
class _Screening:
    """A screening in progress and what to do with the ad-hoc queue after it."""

    id: str
    items: list[Item]
    resume_adhoc: bool
    position: int = 0
    records: list[PlayRecord] = field(default_factory=list)
    snapshots: _Snapshots | None = None


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _middle_at(items: list[Item]) -> tuple[int, float | None]:
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


def _snapshot_window(length: float) -> tuple[float, float]:
    """The first and last safe moments for a snapshot in an item of `length` seconds (0: unknown)."""
    if length <= 0:
        return SNAPSHOT_LEAD_S, math.inf
    return min(SNAPSHOT_LEAD_S, length / 4), max(length - SNAPSHOT_LEAD_S, length * 3 / 4)


class Player:
    """A queue state machine (idle, playing, paused) over one backend, driven by one thread."""

    def __init__(
        self,
        backend: Backend,
        *,
        on_record: Callable[[PlayRecord], None],
        on_screening_end: Callable[[str, list[PlayRecord]], None] | None = None,
        on_snapshot: Callable[[str, str, str], None] | None = None,
        clock: Callable[[], datetime] = _utcnow,
        heartbeat_path: str | None = None,
    ) -> None:
        self._backend = backend
        self._on_record = on_record
        self._on_screening_end = on_screening_end
        self._on_snapshot = on_snapshot
        self._clock = clock
        self._heartbeat_path = heartbeat_path
        self._queue: list[Item] = []
        self._index: int | None = None  # the ad-hoc item playing now, or the one play() starts
        self._adhoc_on = False
        self._screening: _Screening | None = None
        self._current: _Current | None = None
        self._generation = 0
        self._volume = 100
        self._next_beat = 0.0
        self._closed = False
        self._inbox: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="dianjiao-player", daemon=True)
        self._thread.start()

    @property
    def backend(self) -> Backend:
        """The backend (read its facts only: the worker thread owns it)."""
        return self._backend

    # -- public commands: any thread -------------------------------------------------------

    def enqueue(self, items: Iterable[Item]) -> None:
        """Append items to the ad-hoc queue."""
        self._call(self._queue.extend, list(items))

    def remove(self, index: int) -> None:
        """Remove a queue item; removing the one playing skips to the next."""
        self._call(self._do_remove, index)

    def move(self, src: int, dst: int) -> None:
        """Move a queue item from `src` to `dst`."""
        self._call(self._do_move, src, dst)

    def clear(self) -> None:
        """Empty the ad-hoc queue, stopping its item if one plays."""
        self._call(self._do_clear)

    def play(self) -> None:
        """Resume a paused item, or start the ad-hoc queue when idle."""
        self._call(self._do_play)

    def pause(self) -> None:
        """Pause the item playing, or resume it when paused."""
        self._call(self._do_pause)

    def next(self) -> None:
        """Skip the item playing and go on to the next one."""
        self._call(self._do_next)

    def stop(self) -> None:
        """Stop playing; a screening in progress ends and the player stays idle."""
        self._call(self._do_stop)

    def set_volume(self, volume: int) -> None:
        """Set the volume, 0 to 100."""
        self._call(self._do_volume, max(0, min(100, int(volume))))

    def seek(self, seconds: float) -> None:
        """Jump to `seconds` into the item playing."""
        self._call(self._do_seek, max(0.0, float(seconds)))

    def play_screening(self, screening_id: str, items: list[Item], snapshot_dir: str | None = None) -> None:
        """Take over the player for a screening; the ad-hoc queue resumes after it.

        With `snapshot_dir`, and a backend that shows video on a real screen, pictures of the
        start, middle and end are saved there (see the module's docstring).
        """
        self._call(self._do_screening, screening_id, list(items), snapshot_dir)

    def status(self) -> dict:
        """Return what the player is doing, for the operator's page and the API."""
        return self._call(self._do_status)

    def close(self) -> None:
        """Stop playing (logging the item 'stopped'), release the backend, end the thread."""
        if self._closed:
            return
        self._call(self._do_close)
        self._thread.join(COMMAND_TIMEOUT_S)

    def _call(self, fn: Callable, *args):
        """Run `fn` on the worker thread and return its result."""
        if threading.current_thread() is self._thread:
            return fn(*args)
        if self._closed:
            raise PlayerError("the player is closed")
        future: Future = Future()
        self._inbox.put((fn, args, future))
        try:
            return future.result(COMMAND_TIMEOUT_S)
        except TimeoutError:
            raise PlayerError(f"the player did not answer within {COMMAND_TIMEOUT_S:g} s") from None

    # -- the worker ------------------------------------------------------------------------

    def _work(self) -> None:
        """Run commands and backend events in order until closed."""
        while not self._closed:
            try:
                message = self._inbox.get(timeout=_TICK_S)
            except queue.Empty:
                message = None
            try:
                if message is not None:
                    self._handle(message)
                if self._current is not None and not self._closed:
                    self._watch()
                if self._current is not None and not self._closed:
                    self._snapshot_if_due()
            except Exception:  # one bad event must not leave the site without a player
                log.exception("the player failed on %r", message)
        self._refuse_waiting()

    def _refuse_waiting(self) -> None:
        """Answer the commands that arrived while closing."""
        while True:
            try:
                message = self._inbox.get_nowait()
            except queue.Empty:
                return
            if message[0] != "event":
                message[2].set_exception(PlayerError("the player is closed"))

    def _handle(self, message: tuple) -> None:
        if message[0] == "event":
            _, generation, kind, detail = message
            if self._current is not None and generation == self._current.generation:
                self._on_event(kind, detail)
            return
        fn, args, future = message
        try:
            future.set_result(fn(*args))
        except Exception as exc:  # handed to the caller's thread
            future.set_exception(exc)

    def _watch(self) -> None:
        """Give up on an item that never starts; write the heartbeat when due."""
        current = self._current
        if not current.started and time.monotonic() - current.opened > OPEN_TIMEOUT_S:
            self._end_item("error", f"the video did not start within {OPEN_TIMEOUT_S:g} s")
        elif time.monotonic() >= self._next_beat:
            self._beat()

    def _on_event(self, kind: str, detail: str | None = None) -> None:
        current = self._current
        if kind == "playing":
            if not current.started:
                current.started = True
                current.run()
                self._backend.set_volume(self._volume)
                if current.seek_to:
                    self._backend.seek(current.seek_to)
                    current.seek_to = 0.0
                self._beat()  # beats then fall on whole seconds played
            if current.paused:  # paused while still opening
                self._backend.set_pause(True)
        elif kind == "error":
            self._end_item("error", detail or BROKEN)
        elif kind == "ended":
            if current.part + 1 < len(current.item.files):
                self._open_part(current.part + 1)
            elif self._ended_early(current):
                self._end_item("error", BROKEN)
            else:
                self._end_item("completed")

    def _ended_early(self, current: _Current) -> bool:
        """Tell a broken file (libvlc plays it as a short, lengthless video) from a real end."""
        played, length = current.played_s(), self._length_s() or 0.0
        if current.item.duration_s:
            return not current.seeked and played < 0.5 * current.item.duration_s
        return length <= 0 or (not current.seeked and played < 0.5 * length)

    # -- commands (worker thread) ------------------------------------------------------------

    def _do_play(self) -> None:
        if self._current is not None:
            if self._current.paused:
                self._do_pause()
            return
        if self._screening is not None or not self._queue:
            return
        if self._index is None or self._index >= len(self._queue):
            self._index = 0
        self._adhoc_on = True
        self._run()

    def _do_pause(self) -> None:
        current = self._current
        if current is None:
            return
        if current.paused:
            current.paused = False
            current.run()
        else:
            current.paused = True
            current.halt()
        self._backend.set_pause(current.paused)

    def _do_next(self) -> None:
        if self._current is not None:
            self._end_item("skipped")

    def _do_stop(self) -> None:
        if self._current is not None:
            self._finish("stopped")
        if self._screening is not None:
            self._screening.resume_adhoc = False
            self._end_screening()
        self._adhoc_on = False
        self._clear_heartbeat()

    def _do_volume(self, volume: int) -> None:
        self._volume = volume
        self._backend.set_volume(volume)

    def _do_seek(self, seconds: float) -> None:
        current = self._current
        if current is None:
            return
        current.seeked = True
        part, offset = self._locate(current, seconds)
        if part != current.part:
            self._open_part(part, offset)
        elif current.started:
            self._backend.seek(offset)
        else:  # still opening: libvlc would not seek yet
            current.seek_to = offset

    def _locate(self, current: _Current, seconds: float) -> tuple[int, float]:
        """Find the part of the item playing that holds `seconds`, and the time into it.

        Only the parts opened so far have a known length: a time past them falls in the next.
        """
        last = len(current.item.files) - 1
        start = 0.0
        for part in range(last):
            length = self._backend.length_s() if part == current.part else current.part_lengths.get(part)
            if not length or seconds < start + length:
                return part, seconds - start
            start += length
        return last, seconds - start

    def _do_remove(self, index: int) -> None:
        self._check_index(index)
        playing_it = self._adhoc_playing() and index == self._index
        if playing_it:
            self._finish("skipped")
        del self._queue[index]
        if self._index is not None and index < self._index:
            self._index -= 1
        if not playing_it and self._index is not None and self._index >= len(self._queue):
            self._index = None
        if playing_it:
            self._run()  # the next item now sits at the same index

    def _do_move(self, src: int, dst: int) -> None:
        self._check_index(src)
        self._check_index(dst)
        self._queue.insert(dst, self._queue.pop(src))
        index = self._index
        if index is None:
            return
        if index == src:
            self._index = dst
        elif src < index <= dst:
            self._index = index - 1
        elif dst <= index < src:
            self._index = index + 1

    def _do_clear(self) -> None:
        if self._adhoc_playing():
            self._finish("stopped")
            self._clear_heartbeat()
        self._queue.clear()
        self._index = None
        self._adhoc_on = False
        if self._screening is not None:
            self._screening.resume_adhoc = False

    def _do_screening(self, screening_id: str, items: list[Item], snapshot_dir: str | None = None) -> None:
        resume = self._adhoc_on
        if self._screening is not None:
            resume, self._screening.resume_adhoc = self._screening.resume_adhoc, False
            if self._current is not None:
                self._finish("stopped")
            self._end_screening()
        elif self._current is not None:
            self._finish("stopped")
            self._index += 1  # resume with the item after the interrupted one
        self._adhoc_on = False
        self._screening = _Screening(screening_id, items, resume_adhoc=resume)
        if snapshot_dir and self._backend.can_snapshot:
            stem = re.sub(r"[^\w.-]", "_", screening_id).lstrip(".") or "_"
            self._screening.snapshots = _Snapshots(snapshot_dir, stem, _middle_at(items))
        self._run()

    def _do_status(self) -> dict:
        current = self._current
        now_playing = None
        if current is not None:
            now_playing = {"key": current.item.key, "name": current.item.name,
                           "position_s": self._position_s(), "length_s": self._length_s()}
        state = "idle" if current is None else "paused" if current.paused else "playing"
        return {
            "state": state,
            "current": now_playing,
            "volume": self._volume,
            "queue": [{"key": i.key, "name": i.name, "duration_s": i.duration_s} for i in self._queue],
            "index": self._index,
            "screening_id": self._screening.id if self._screening else None,
            "available": self._backend.available,
            "reason": self._backend.unavailable_reason,
        }

    def _do_close(self) -> None:
        if self._current is not None:
            self._finish("stopped")
        if self._screening is not None:
            self._screening.resume_adhoc = False
            self._end_screening()
        self._clear_heartbeat()
        self._backend.close()
        self._closed = True

    def _check_index(self, index: int) -> None:
        if not 0 <= index < len(self._queue):
            raise PlayerError(f"there is no item {index} in a queue of {len(self._queue)}")

    def _adhoc_playing(self) -> bool:
        return self._current is not None and self._screening is None

    def _position_s(self) -> float | None:
        """Seconds into the item playing, across its parts; None when unknown."""
        at, start = self._backend.position_s(), self._current.part_start()
        return start + (at or 0.0) if start else at

    def _length_s(self) -> float | None:
        """The length of the item playing: libvlc's for one file, the catalog's for several."""
        current = self._current
        if current.item.parts:
            return current.item.duration_s or current.part_start() + self._backend.length_s()
        return self._backend.length_s() or current.item.duration_s

    # -- moving through the playlist -------------------------------------------------------

    def _end_item(self, outcome: str, error: str | None = None) -> None:
        """Record the item playing, then go on to the next one."""
        self._finish(outcome, error)
        self._step()
        self._run()

    def _step(self) -> None:
        if self._screening is not None:
            self._screening.position += 1
        elif self._index is not None:
            self._index += 1

    def _cursor(self) -> tuple[Item | None, str | None]:
        """Return the item due next (and its screening), ending a finished screening."""
        screening = self._screening
        if screening is not None:
            if screening.position < len(screening.items):
                return screening.items[screening.position], screening.id
            self._end_screening()
        if self._adhoc_on and self._index is not None and self._index < len(self._queue):
            return self._queue[self._index], None
        if self._adhoc_on:
            self._adhoc_on = False
            self._index = None
        return None, None

    def _run(self) -> None:
        """Start the item due next, going past items that fail at once."""
        while True:
            item, screening_id = self._cursor()
            if item is None:
                self._clear_heartbeat()
                return
            if self._start(item, screening_id):
                return
            self._step()

    def _start(self, item: Item, screening_id: str | None) -> bool:
        """Load `item` in the backend; on failure record an error and return False."""
        reason = self._unplayable(item)
        if reason is None:
            self._generation += 1
            generation = self._generation
            try:
                self._backend.play(item.files[0], self._sink(generation))
            except Exception as exc:  # a libvlc fault on one file must not stop the playlist
                reason = str(exc) or BROKEN
        if reason is not None:
            now = self._clock()
            self._emit(PlayRecord(item, screening_id, now, now, 0.0, "error", reason))
            return False
        self._current = _Current(item, screening_id, self._clock(), generation, time.monotonic())
        self._beat()
        return True

    def _sink(self, generation: int) -> Callable[[str], None]:
        """Queue the backend's events for the worker, tagged with the file they belong to."""
        return lambda kind, detail=None: self._inbox.put(("event", generation, kind, detail))

    def _open_part(self, part: int, at: float = 0.0) -> None:
        """Go on to another file of the item playing (`at` seconds into it), as the same item."""
        current = self._current
        length = self._backend.length_s()
        if length > 0:
            current.part_lengths[current.part] = length
        current.halt()
        self._backend.stop()
        self._generation += 1
        current.generation, current.part, current.seek_to = self._generation, part, at
        current.started, current.opened = False, time.monotonic()
        try:
            self._backend.play(current.item.files[part], self._sink(self._generation))
        except Exception as exc:  # as for a first file: an error of the item, the playlist goes on
            self._end_item("error", str(exc) or BROKEN)

    def _unplayable(self, item: Item) -> str | None:
        """Return why `item` cannot even be handed to the backend, or None."""
        if not self._backend.available:
            return self._backend.unavailable_reason or NOT_INSTALLED
        if not item.files:
            return item.problem or "this item has no file"
        for path in item.files:
            if not os.path.exists(path):
                return f"file not found: {path}"
            if not os.path.isfile(path):
                return f"not a regular file: {path}"
        return None

    def _finish(self, outcome: str, error: str | None = None) -> None:
        """Stop the item playing and hand over its record."""
        if outcome in ("skipped", "stopped"):
            self._snapshot_last_picture()
        current, self._current = self._current, None
        played = current.played_s()
        self._backend.stop()
        self._emit(PlayRecord(current.item, current.screening_id, current.started_at, self._clock(),
                              round(played, 3), outcome, error))

    def _emit(self, record: PlayRecord) -> None:
        if self._screening is not None and record.screening_id == self._screening.id:
            self._screening.records.append(record)
        try:
            self._on_record(record)
        except Exception:  # the caller's fault must not stop the player
            log.exception("on_record failed for %s", record.item.key)

    def _end_screening(self) -> None:
        screening, self._screening = self._screening, None
        if screening.resume_adhoc:
            self._adhoc_on = True
        snapshots = screening.snapshots
        if snapshots is not None and snapshots.end_position is not None:
            self._publish(screening.id, snapshots, "end")
        if self._on_screening_end is not None:
            try:
                self._on_screening_end(screening.id, list(screening.records))
            except Exception:
                log.exception("on_screening_end failed for %s", screening.id)

    # -- proof-of-play snapshots (worker thread, between events: never in a libvlc callback) ----

    def _snapshotting(self) -> _Snapshots | None:
        """The pictures to take of the screening whose item plays now, if any."""
        screening, current = self._screening, self._current
        if screening is None or current is None or not current.started:
            return None
        return screening.snapshots if current.screening_id == screening.id else None

    def _snapshot_if_due(self) -> None:
        """Take the screening's pictures whose moment has come in the item playing."""
        snapshots = self._snapshotting()
        at = self._position_s() if snapshots is not None else None
        if at is None:
            return
        length = self._length_s() or 0.0
        first, last = _snapshot_window(length)
        if at < first:
            return
        screening_id, position = self._screening.id, self._screening.position
        if "start" in snapshots.pending:
            self._snapshot(screening_id, snapshots, "start")
        middle, offset = snapshots.middle_at
        if "middle" in snapshots.pending and position >= middle:
            # Past the middle item (it failed or was skipped): the middle of the one playing.
            target = offset if position == middle and offset is not None else length / 2
            if at >= min(max(target, first), last):
                self._snapshot(screening_id, snapshots, "middle")
        taken = snapshots.end_taken_at if snapshots.end_position == position else None
        if math.isinf(last):  # length unknown: renew the end picture now and then
            due = at - (taken or 0.0) >= SNAPSHOT_REFRESH_S
        else:
            due = at >= last and (taken is None or taken < last)
        if due:
            self._snapshot_end(snapshots, position, at)

    def _snapshot_last_picture(self) -> None:
        """Before a screening's item is skipped or stopped, keep what is on screen as its end."""
        snapshots = self._snapshotting()
        at = self._position_s() if snapshots is not None else None
        if at is None:
            return
        length = self._length_s() or 0.0
        if at >= _snapshot_window(length)[0]:
            self._snapshot_end(snapshots, self._screening.position, at)

    def _snapshot_end(self, snapshots: _Snapshots, position: int, at: float) -> None:
        """Keep a picture aside; the last one kept becomes the end picture when the screening ends."""
        if self._save(snapshots, "end", snapshots.path("end") + ".next"):
            snapshots.end_position, snapshots.end_taken_at = position, at

    def _snapshot(self, screening_id: str, snapshots: _Snapshots, label: str) -> None:
        """Take the `label` picture now (once: a failure is not retried) and report it."""
        snapshots.pending.discard(label)
        if self._save(snapshots, label, snapshots.path(label) + ".next"):
            self._publish(screening_id, snapshots, label)

    def _save(self, snapshots: _Snapshots, label: str, path: str) -> bool:
        try:
            os.makedirs(snapshots.folder, exist_ok=True)
            if self._backend.snapshot(path):
                return True
            log.warning("no %s snapshot of screening %s: the video output took none", label, snapshots.stem)
        except Exception:  # a snapshot must never break playback
            log.exception("no %s snapshot of screening %s", label, snapshots.stem)
        _remove(path)
        return False

    def _publish(self, screening_id: str, snapshots: _Snapshots, label: str) -> None:
        """Move a picture taken aside to its final name and report it."""
        path = snapshots.path(label)
        try:
            os.replace(path + ".next", path)
        except OSError:
            log.exception("could not keep the %s snapshot %s", label, path)
            return
        if self._on_snapshot is not None:
            try:
                self._on_snapshot(screening_id, label, path)
            except Exception:
                log.exception("on_snapshot failed for %s", path)

    # -- heartbeat ---------------------------------------------------------------------------

    def _beat(self) -> None:
        """Write what plays now, so that recover_heartbeat() can log it after a kill -9."""
        self._next_beat = time.monotonic() + BEAT_EVERY_S
        if self._heartbeat_path is None or self._current is None:
            return
        current = self._current
        beat = {"item": asdict(current.item), "screening_id": current.screening_id,
                "started_at": current.started_at.isoformat(), "played_s": round(current.played_s(), 3),
                "beat_at": self._clock().isoformat()}
        tmp = f"{self._heartbeat_path}.tmp"
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(beat, f, ensure_ascii=False)
            os.replace(tmp, self._heartbeat_path)
        except OSError:
            log.exception("could not write the heartbeat %s", self._heartbeat_path)

    def _clear_heartbeat(self) -> None:
        if self._heartbeat_path is not None:
            _remove(self._heartbeat_path)


def recover_heartbeat(heartbeat_path: str) -> PlayRecord | None:
    """Return the item a killed player was playing as a 'stopped' record, and remove the beat.

    Call it before creating the Player. The record keeps the item's started_at, so a record
    already saved for the same item and start can be recognised as the same play.
    """
    try:
        with open(heartbeat_path, encoding="utf-8") as f:
            beat = json.load(f)
        record = PlayRecord(
            item=Item(**{**beat["item"], "parts": tuple(beat["item"].get("parts", ()))}),
            screening_id=beat["screening_id"],
            started_at=datetime.fromisoformat(beat["started_at"]),
            ended_at=datetime.fromisoformat(beat["beat_at"]),
            played_s=float(beat["played_s"]),
            outcome="stopped",
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        log.warning("ignoring an unreadable heartbeat %s", heartbeat_path)
        record = None
    _remove(heartbeat_path)
    return record


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass

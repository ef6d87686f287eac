"""The player's state machine: the ad-hoc queue, a screening taking over, moving through the
playlist, parts of a DVD title, proof-of-play snapshots and the heartbeat. Every method runs on
the Player's worker thread (schedules/player.py), which owns the backend."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime

from schedules.adhoc import AdhocQueue
from schedules.heartbeat import Heartbeat
from schedules.items import Item, PlayRecord, unopenable
from schedules.loaded import Loaded, ScreeningRun
from schedules.snapshots import Snapshots, middle_at
from schedules.vlc_backend import NOT_INSTALLED, Backend
from schedules.worker import Worker

log = logging.getLogger(__name__)

BROKEN = "the video could not be played (damaged or unsupported file)"
OPEN_TIMEOUT_S = 15.0
BEAT_EVERY_S = 1.0


def utcnow() -> datetime:
    return datetime.now(UTC)


class PlayerMachine:
    """The state machine (idle, playing, paused) over one backend; its methods run on the
    worker thread only (see Player)."""

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
        self._on_record = on_record
        self._on_screening_end = on_screening_end
        self._on_snapshot = on_snapshot
        self._clock = clock
        self._heartbeat = Heartbeat(heartbeat_path) if heartbeat_path else None
        self._adhoc = AdhocQueue()
        self._screening: ScreeningRun | None = None
        self._current: Loaded | None = None
        self._generation = 0
        self._volume = 100
        self._next_beat = 0.0
        self._worker: Worker | None = None  # set by the Player that drives this machine

    def enqueue(self, items: list[Item]) -> None:
        self._adhoc.items.extend(items)

    # -- the worker ------------------------------------------------------------------------

    def on_backend_event(self, generation: int, kind: str, detail: str | None) -> None:
        if self._current is not None and generation == self._current.generation:
            self._on_event(kind, detail)

    def tick(self) -> None:
        if self._current is not None:
            self._watch()
        if self._current is not None and not self._worker.closed:
            self._snapshot_if_due()

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
            elif current.ended_early(self._length_s() or 0.0):
                self._end_item("error", BROKEN)
            else:
                current.ran_to_end(self._length_s() or 0.0)
                self._end_item("completed")

    # -- commands (worker thread) ------------------------------------------------------------

    def play(self) -> None:
        if self._current is not None:
            if self._current.paused:
                self.pause()
            return
        if self._screening is not None or not self._adhoc.items:
            return
        if self._adhoc.index is None or self._adhoc.index >= len(self._adhoc.items):
            self._adhoc.index = 0
        self._adhoc.on = True
        self._run()

    def pause(self) -> None:
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

    def next(self) -> None:
        if self._current is not None:
            self._end_item("skipped")

    def stop(self) -> None:
        if self._current is not None:
            self._finish("stopped")
        if self._screening is not None:
            self._screening.resume_adhoc = False
            self._end_screening()
        self._adhoc.on = False
        self._clear_heartbeat()

    def volume(self, volume: int) -> None:
        self._volume = volume
        self._backend.set_volume(volume)

    def seek(self, seconds: float) -> None:
        current = self._current
        if current is None:
            return
        current.seeked = True
        part, offset = current.locate(seconds, self._backend.length_s())
        if part != current.part:
            self._open_part(part, offset)
        elif current.started:
            self._backend.seek(offset)
        else:  # still opening: libvlc would not seek yet
            current.seek_to = offset

    def remove(self, index: int) -> None:
        self._adhoc.check(index)
        playing_it = self._adhoc_playing() and index == self._adhoc.index
        if playing_it:
            self._finish("skipped")
        self._adhoc.remove(index, playing_it)
        if playing_it:
            self._run()

    def move(self, src: int, dst: int) -> None:
        self._adhoc.check(src)
        self._adhoc.check(dst)
        self._adhoc.move(src, dst)

    def clear(self) -> None:
        if self._adhoc_playing():
            self._finish("stopped")
            self._clear_heartbeat()
        self._adhoc.clear()
        if self._screening is not None:
            self._screening.resume_adhoc = False

    def screening(self, screening_id: str, items: list[Item], snapshot_dir: str | None = None) -> None:
        resume = self._adhoc.on
        if self._screening is not None:
            resume, self._screening.resume_adhoc = self._screening.resume_adhoc, False
            if self._current is not None:
                self._finish("stopped")
            self._end_screening()
        elif self._current is not None:
            self._finish("stopped")
            self._adhoc.index += 1  # resume with the item after the interrupted one
        self._adhoc.on = False
        self._screening = ScreeningRun(screening_id, items, resume_adhoc=resume)
        if snapshot_dir and self._backend.can_snapshot:
            stem = re.sub(r"[^\w.-]", "_", screening_id).lstrip(".") or "_"
            self._screening.snapshots = Snapshots(snapshot_dir, stem, middle_at(items),
                                                  self._backend, self._on_snapshot)
        self._run()

    def status(self) -> dict:
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
            "queue": [{"key": i.key, "name": i.name, "duration_s": i.duration_s} for i in self._adhoc.items],
            "index": self._adhoc.index,
            "screening_id": self._screening.id if self._screening else None,
            "available": self._backend.available,
            "reason": self._backend.unavailable_reason,
        }

    def close(self) -> None:
        if self._current is not None:
            self._finish("stopped")
        if self._screening is not None:
            self._screening.resume_adhoc = False
            self._end_screening()
        self._clear_heartbeat()
        self._backend.close()
        self._worker.close()

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
        elif self._adhoc.index is not None:
            self._adhoc.index += 1

    def _cursor(self) -> tuple[Item | None, str | None]:
        """Return the item due next (and its screening), ending a finished screening."""
        screening = self._screening
        if screening is not None:
            if screening.position < len(screening.items):
                return screening.items[screening.position], screening.id
            self._end_screening()
        item = self._adhoc.due()
        return (item, None) if item is not None else (None, None)

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
        self._current = Loaded(item, screening_id, self._clock(), generation, time.monotonic())
        self._beat()
        return True

    def _sink(self, generation: int) -> Callable[[str], None]:
        """Queue the backend's events for the worker, tagged with the file they belong to."""
        return lambda kind, detail=None: self._worker.post(generation, kind, detail)

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
        return unopenable(item)

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
            self._adhoc.on = True
        if screening.snapshots is not None:
            screening.snapshots.publish_end(screening.id)
        if self._on_screening_end is not None:
            try:
                self._on_screening_end(screening.id, list(screening.records))
            except Exception:
                log.exception("on_screening_end failed for %s", screening.id)

    # -- proof-of-play snapshots (worker thread, between events: never in a libvlc callback) ----

    def _snapshotting(self) -> Snapshots | None:
        """The pictures to take of the screening whose item plays now, if any."""
        screening, current = self._screening, self._current
        if screening is None or current is None or not current.started:
            return None
        return screening.snapshots if current.screening_id == screening.id else None

    def _snapshot_if_due(self) -> None:
        """Take the screening's pictures whose moment has come in the item playing."""
        snapshots = self._snapshotting()
        at = self._position_s() if snapshots is not None else None
        if at is not None:
            snapshots.take_due(self._screening.id, self._screening.position, at,
                               self._length_s() or 0.0)

    def _snapshot_last_picture(self) -> None:
        """Before a screening's item is skipped or stopped, keep what is on screen as its end."""
        snapshots = self._snapshotting()
        at = self._position_s() if snapshots is not None else None
        if at is not None:
            snapshots.keep_last(self._screening.position, at, self._length_s() or 0.0)

    # -- heartbeat ---------------------------------------------------------------------------

    def _beat(self) -> None:
        """Write what plays now, so that recover_heartbeat() can log it after a kill -9."""
        self._next_beat = time.monotonic() + BEAT_EVERY_S
        if self._heartbeat is not None and self._current is not None:
            current = self._current
            self._heartbeat.write(current.item, current.screening_id, current.started_at,
                                  current.played_s(), self._clock())

    def _clear_heartbeat(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.clear()

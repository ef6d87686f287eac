"""The screening runner: APScheduler jobs kept equal to the screenings the app says are due.

The app's table is the only truth. The app passes its planned screenings to `Runner.reconcile` at
start and after every change; the runner schedules the future ones, starts the ones that passed
within the grace, and hands back the ones to mark missed. Nothing here is started at import, and
one process per instance folder schedules (`InstanceLock`).
"""

from __future__ import annotations

import fcntl
import math
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

JOB_PREFIX = "screening:"
# A start less than this after its time is on time: the reconcile that races a job, or a
# scheduler thread woken a little late, should not mark a screening late.
ON_TIME = timedelta(seconds=60)


@dataclass(frozen=True)
class Due:
    """A planned screening and its aware start time."""

    id: str
    starts_at: datetime


@dataclass(frozen=True)
class Decision:
    """What to do now with a screening whose start has passed: start, start_late or missed."""

    id: str
    action: str


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _require_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got {moment!r}")


def triage(
    due: Iterable[Due], now: datetime, grace: timedelta, on_time: timedelta = ON_TIME
) -> tuple[list[Due], list[Decision]]:
    """Split screenings into future ones to schedule (by start) and decisions for the past ones.

    Past by at most `on_time` (capped by the grace): start; past within the grace: start_late;
    past the grace: missed.
    """
    _require_aware(now, "now")
    future: list[Due] = []
    decisions: list[Decision] = []
    seen: set[str] = set()
    for item in due:
        _require_aware(item.starts_at, f"start of screening {item.id}")
        if item.id in seen:
            raise ValueError(f"screening {item.id} is listed twice")
        seen.add(item.id)
        late_by = now - item.starts_at
        if late_by < timedelta(0):
            future.append(item)
        elif late_by <= min(on_time, grace):
            decisions.append(Decision(item.id, "start"))
        elif late_by <= grace:
            decisions.append(Decision(item.id, "start_late"))
        else:
            decisions.append(Decision(item.id, "missed"))
    future.sort(key=lambda item: item.starts_at)
    return future, decisions


class InstanceLock:
    """An exclusive lock on <instance>/scheduler.lock, so one process per instance schedules.

    The lock is an flock on an open descriptor: the kernel drops it when the process ends, even on
    kill -9, so a stale file never blocks the next start. The file holds the owner's pid for humans.
    """

    FILENAME = "scheduler.lock"

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.path = os.path.join(os.fspath(folder), self.FILENAME)
        self._fd: int | None = None
        self._guard = threading.Lock()

    @property
    def held(self) -> bool:
        """Tell whether this object holds the lock."""
        return self._fd is not None

    def acquire(self) -> bool:
        """Take the lock without waiting; return whether it is now held by this object."""
        with self._guard:
            if self._fd is not None:
                return True
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return False
            except BaseException:
                os.close(fd)
                raise
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            self._fd = fd
            return True

    def release(self) -> None:
        """Give the lock up (nothing happens when it is not held)."""
        with self._guard:
            if self._fd is None:
                return
            fd, self._fd = self._fd, None
            try:
                os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

    def owner(self) -> int | None:
        """Return the pid written by the holder, if any (for messages; the lock is the truth)."""
        try:
            with open(self.path, encoding="ascii") as file:
                text = file.read().strip()
        except (OSError, UnicodeDecodeError):
            return None
        return int(text) if text.isdigit() else None

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


class _Scheduler(BackgroundScheduler):
    """A BackgroundScheduler whose thread survives shutdown() landing in the middle of a round."""

    def _process_jobs(self):
        try:
            return super()._process_jobs()
        except JobLookupError:
            # shutdown() marks the scheduler stopped without waiting for a round in progress,
            # whose remove_job() of a finished date job then looks only among pending jobs and
            # raises, killing the thread with a traceback (apscheduler issue 104).
            if self.state == STATE_STOPPED:
                return None
            raise


class Runner:
    """Run `start(screening_id, late)` on a worker thread when each screening is due.

    `start` should return promptly (hand the playlist to the player) and never call shutdown().
    A runner is started once and not restarted after shutdown().
    """

    def __init__(
        self,
        *,
        timezone: str,
        grace: timedelta,
        start: Callable[[str, bool], None],
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._timezone = timezone
        self._grace = grace
        self._start = start
        self._clock = clock
        self._lock = threading.RLock()
        # Keyed by (id, starts_at). A reconcile made before the app marked a started screening
        # running, or racing its job, must neither decide on it again nor start it twice.
        self._handled: set[tuple[str, datetime]] = set()  # fired, or handed to the executor
        self._fired: set[tuple[str, datetime]] = set()  # `start` called
        self._stopping = False
        self._scheduler = _Scheduler(
            timezone=timezone,
            job_defaults={
                # APScheduler takes a positive whole number of seconds here.
                "misfire_grace_time": max(1, math.ceil(grace.total_seconds())),
                "coalesce": True,
                "max_instances": 1,
            },
        )

    def start(self) -> None:
        """Start the scheduler thread (again a no-op once running)."""
        with self._lock:
            if self._stopping:
                raise RuntimeError("this runner was shut down; make a new one")
            if not self._scheduler.running:
                self._scheduler.start()

    def every(self, job_id: str, seconds: float, fn: Callable[[], object]) -> None:
        """Run `fn` every `seconds` beside the screenings (one run at a time; a run missed while
        the previous one was still going is skipped)."""
        self._scheduler.add_job(fn, IntervalTrigger(seconds=seconds), id=job_id,
                                replace_existing=True, misfire_grace_time=max(1, int(seconds)))

    def shutdown(self, wait: bool = True) -> None:
        """Stop the scheduler; with `wait`, let running start callbacks finish first."""
        with self._lock:
            if self._stopping:
                return
            self._stopping = True
        # Not under our lock: a start callback still running may call reconcile(), which
        # returns at once once stopping, rather than wait for a lock held while we wait for it.
        if self._scheduler.running:
            self._scheduler.shutdown(wait=wait)

    def reconcile(self, due: Iterable[Due]) -> list[Decision]:
        """Make the jobs exactly the given screenings; start the just-passed ones, return decisions.

        The caller marks `missed` ones missed. `start` and `start_late` ones are already handed
        to the executor; screenings this runner has started before are left out of the decisions.
        """
        due = list(due)
        with self._lock:
            if self._stopping:
                return []
            future, decisions = triage(due, self._clock(), self._grace)
            starts = {item.id: item.starts_at for item in due}
            self._handled = {key for key in self._handled if starts.get(key[0]) == key[1]}
            self._fired = {key for key in self._fired if starts.get(key[0]) == key[1]}
            keep = set()
            for item in future:
                self._add(item.id, item.starts_at, late=False, run_date=item.starts_at)
                keep.add(item.id)
            taken = []
            for decision in decisions:
                key = (decision.id, starts[decision.id])
                if key in self._handled:
                    keep.add(decision.id)
                    continue
                taken.append(decision)
                if decision.action != "missed":
                    self._add(*key, late=decision.action == "start_late", run_date=None)
                    self._handled.add(key)
                    keep.add(decision.id)
            for job in self._scheduler.get_jobs():
                if job.id.startswith(JOB_PREFIX) and job.id[len(JOB_PREFIX):] not in keep:
                    try:
                        self._scheduler.remove_job(job.id)
                    except JobLookupError:  # it fired meanwhile
                        pass
            return taken

    def jobs(self) -> dict[str, datetime]:
        """Return screening id -> next run time (UTC) of the scheduled jobs."""
        with self._lock:
            found: dict[str, datetime] = {}
            if self._stopping:
                return found
            for job in self._scheduler.get_jobs():
                if job.id.startswith(JOB_PREFIX):
                    # Jobs added before start() have no next_run_time yet.
                    when = getattr(job, "next_run_time", None) or job.trigger.run_date
                    found[job.id[len(JOB_PREFIX):]] = when.astimezone(UTC)
            return found

    def _add(self, screening_id: str, starts_at: datetime, *, late: bool, run_date: datetime | None) -> None:
        # run_date None means "now" by the scheduler's own clock, whatever clock triage used.
        self._scheduler.add_job(
            self._fire,
            trigger=DateTrigger(run_date=run_date, timezone=self._timezone),
            args=[screening_id, starts_at, late],
            id=JOB_PREFIX + screening_id,
            name=f"screening {screening_id}",
            replace_existing=True,
        )

    def _fire(self, screening_id: str, starts_at: datetime, late: bool) -> None:
        key = (screening_id, starts_at)
        with self._lock:
            if key in self._fired:
                return
            self._fired.add(key)
            self._handled.add(key)
        late = late or self._clock() - starts_at > min(ON_TIME, self._grace)
        self._start(screening_id, late)

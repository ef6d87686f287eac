from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from schedules.runner import Decision, Due, InstanceLock, Runner, triage

ROOT = Path(__file__).resolve().parents[2]
GRACE = timedelta(minutes=15)
FIRES_WITHIN = 5.0  # seconds: generous, the scheduler usually fires within milliseconds
SETTLE = 0.3  # seconds to let a wrongly repeated start show up


class Recorder:
    """A start callback that remembers its calls and the thread they came on."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []
        self.threads: list[threading.Thread] = []
        self._changed = threading.Condition()

    def __call__(self, screening_id: str, late: bool) -> None:
        with self._changed:
            self.calls.append((screening_id, late))
            self.threads.append(threading.current_thread())
            self._changed.notify_all()

    def wait_for(self, count: int, timeout: float = FIRES_WITHIN) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: len(self.calls) >= count, timeout)

    def settled(self) -> list[tuple[str, bool]]:
        threading.Event().wait(SETTLE)
        with self._changed:
            return list(self.calls)


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def runner(recorder: Recorder) -> Iterator[Runner]:
    runner = Runner(timezone="Asia/Shanghai", grace=GRACE, start=recorder)
    runner.start()
    yield runner
    runner.shutdown()


# triage: pure, with an injected clock

NOW = datetime(2025, 3, 6, 11, 30, tzinfo=UTC)


def test_triage_sorts_future_and_decides_on_the_past() -> None:
    due = [
        Due("later", NOW + timedelta(hours=2)),
        Due("soon", NOW + timedelta(microseconds=1)),
        Due("now", NOW),
        Due("minute", NOW - timedelta(seconds=60)),
        Due("late", NOW - timedelta(seconds=61)),
        Due("edge", NOW - GRACE),
        Due("gone", NOW - GRACE - timedelta(microseconds=1)),
    ]
    future, decisions = triage(due, NOW, GRACE)
    assert [item.id for item in future] == ["soon", "later"]
    assert decisions == [
        Decision("now", "start"),
        Decision("minute", "start"),
        Decision("late", "start_late"),
        Decision("edge", "start_late"),
        Decision("gone", "missed"),
    ]


def test_triage_on_time_window_never_exceeds_the_grace() -> None:
    _, decisions = triage([Due("a", NOW - timedelta(seconds=20))], NOW, timedelta(seconds=10))
    assert decisions == [Decision("a", "missed")]
    _, decisions = triage([Due("a", NOW - timedelta(seconds=5))], NOW, timedelta(seconds=10))
    assert decisions == [Decision("a", "start")]


def test_triage_refuses_naive_times_and_duplicates() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        triage([], datetime(2025, 3, 6), GRACE)
    with pytest.raises(ValueError, match="timezone-aware"):
        triage([Due("a", datetime(2025, 3, 6))], NOW, GRACE)
    with pytest.raises(ValueError, match="twice"):
        triage([Due("a", NOW), Due("a", NOW + timedelta(hours=1))], NOW, GRACE)


# Runner: real APScheduler, real time


def test_due_soon_fires_once_on_time_on_a_worker_thread(runner: Runner, recorder: Recorder) -> None:
    at = now() + timedelta(seconds=1)
    assert runner.reconcile([Due("a", at)]) == []
    assert runner.jobs() == {"a": at}
    assert recorder.wait_for(1)
    assert recorder.settled() == [("a", False)]
    assert recorder.threads[0] is not threading.current_thread()
    assert runner.jobs() == {}


def test_passed_within_grace_starts_late_right_away(runner: Runner, recorder: Recorder) -> None:
    assert runner.reconcile([Due("b", now() - timedelta(minutes=5))]) == [Decision("b", "start_late")]
    assert recorder.wait_for(1)
    assert recorder.settled() == [("b", True)]
    assert recorder.threads[0] is not threading.current_thread()


def test_start_callback_runs_on_the_executor_not_inside_reconcile(recorder: Recorder) -> None:
    gate = threading.Event()

    def slow_start(screening_id: str, late: bool) -> None:
        gate.wait(FIRES_WITHIN)
        recorder(screening_id, late)

    runner = Runner(timezone="Asia/Shanghai", grace=GRACE, start=slow_start)
    runner.start()
    try:
        decisions = runner.reconcile([Due("b", now() - timedelta(minutes=5))])
        assert decisions == [Decision("b", "start_late")]
        assert recorder.calls == []  # reconcile returned while the start was still waiting
        gate.set()
        assert recorder.wait_for(1)
    finally:
        gate.set()
        runner.shutdown()


def test_just_passed_starts_on_time(runner: Runner, recorder: Recorder) -> None:
    assert runner.reconcile([Due("c", now() - timedelta(seconds=10))]) == [Decision("c", "start")]
    assert recorder.wait_for(1)
    assert recorder.calls == [("c", False)]


def test_passed_the_grace_is_returned_as_missed_and_never_started(runner: Runner, recorder: Recorder) -> None:
    soon = now() + timedelta(seconds=1)
    decisions = runner.reconcile([Due("gone", now() - timedelta(hours=1)), Due("soon", soon)])
    assert decisions == [Decision("gone", "missed")]
    assert runner.jobs() == {"soon": soon}
    assert recorder.wait_for(1)
    assert recorder.settled() == [("soon", False)]


def test_moved_earlier_replaces_the_job_and_fires_once(runner: Runner, recorder: Recorder) -> None:
    runner.reconcile([Due("m", now() + timedelta(hours=1))])
    soon = now() + timedelta(seconds=1)
    assert runner.reconcile([Due("m", soon)]) == []
    assert runner.jobs() == {"m": soon}
    assert recorder.wait_for(1)
    assert recorder.settled() == [("m", False)]


def test_moved_later_does_not_fire_at_the_old_time(runner: Runner, recorder: Recorder) -> None:
    runner.reconcile([Due("m", now() + timedelta(seconds=0.5))])
    later = now() + timedelta(hours=1)
    runner.reconcile([Due("m", later)])
    assert not recorder.wait_for(1, timeout=1.2)
    assert runner.jobs() == {"m": later}


def test_reconcile_without_an_id_removes_its_job(runner: Runner, recorder: Recorder) -> None:
    x, y = now() + timedelta(hours=1), now() + timedelta(hours=2)
    runner.reconcile([Due("x", x), Due("y", y)])
    assert runner.jobs() == {"x": x, "y": y}
    assert runner.reconcile([Due("y", y)]) == []
    assert runner.jobs() == {"y": y}
    runner.reconcile([])
    assert runner.jobs() == {}


def test_a_started_screening_is_not_decided_or_started_again(runner: Runner, recorder: Recorder) -> None:
    at = now() + timedelta(seconds=0.5)
    runner.reconcile([Due("a", at)])
    assert recorder.wait_for(1)
    # The app has not marked it running yet: its row still looks planned and just passed.
    assert runner.reconcile([Due("a", at)]) == []
    late = Due("b", now() - timedelta(minutes=5))
    assert runner.reconcile([late]) == [Decision("b", "start_late")]
    assert runner.reconcile([late]) == []
    assert recorder.wait_for(2)
    assert recorder.settled() == [("a", False), ("b", True)]


def test_reconcile_from_many_threads_starts_once(runner: Runner, recorder: Recorder) -> None:
    due = [Due("late", now() - timedelta(minutes=5)), Due("f", now() + timedelta(hours=1))]
    results: list[list[Decision]] = []
    barrier = threading.Barrier(8)

    def work() -> None:
        barrier.wait()
        results.append(runner.reconcile(due))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(map(len, results)) == [0] * 7 + [1]
    assert recorder.wait_for(1)
    assert recorder.settled() == [("late", True)]
    assert set(runner.jobs()) == {"f"}


def test_runner_uses_the_injected_clock(recorder: Recorder) -> None:
    fake = datetime(2030, 1, 1, tzinfo=UTC)
    runner = Runner(timezone="Asia/Shanghai", grace=GRACE, start=recorder, clock=lambda: fake)
    runner.start()
    try:
        due = [Due("old", fake - timedelta(minutes=5)), Due("gone", fake - timedelta(hours=1))]
        decisions = runner.reconcile(due)
        assert decisions == [Decision("old", "start_late"), Decision("gone", "missed")]
        assert recorder.wait_for(1)
        assert recorder.calls == [("old", True)]
    finally:
        runner.shutdown()


def test_jobs_can_be_set_before_start(recorder: Recorder) -> None:
    runner = Runner(timezone="Asia/Shanghai", grace=GRACE, start=recorder)
    at = now() + timedelta(hours=1)
    runner.reconcile([Due("p", at + timedelta(minutes=1))])
    runner.reconcile([Due("p", at)])
    assert runner.jobs() == {"p": at}
    runner.start()
    try:
        assert runner.jobs() == {"p": at}
    finally:
        runner.shutdown()


def test_after_shutdown_reconcile_does_nothing_and_start_refuses(recorder: Recorder) -> None:
    runner = Runner(timezone="Asia/Shanghai", grace=GRACE, start=recorder)
    runner.start()
    runner.shutdown()
    runner.shutdown()  # twice is harmless
    assert runner.reconcile([Due("b", now() - timedelta(minutes=5))]) == []
    assert runner.jobs() == {}
    with pytest.raises(RuntimeError, match="shut down"):
        runner.start()


def test_a_start_callback_may_reconcile_while_the_runner_shuts_down(recorder: Recorder) -> None:
    entered, release = threading.Event(), threading.Event()
    holder: list[Runner] = []

    def start(screening_id: str, late: bool) -> None:
        entered.set()
        release.wait(FIRES_WITHIN)
        recorder(screening_id, late)
        holder[0].reconcile([])  # the app marks the row running, then reconciles

    runner = Runner(timezone="Asia/Shanghai", grace=GRACE, start=start)
    holder.append(runner)
    runner.start()
    runner.reconcile([Due("b", now() - timedelta(minutes=5))])
    assert entered.wait(FIRES_WITHIN)
    stopper = threading.Thread(target=runner.shutdown)
    stopper.start()
    while not runner._stopping:  # let shutdown begin before the callback goes on
        threading.Event().wait(0.01)
    release.set()
    stopper.join(FIRES_WITHIN)
    assert not stopper.is_alive()
    assert recorder.calls == [("b", True)]


# InstanceLock

CHILD = (
    "import sys\n"
    "from schedules.runner import InstanceLock\n"
    "sys.exit(0 if InstanceLock(sys.argv[1]).acquire() else 3)\n"
)
HOLDER = (
    "import sys, time\n"
    "from schedules.runner import InstanceLock\n"
    "assert InstanceLock(sys.argv[1]).acquire()\n"
    "print('held', flush=True)\n"
    "time.sleep(60)\n"
)


def child_acquires(folder: Path) -> bool:
    done = subprocess.run([sys.executable, "-c", CHILD, str(folder)], cwd=ROOT, timeout=30)
    assert done.returncode in (0, 3)
    return done.returncode == 0


def test_second_lock_on_the_same_folder_fails_while_the_first_is_held(tmp_path: Path) -> None:
    first, second = InstanceLock(tmp_path), InstanceLock(tmp_path)
    assert first.acquire() and first.held
    assert first.acquire()  # again: still ours
    assert not second.acquire() and not second.held
    assert first.owner() == os.getpid()
    first.release()
    assert not first.held
    assert second.acquire()
    second.release()
    second.release()  # twice is harmless


def test_lock_as_context_manager(tmp_path: Path) -> None:
    with InstanceLock(tmp_path) as lock:
        assert lock.held
        assert (tmp_path / "scheduler.lock").read_text() == f"{os.getpid()}\n"
        with InstanceLock(tmp_path) as other:
            assert not other.held
    assert not lock.held
    assert InstanceLock(tmp_path).owner() is None


def test_lock_holds_across_processes(tmp_path: Path) -> None:
    lock = InstanceLock(tmp_path / "instance")  # the folder is made if missing
    assert lock.acquire()
    try:
        assert not child_acquires(tmp_path / "instance")
    finally:
        lock.release()
    assert child_acquires(tmp_path / "instance")


def test_lock_dies_with_its_process(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        lock = InstanceLock(tmp_path)
        assert not lock.acquire()
        assert lock.owner() == holder.pid
    finally:
        holder.kill()
        holder.wait(timeout=30)
        holder.stdout.close()
    assert lock.acquire()
    lock.release()

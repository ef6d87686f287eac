"""One thread that runs calls and events in order: the owner of a resource that is not reentrant.

libvlc must be driven from one thread, and its callbacks must not call it: the Player hands every
command and every backend event to a Worker, which runs them one at a time. Any thread may
`call()` (it waits for the answer); `post()` queues an event without waiting; `on_tick` runs after
each message, and at least every `tick_s`, for timed work (heartbeats, snapshots, timeouts).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future

log = logging.getLogger(__name__)


class WorkerError(Exception):
    """The worker is closed, or did not answer in time (a user-facing message)."""


class Worker:
    def __init__(self, name: str, *, on_event: Callable[..., None], on_tick: Callable[[], None],
                 tick_s: float = 0.2, timeout_s: float = 10.0,
                 error: type[Exception] = WorkerError, what: str = "the worker") -> None:
        self._on_event, self._on_tick = on_event, on_tick
        self._tick_s, self._timeout_s = tick_s, timeout_s
        self._error, self._what = error, what
        self._inbox: queue.Queue = queue.Queue()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    @property
    def closed(self) -> bool:
        return self._closed

    def call(self, fn: Callable, *args):
        """Run `fn` on the worker thread and return its result (or raise its exception)."""
        if threading.current_thread() is self._thread:
            return fn(*args)
        if self._closed:
            raise self._error(f"{self._what} is closed")
        future: Future = Future()
        self._inbox.put(("call", fn, args, future))
        try:
            return future.result(self._timeout_s)
        except TimeoutError:
            raise self._error(f"{self._what} did not answer within {self._timeout_s:g} s") from None

    def post(self, *event) -> None:
        """Queue an event for `on_event(*event)`; safe from any thread, even a libvlc callback."""
        self._inbox.put(("event", event))

    def close(self) -> None:
        """End the loop after the message running now (call it on the worker thread)."""
        self._closed = True

    def join(self) -> None:
        self._thread.join(self._timeout_s)

    def _run(self) -> None:
        while not self._closed:
            try:
                message = self._inbox.get(timeout=self._tick_s)
            except queue.Empty:
                message = None
            try:
                if message is not None:
                    self._handle(message)
                if not self._closed:
                    self._on_tick()
            except Exception:  # one bad event must not leave the site without a player
                log.exception("%s failed on %r", self._what, message)
        self._refuse_waiting()

    def _handle(self, message: tuple) -> None:
        if message[0] == "event":
            self._on_event(*message[1])
            return
        _, fn, args, future = message
        try:
            future.set_result(fn(*args))
        except Exception as exc:  # handed to the caller's thread
            future.set_exception(exc)

    def _refuse_waiting(self) -> None:
        """Answer the calls that arrived while closing."""
        while True:
            try:
                message = self._inbox.get_nowait()
            except queue.Empty:
                return
            if message[0] == "call":
                message[3].set_exception(self._error(f"{self._what} is closed"))

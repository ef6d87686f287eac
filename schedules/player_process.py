"""The player's engine in its own process: a crash or a hang in libvlc stops that process only.

`ProcessBackend` is the Backend the web server's Player uses. It starts a child process
(`python -m schedules.player_child VLC_ARGS`, schedules/player_child.py) that hosts a
VlcBackend, and talks to it over the child's stdin and stdout, one JSON document a line:

    parent -> child  {"id": 7, "cmd": "load", "path": "...", "load": 3}
                     cmd: load (open a file and start it), play, pause, seek {seconds},
                     volume {volume}, stop, snapshot {path}, status, quit
    child -> parent  {"id": 7, "ok": true, "result": ...}  or  {"id": 7, "ok": false, "error": "..."}
                     {"event": "ready", "available": ..., "reason": ..., "can_snapshot": ..., "libvlc": ...}
                     {"event": "playing" | "ended" | "error", "load": 3, "position_s": ..., "length_s": ...}
                     {"event": "position", "load": 3, "position_s": ..., "length_s": ...}
                     {"event": "log", "level": "warning" | "error", "module": "alsa", "message": "..."}

The child sends a `position` event every BEAT_S from its command loop, playing or not: it is
also its heartbeat. The parent supervises it: when the child dies (a signal, an exit) or sends
nothing for `answer_timeout_s` (it is then killed), the item it was playing ends as an `error`
event carrying the reason ("the player stopped unexpectedly (signal 11)", "the player stopped
answering"); the next `play` starts a fresh child. After CRASH_LIMIT crashes with no item
finished in between, the backend waits before starting another (30 s, doubling up to 10 min)
and says so as its `unavailable_reason`.

The child's own stdout is moved onto its stderr before libvlc loads, so nothing libvlc prints
(the ASCII-art output writes to stdout) can corrupt the protocol; its stderr goes to `log_path`.
libvlc's own log messages (warnings and errors) come as `log` events instead, and the parent
writes them to the logger "dianjiao.libvlc" at most `BURST` alike a minute (schedules/vlc_log.py).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

from schedules.vlc_backend import (
    NOT_INSTALLED,
    Backend,
    EventSink,
    NullBackend,
    PlayerError,
    libvlc_found,
    screen_problem,
)
from schedules.vlc_log import LibvlcLog

log = logging.getLogger(__name__)

BEAT_S = 0.25
START_TIMEOUT_S = 20.0
ANSWER_TIMEOUT_S = 10.0
CRASH_LIMIT = 3
BACKOFF_FIRST_S = 30.0
BACKOFF_MAX_S = 600.0
LOG_KEEP_BYTES = 5 * 1024 * 1024
STOPPED_ANSWERING = "the player stopped answering"


def crash_reason(returncode: int | None) -> str:
    """Say how the player process ended, in the words the play log keeps."""
    if returncode is not None and returncode < 0:
        return f"the player stopped unexpectedly (signal {-returncode})"
    return f"the player stopped unexpectedly (exit code {returncode})"


def backing_off_reason(crashes: int, seconds: float) -> str:
    return f"the player stopped {crashes} times in a row; it tries again in {max(1, round(seconds))} s"


class _Child:
    """One running player process and the threads reading it."""

    def __init__(self, popen: subprocess.Popen):
        self.popen = popen
        self.last_heard = time.monotonic()
        self.killed_reason: str | None = None
        self.gone = threading.Event()
        self.ready: Future = Future()

    @property
    def pid(self) -> int:
        return self.popen.pid


class ProcessBackend(Backend):
    """A Backend whose libvlc lives in a supervised child process (see the module docstring)."""

    def __init__(self, vlc_args: str = "", *, log_path: str | None = None,
                 answer_timeout_s: float = ANSWER_TIMEOUT_S,
                 on_fault: Callable[[str], None] | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 libvlc_log: LibvlcLog | None = None) -> None:
        self.vlc_args = vlc_args
        self.libvlc_log = libvlc_log or LibvlcLog()
        self.log_path = log_path
        self.answer_timeout_s = answer_timeout_s
        self.on_fault = on_fault
        self._clock = clock
        self._lock = threading.Lock()
        self._child: _Child | None = None
        self._pending: dict[int, Future] = {}
        self._next_id = 0
        self._load = 0
        self._loaded = False
        self._sink: EventSink = _ignore
        self._position: float | None = None
        self._length = 0.0
        self._crashes = 0
        self._retry_at = 0.0
        self._closed = False
        self._engine_reason: str | None = None
        self.faults = 0
        self.can_snapshot = False
        self.libvlc_version: str | None = None
        try:
            self._ensure_child()
        except PlayerError as exc:
            self._engine_reason = self._engine_reason or str(exc)
        self._watchdog = threading.Thread(target=self._watch, name="player-watchdog", daemon=True)
        self._watchdog.start()

    # -- Backend -------------------------------------------------------------------------------

    @property
    def available(self) -> bool:  # type: ignore[override]
        return self.unavailable_reason is None

    @property
    def unavailable_reason(self) -> str | None:  # type: ignore[override]
        if self._engine_reason is not None:
            return self._engine_reason
        wait = self._retry_at - self._clock()
        if self._crashes >= CRASH_LIMIT and wait > 0:
            return backing_off_reason(self._crashes, wait)
        return None

    @property
    def pid(self) -> int | None:
        """The player process's id, None when none runs."""
        child = self._child
        return child.pid if child is not None and not child.gone.is_set() else None

    def play(self, path: str, on_event: EventSink) -> None:
        self._ensure_child()
        with self._lock:
            self._load += 1
            load = self._load
            self._sink, self._loaded = on_event, True
            self._position, self._length = None, 0.0
        self._request("load", path=path, load=load)

    def stop(self) -> None:
        with self._lock:
            self._loaded, self._sink = False, _ignore
        self._request("stop", quiet=True)

    def set_pause(self, paused: bool) -> None:
        self._request("pause" if paused else "play", quiet=True)

    def set_volume(self, volume: int) -> None:
        self._request("volume", volume=int(volume), quiet=True)

    def seek(self, seconds: float) -> None:
        self._request("seek", seconds=float(seconds), quiet=True)

    def position_s(self) -> float | None:
        return self._position

    def length_s(self) -> float:
        return self._length

    def snapshot(self, path: str) -> bool:
        return bool(self._request("snapshot", path=path, quiet=True))

    def close(self) -> None:
        self._closed = True
        child = self._child
        if child is None or child.gone.is_set():
            return
        try:
            self._send(child, {"cmd": "quit"})
        except OSError:
            pass
        if not child.gone.wait(5):
            child.popen.kill()
            child.gone.wait(5)
        self.libvlc_log.flush(everything=True)

    # -- the child -------------------------------------------------------------------------------

    def _ensure_child(self) -> _Child:
        """Return the running child, starting a fresh one when none runs."""
        with self._lock:
            child = self._child
            if child is not None and not child.gone.is_set():
                return child
            if self._closed:
                raise PlayerError("the player is closed")
            reason = self.unavailable_reason
            if reason is not None:
                raise PlayerError(reason)
            child = self._child = self._spawn()
        try:
            ready = child.ready.result(START_TIMEOUT_S)
        except TimeoutError:
            self._kill(child, STOPPED_ANSWERING)
            raise PlayerError(STOPPED_ANSWERING) from None
        if not ready.get("available"):
            self._engine_reason = ready.get("reason") or "the player cannot play here"
            self._request_on(child, "quit", quiet=True)
            raise PlayerError(self._engine_reason)
        self.can_snapshot = bool(ready.get("can_snapshot"))
        self.libvlc_version = ready.get("libvlc")
        return child

    def _spawn(self) -> _Child:
        err = subprocess.DEVNULL
        if self.log_path:
            _trim(self.log_path)
            err = open(self.log_path, "ab")  # noqa: SIM115 (handed to the child, closed below)
        try:
            popen = subprocess.Popen(
                [sys.executable, "-m", "schedules.player_child", self.vlc_args],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, close_fds=True,
                start_new_session=True)  # Ctrl-C in a terminal reaches serve, which stops it
        finally:
            if err is not subprocess.DEVNULL:
                err.close()
        child = _Child(popen)
        threading.Thread(target=self._read, args=(child,), name="player-reader",
                         daemon=True).start()
        log.info("player process %s started", popen.pid)
        return child

    def _read(self, child: _Child) -> None:
        """Take the child's answers and events until it ends, then settle what it left."""
        for line in child.popen.stdout:
            child.last_heard = time.monotonic()
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if "id" in message:
                future = self._pending.pop(message["id"], None)
                if future is not None:
                    if message.get("ok"):
                        future.set_result(message.get("result"))
                    else:
                        future.set_exception(PlayerError(message.get("error") or "player error"))
            elif message.get("event") == "ready":
                child.ready.set_result(message)
            elif message.get("event") == "log":
                self.libvlc_log.message(str(message.get("level")), str(message.get("module") or ""),
                                        str(message.get("message") or ""))
            else:
                self._event(message)
        child.popen.wait()
        self._gone(child)

    def _event(self, message: dict) -> None:
        kind = message.get("event")
        with self._lock:
            if message.get("load") != self._load or not self._loaded:
                return
            self._position = message.get("position_s")
            self._length = message.get("length_s") or 0.0
            sink = self._sink
            if kind in ("ended", "error"):
                self._loaded = False
            if kind == "ended":
                self._crashes = 0
        if kind in ("playing", "ended", "error"):
            sink(kind)

    def _gone(self, child: _Child) -> None:
        """The child ended: fail its pending calls and, when it was not asked to, its item."""
        reason = child.killed_reason or crash_reason(child.popen.returncode)
        child.gone.set()
        if not child.ready.done():
            child.ready.set_exception(PlayerError(reason))
        for key in list(self._pending):
            future = self._pending.pop(key, None)
            if future is not None and not future.done():
                future.set_exception(PlayerError(reason))
        if self._closed or (child.popen.returncode == 0 and child.killed_reason is None):
            return
        log.error("player process %s: %s", child.pid, reason)
        with self._lock:
            self.faults += 1
            self._crashes += 1
            if self._crashes >= CRASH_LIMIT:
                wait = min(BACKOFF_FIRST_S * 2 ** (self._crashes - CRASH_LIMIT), BACKOFF_MAX_S)
                self._retry_at = self._clock() + wait
            sink, loaded = self._sink, self._loaded
            self._loaded, self._sink = False, _ignore
        if self.on_fault is not None:
            try:
                self.on_fault(reason)
            except Exception:
                log.exception("on_fault failed")
        if loaded:
            sink("error", reason)

    def _kill(self, child: _Child, reason: str) -> None:
        child.killed_reason = reason
        try:
            child.popen.send_signal(signal.SIGKILL)
        except OSError:
            pass

    def _watch(self) -> None:
        """Kill a child that stopped answering (its heartbeat is BEAT_S)."""
        while not self._closed:
            time.sleep(BEAT_S)
            self.libvlc_log.flush()
            child = self._child
            if child is None or child.gone.is_set() or not child.ready.done():
                continue
            if time.monotonic() - child.last_heard > self.answer_timeout_s:
                log.error("player process %s sent nothing for %.0f s: killing it", child.pid,
                          self.answer_timeout_s)
                self._kill(child, STOPPED_ANSWERING)

    def _request(self, cmd: str, *, quiet: bool = False, **fields):
        child = self._child
        if child is None or child.gone.is_set():
            if quiet:
                return None
            raise PlayerError("the player is not running")
        return self._request_on(child, cmd, quiet=quiet, **fields)

    def _request_on(self, child: _Child, cmd: str, *, quiet: bool = False, **fields):
        """Send a command and wait for its answer; `quiet`: a dead or hung child answers None."""
        with self._lock:
            self._next_id += 1
            key = self._next_id
        future: Future = Future()
        self._pending[key] = future
        try:
            self._send(child, {"id": key, "cmd": cmd, **fields})
            return future.result(self.answer_timeout_s)
        except (OSError, TimeoutError, PlayerError) as exc:
            self._pending.pop(key, None)
            if quiet:
                return None
            if isinstance(exc, PlayerError):
                raise
            raise PlayerError(STOPPED_ANSWERING) from None

    def _send(self, child: _Child, message: dict) -> None:
        with self._lock:
            child.popen.stdin.write(json.dumps(message).encode() + b"\n")
            child.popen.stdin.flush()


def _ignore(kind: str, detail: str | None = None) -> None:
    """Drop an event that arrives when nothing is loaded."""


def _trim(path: str) -> None:
    """Keep the player's log from growing without end: start it over past LOG_KEEP_BYTES."""
    try:
        if os.path.getsize(path) > LOG_KEEP_BYTES:
            os.replace(path, path + ".1")
    except OSError:
        pass


def make_backend(vlc_args: str = "", *, log_path: str | None = None,
                 answer_timeout_s: float = ANSWER_TIMEOUT_S, environ: dict | None = None) -> Backend:
    """The web server's backend: libvlc in a child process, or a NullBackend saying why not.

    Nothing here loads libvlc: the library is only looked for, and the screen is judged from
    the environment and the options (with no screen libvlc falls back to the ASCII-art output
    and dies with SIGSEGV).
    """
    if not libvlc_found():
        return NullBackend(NOT_INSTALLED)
    problem = screen_problem(vlc_args, os.environ if environ is None else environ)
    if problem is not None:
        return NullBackend(problem)
    return ProcessBackend(vlc_args, log_path=log_path, answer_timeout_s=answer_timeout_s)

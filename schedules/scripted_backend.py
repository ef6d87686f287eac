"""A scripted, in-memory player backend: it plays nothing and says what the test tells it to.

The Player's state machine (queue, skip, pause, screenings, parts, timeouts, records) does not
depend on libvlc; on this backend its tests run instantly. The test drives the events libvlc
would send (`playing()`, `ended()`, `error()`) and the time (`clock.advance(seconds)`), and reads
what the Player asked of the engine (`calls`, `paths`, `volume`, `paused`). What only libvlc
shows (real timing, broken files, DVD parts, snapshots, the player process) is tested on libvlc.

    clock = ScriptedClock(now)
    backend = ScriptedBackend(clock)
    with clock.driving_player():
        player = Player(backend, on_record=..., clock=clock.now)
        player.enqueue([...]); player.play()
        backend.playing(); clock.advance(30); backend.ended()

Events reach the Player's worker thread through its queue, as libvlc's do; every method that
sends one waits until the worker has handled it (`settle()`), so the test reads a settled state.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from schedules.vlc_backend import Backend, EventSink, PlayerError

# The modules of the Player whose timing reads time.monotonic(): the state machine and the item
# it has loaded.
STATE_MACHINE_MODULES = ("schedules.machine", "schedules.loaded")


class ScriptedClock:
    """Wall-clock and monotonic time that move only when told."""

    def __init__(self, start: datetime) -> None:
        self._start = start
        self._elapsed = 0.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The Player's `clock`: the start plus the time advanced."""
        with self._lock:
            return self._start + timedelta(seconds=self._elapsed)

    def monotonic(self) -> float:
        with self._lock:
            return 1000.0 + self._elapsed

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._elapsed += seconds

    @contextmanager
    def driving_player(self) -> Iterator[None]:
        """Let the Player's own timing (seconds played, open timeout, heartbeat) read this clock.

        The state machine reads `time.monotonic()`; inside this block its modules see this
        clock's instead (its worker thread still waits on its queue in real time, 0.2 s at most).
        """

        class _Time:
            monotonic = staticmethod(self.monotonic)

        modules = [importlib.import_module(name) for name in STATE_MACHINE_MODULES]
        for module in modules:
            assert module.time is time, f"{module.__name__} no longer reads the time module"
            module.time = _Time
        try:
            yield
        finally:
            for module in modules:
                module.time = time


class ScriptedBackend(Backend):
    """A Backend whose events and facts are set by the test.

    `lengths` maps a path to the length libvlc would report (0 when absent: unknown);
    `fail_on_play` maps a path to the message play() raises for it; `player`, once set, lets each
    event wait for the Player's worker to handle it.
    """

    def __init__(self, clock: ScriptedClock, *, lengths: dict[str, float] | None = None,
                 fail_on_play: dict[str, str] | None = None, can_snapshot: bool = False) -> None:
        self.clock = clock
        self.lengths = dict(lengths or {})
        self.fail_on_play = dict(fail_on_play or {})
        self.can_snapshot = can_snapshot
        self.player = None
        self.calls: list[tuple] = []  # ("play", path), ("stop",), ("seek", s), ("pause", b) ...
        self.paths: list[str] = []  # every file handed to play(), in order
        self.volume: int | None = None
        self.paused = False
        self.closed = False
        self._sink: EventSink | None = None
        self._position = 0.0
        self._since: float | None = None  # when the file playing began to advance (monotonic)

    # -- what the Player calls (on its worker thread) ---------------------------------------

    def play(self, path: str, on_event: EventSink) -> None:
        self.calls.append(("play", path))
        if path in self.fail_on_play:
            raise PlayerError(self.fail_on_play[path])
        self.paths.append(path)
        self._sink, self._position, self._since, self.paused = on_event, 0.0, None, False

    def stop(self) -> None:
        self.calls.append(("stop",))
        self._sink, self._since = None, None

    def set_pause(self, paused: bool) -> None:
        self.calls.append(("pause", paused))
        if paused and self._since is not None:
            self._position, self._since = self.position_s() or 0.0, None
        elif not paused and self._sink is not None and self._since is None:
            self._since = self.clock.monotonic()
        self.paused = paused

    def set_volume(self, volume: int) -> None:
        self.calls.append(("volume", volume))
        self.volume = volume

    def seek(self, seconds: float) -> None:
        self.calls.append(("seek", seconds))
        self._position = seconds
        if self._since is not None:
            self._since = self.clock.monotonic()

    def position_s(self) -> float | None:
        if self._sink is None:
            return None
        running = self.clock.monotonic() - self._since if self._since is not None else 0.0
        return self._position + running

    def length_s(self) -> float:
        return self.lengths.get(self.paths[-1], 0.0) if self._sink is not None else 0.0

    def close(self) -> None:
        self.calls.append(("close",))
        self.closed = True

    def snapshot(self, path: str) -> bool:
        if not self.can_snapshot or self._sink is None:
            return False
        with open(path, "wb") as f:
            f.write(b"\x89PNG scripted")
        return True

    # -- what the test calls: libvlc's events --------------------------------------------------

    def playing(self) -> None:
        """The file loaded last starts to play (libvlc's MediaPlayerPlaying)."""
        self._since = self.clock.monotonic() if not self.paused else None
        self._emit("playing")

    def ended(self) -> None:
        """The file playing reaches its end (MediaPlayerEndReached)."""
        self._emit("ended")

    def error(self, reason: str | None = None) -> None:
        """The file playing fails (MediaPlayerEncounteredError)."""
        self._emit("error", reason)

    def play_through(self, seconds: float | None = None) -> None:
        """Play the file loaded last from start to end, `seconds` long (else its length)."""
        self.playing()
        self.clock.advance(seconds if seconds is not None else self.lengths.get(self.paths[-1], 0.0))
        self.ended()

    def settle(self) -> None:
        """Wait until the Player's worker has handled every event sent so far."""
        if self.player is not None:
            self.player.status()  # a command queued behind the events: answered after them

    def _emit(self, kind: str, detail: str | None = None) -> None:
        assert self._sink is not None, f"{kind}: no file is loaded"
        self._sink(kind, detail)
        self.settle()

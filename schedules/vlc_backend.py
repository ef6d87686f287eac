"""The libvlc boundary of the player: an abstract Backend, the python-vlc one and a stand-in.

libvlc is not reentrant: its event callbacks run on libvlc's own threads and must not call
libvlc. VlcBackend's callback only maps the event type to a word and hands it to the sink the
Player gave; the Player's worker thread makes every libvlc call.
"""

from __future__ import annotations

import ctypes.util
import os
import shlex
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable

from media_index.iso import is_member
from schedules.disc_media import media_in_image
from schedules.vlc_log import Sink
from schedules.vlc_log import route as route_log

EventSink = Callable[..., None]
"""Receives "playing", "ended" or "error" (and, for an error, maybe its reason) on a libvlc
thread, or the player process's reader thread; it must only queue them."""

NOT_INSTALLED = "libvlc is not installed (apt install libvlc5 vlc-plugin-base libvlc-bin)"
NO_SCREEN = ("no screen: no display is connected (DISPLAY is not set) and DIANJIAO_VLC_ARGS "
             "names no video output")

# Always on: keep the file name from being painted over the first seconds of a screening, and
# keep a proof-of-play snapshot off the screen (by default libvlc shows a thumbnail of it for 4 s
# and paints the file's path on the picture: --no-snapshot-preview, --no-osd).
_BASE_ARGS = ["--no-video-title-show", "--no-snapshot-preview", "--no-osd"]

# Video outputs that show nothing: libvlc's dummy vout even takes snapshots, but of no screen.
_NO_SCREEN_VOUTS = {"dummy", "vdummy", "stats", "none"}

_EVENTS = {
    "MediaPlayerPlaying": "playing",
    "MediaPlayerEndReached": "ended",
    "MediaPlayerEncounteredError": "error",
}

_instances: dict[str, object] = {}
_instances_lock = threading.Lock()


class PlayerError(Exception):
    """A player fault with a user-facing message."""


class Backend(ABC):
    """What the Player needs from a media engine; one subclass per engine."""

    available: bool = True
    unavailable_reason: str | None = None
    can_snapshot: bool = False
    """True when the engine shows video on a real screen and snapshot() can save it."""

    @abstractmethod
    def play(self, path: str, on_event: EventSink) -> None:
        """Load `path`, start it, and report its events to `on_event`."""

    @abstractmethod
    def stop(self) -> None:
        """Stop and unload the current video."""

    @abstractmethod
    def set_pause(self, paused: bool) -> None:
        """Pause or resume the current video."""

    @abstractmethod
    def set_volume(self, volume: int) -> None:
        """Set the volume, 0 to 100."""

    @abstractmethod
    def seek(self, seconds: float) -> None:
        """Jump to `seconds` into the current video."""

    @abstractmethod
    def position_s(self) -> float | None:
        """Return the playing position in seconds, None when unknown."""

    @abstractmethod
    def length_s(self) -> float:
        """Return the current video's length in seconds, 0 when unknown."""

    @abstractmethod
    def close(self) -> None:
        """Release the engine's resources."""

    def snapshot(self, path: str) -> bool:
        """Save the picture on screen now as a PNG at `path`; False when it could not."""
        return False


class NullBackend(Backend):
    """Stands in where libvlc is missing: plays nothing and says why."""

    available = False

    def __init__(self, reason: str = NOT_INSTALLED) -> None:
        self.unavailable_reason = reason

    def play(self, path: str, on_event: EventSink) -> None:
        raise PlayerError(self.unavailable_reason or NOT_INSTALLED)

    def stop(self) -> None:
        pass

    def set_pause(self, paused: bool) -> None:
        pass

    def set_volume(self, volume: int) -> None:
        pass

    def seek(self, seconds: float) -> None:
        pass

    def position_s(self) -> float | None:
        return None

    def length_s(self) -> float:
        return 0.0

    def close(self) -> None:
        pass


def _instance(vlc_args: str):
    """Return the process's libvlc Instance for these arguments, creating it on first use."""
    import vlc

    with _instances_lock:
        instance = _instances.get(vlc_args)
        if instance is None:
            # A misspelt option makes libvlc_new fail: python-vlc returns None, no exception.
            instance = vlc.Instance(_BASE_ARGS + shlex.split(vlc_args))
            if instance is None:
                raise PlayerError(f"libvlc refused the options {vlc_args!r}: one of them is misspelt or "
                                  "unknown (check DIANJIAO_VLC_ARGS)")
            _instances[vlc_args] = instance
        return instance


def _has_screen(vlc_args: str) -> bool:
    """Tell from libvlc's options whether video goes to a real output (the last option wins)."""
    screen = True
    args = shlex.split(vlc_args)
    for i, arg in enumerate(args):
        value = None
        if arg in ("--no-video", "--novideo"):
            screen = False
        elif arg == "--video":
            screen = True
        elif arg.startswith("--vout="):
            value = arg.partition("=")[2]
        elif arg in ("--vout", "-V") and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("-V") and not arg.startswith("--"):
            value = arg[2:]
        if value is not None:
            screen = value.split(",")[0].strip().lower() not in _NO_SCREEN_VOUTS
    return screen


class VlcBackend(Backend):
    """Plays through libvlc: one Instance per process, one MediaPlayer reused, fullscreen."""

    def __init__(self, vlc_args: str = "", on_log: Sink | None = None) -> None:
        import vlc

        self._instance = _instance(vlc_args)
        # libvlc's own messages to `on_log` (the player process relays them to the server's
        # log, rate-limited: schedules/vlc_log.py) instead of this process's stderr
        self._unroute_log = route_log(self._instance, on_log) if on_log is not None else None
        self.can_snapshot = _has_screen(vlc_args)
        self._player = self._instance.media_player_new()
        self._player.set_fullscreen(True)
        self._on_event: EventSink = _ignore
        self._types = [getattr(vlc.EventType, name) for name in _EVENTS]
        self._kinds = {t.value: kind for t, kind in zip(self._types, _EVENTS.values(), strict=True)}
        # python-vlc keeps the callbacks on this object: it must live as long as the player.
        self._events = self._player.event_manager()
        for event_type in self._types:
            self._events.event_attach(event_type, self._relay)

    def _relay(self, event) -> None:
        """Pass an event on as a word; runs on a libvlc thread, so no libvlc call here."""
        kind = self._kinds.get(event.type.value)
        if kind is not None:
            self._on_event(kind)

    def play(self, path: str, on_event: EventSink) -> None:
        if is_member(path):  # a video inside a disc image: libvlc reads its byte range
            media = media_in_image(self._instance, path)
        else:  # bytes, so that names in a legacy encoding (GBK) reach libvlc unchanged
            media = self._instance.media_new_path(os.fsencode(path))
        if media is None:
            raise PlayerError(f"libvlc could not open {path}")
        self._player.set_media(media)
        media.release()  # the player holds its own reference
        self._on_event = on_event
        if self._player.play() == -1:
            raise PlayerError(f"libvlc could not start {path}")

    def stop(self) -> None:
        self._player.stop()

    def set_pause(self, paused: bool) -> None:
        self._player.set_pause(1 if paused else 0)

    def set_volume(self, volume: int) -> None:
        self._player.audio_set_volume(volume)

    def seek(self, seconds: float) -> None:
        self._player.set_time(int(seconds * 1000))

    def position_s(self) -> float | None:
        ms = self._player.get_time()
        return ms / 1000 if ms >= 0 else None

    def length_s(self) -> float:
        return max(self._player.get_length(), 0) / 1000

    def snapshot(self, path: str) -> bool:
        """Save the current picture (source size) as PNG; blocks ~50 ms, never call from a callback."""
        if not self._player.has_vout():
            return False
        return self._player.video_take_snapshot(0, os.fsencode(path), 0, 0) == 0

    def close(self) -> None:
        self._player.stop()
        for event_type in self._types:
            self._events.event_detach(event_type)
        self._player.release()
        if self._unroute_log is not None:
            self._unroute_log()
            self._unroute_log = None


def _ignore(kind: str) -> None:
    """Drop an event that arrives before any video was loaded."""


def libvlc_found() -> bool:
    """Tell whether libvlc is installed, without loading it."""
    return ctypes.util.find_library("vlc") is not None


def screen_problem(vlc_args: str, environ) -> str | None:
    """Say why video could not be shown, or None: a display, or an output named in the options."""
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return None
    args = shlex.split(vlc_args)
    if any(a in ("--no-video", "--novideo", "--vout", "-V") or a.startswith(("--vout=", "-V"))
           for a in args):
        return None
    return NO_SCREEN


def make_vlc_backend(vlc_args: str = "", on_log: Sink | None = None) -> Backend:
    """Return a VlcBackend in this process when libvlc works here, else a NullBackend saying why.

    The web server never calls this: its player uses player_process.make_backend, which runs
    libvlc in a child process (this function, there).
    """
    if not libvlc_found():
        return NullBackend(NOT_INSTALLED)
    try:
        import vlc  # noqa: F401
    except (ImportError, OSError, NotImplementedError):
        return NullBackend(NOT_INSTALLED)
    try:
        return VlcBackend(vlc_args, on_log)
    except PlayerError as exc:
        return NullBackend(str(exc))

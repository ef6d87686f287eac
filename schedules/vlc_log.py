"""libvlc's own log messages: caught in the player process, said once in the server's log.

Without this, libvlc prints every message to the player process's stderr (a run without a sound
card printed about 14,500 lines of ALSA errors). Here:

- `route(instance, sink)` installs a libvlc log callback (`libvlc_log_set`) that keeps warnings
  and errors and hands each to `sink(level, module, message)` as plain text. The callback runs on
  libvlc's threads: it formats the message and calls the sink, which must only queue it.
- `RateLimit` lets at most `burst` messages alike (same level, module and text once numbers are
  masked) through per window (a minute, growing while a kind keeps overflowing); the rest are
  counted, and said in one line ("… suppressed N similar messages") when the window ends.
- `LibvlcLog` is the two together on the server's side: `logging.getLogger("dianjiao.libvlc")`
  at WARNING, whatever libvlc's level (it is libvlc's opinion of a file or a device; what it means
  for a screening is in the play log).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

LOGGER = "dianjiao.libvlc"
BURST = 5  # messages alike let through per window...
WINDOW_S = 60.0  # ...of this many seconds (at first)
MAX_WINDOW_S = 3600.0
MAX_KINDS = 500  # kinds of message remembered at once: libvlc cannot grow this without end

# libvlc_log_level: DEBUG 0, NOTICE 2, WARNING 3, ERROR 4
LEVELS = {3: "warning", 4: "error"}
_MESSAGE_BYTES = 1024

Sink = Callable[[str, str, str], None]
"""Receives (level, module, message): "warning" or "error", libvlc's module ("avformat", "alsa",
...) and the message; on a libvlc thread."""

_NUMBERS = re.compile(r"0x[0-9a-fA-F]+|\d+")


def alike(level: str, module: str, message: str) -> tuple[str, str, str]:
    """The kind of a message: numbers masked, so "garbage at 509" and "garbage at 1022" are one."""
    return level, module, _NUMBERS.sub("#", message)


@dataclass
class _Kind:
    start: float  # when its window began
    window_s: float  # how long its window is
    seen: int = 1  # messages of the kind in the window
    suppressed: int = 0  # of them, not said and not yet counted in a line
    noisy: bool = False  # the window suppressed some: the next one is twice as long
    last: str = ""


class RateLimit:
    """At most `burst` messages of a kind per window; the others are counted.

    A window is `window_s` long; a kind that keeps overflowing gets windows twice as long each
    time, up to `max_window_s`, so an hour of a missing sound card's errors is a few dozen lines,
    not thousands; one quiet window sets it back."""

    def __init__(self, burst: int = BURST, window_s: float = WINDOW_S,
                 max_window_s: float = MAX_WINDOW_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.burst, self.window_s, self.max_window_s = burst, window_s, max_window_s
        self._clock = clock
        self._lock = threading.Lock()
        self._kinds: dict[tuple, _Kind] = {}

    def admit(self, kind: tuple, text: str) -> tuple[bool, int, float]:
        """Whether to say this message, and how many of its kind the window before suppressed
        that no line counted yet (with that window's length)."""
        now = self._clock()
        with self._lock:
            entry = self._kinds.get(kind)
            if entry is None:
                if len(self._kinds) >= MAX_KINDS:
                    self._kinds.pop(next(iter(self._kinds)))  # the oldest kind
                self._kinds[kind] = _Kind(now, self.window_s)
                return True, 0, 0.0
            if now - entry.start >= entry.window_s:
                before, window_s = entry.suppressed, entry.window_s
                quiet = now - entry.start >= 2 * entry.window_s  # a whole window went by
                grown = min(entry.window_s * 2, self.max_window_s)
                self._kinds[kind] = _Kind(now, grown if entry.noisy and not quiet
                                          else self.window_s)
                return True, before, window_s
            entry.seen += 1
            if entry.seen <= self.burst:
                return True, 0, 0.0
            entry.suppressed += 1
            entry.noisy = True
            entry.last = text
            return False, 0, 0.0

    def ended(self, everything: bool = False) -> list[tuple[tuple, int, float, str]]:
        """The kinds whose window has ended (every kind when `everything`) with messages not
        yet counted in a line: (kind, count, seconds the window lasted, the last of them)."""
        now = self._clock()
        said = []
        with self._lock:
            for kind, entry in list(self._kinds.items()):
                over = now - entry.start >= entry.window_s
                if (everything or over) and entry.suppressed:
                    lasted = min(now - entry.start, entry.window_s)
                    said.append((kind, entry.suppressed, lasted, entry.last))
                    entry.suppressed = 0
                elif now - entry.start >= 2 * entry.window_s:
                    del self._kinds[kind]  # forgotten after a quiet window
        return said


class LibvlcLog:
    """libvlc's messages in the server's log, rate-limited (see the module docstring)."""

    def __init__(self, limit: RateLimit | None = None,
                 logger: logging.Logger | None = None) -> None:
        self.limit = limit or RateLimit()
        self.logger = logger or logging.getLogger(LOGGER)

    def message(self, level: str, module: str, message: str) -> None:
        """Log one message of libvlc's, unless too many alike came within the window."""
        kind = alike(level, module, message)
        say, suppressed, window_s = self.limit.admit(kind, message)
        if suppressed:
            self._suppressed(kind, suppressed, window_s, message)
        if say:
            self.logger.warning("libvlc %s (%s): %s", level, module or "?", message)

    def flush(self, everything: bool = False) -> None:
        """Say how many messages were suppressed in the windows that ended."""
        for kind, count, window_s, last in self.limit.ended(everything):
            self._suppressed(kind, count, window_s, last)

    def _suppressed(self, kind: tuple, count: int, window_s: float, last: str) -> None:
        level, module, _text = kind
        self.logger.warning("libvlc %s (%s): … suppressed %d similar messages in %d s, the last: %s",
                            level, module or "?", count, round(window_s), last)


# -- the callback in the player process ------------------------------------------------------

_LogCallback = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p,
                                ctypes.c_char_p, ctypes.c_void_p)
_routes: list = []  # the callbacks installed: ctypes frees a callback nobody references


def _text(raw: bytes | None) -> str:
    """A C string as one line of text (libvlc's messages may span lines)."""
    return " ".join((raw or b"").decode("utf-8", "replace").split())


def route(instance, sink: Sink) -> Callable[[], None]:
    """Send `instance`'s warnings and errors to `sink` instead of stderr; returns the undo.

    The message comes as a printf format and a va_list: libc's vsnprintf formats it (python-vlc
    passes the va_list as a pointer, which is how x86-64 and arm64 hand one to a function).
    python-vlc's own `log_get_context` is mis-declared, hence the prototypes here."""
    import vlc

    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    vsnprintf = libc.vsnprintf
    vsnprintf.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_void_p]
    context = vlc.dll.libvlc_log_get_context
    context.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_char_p),
                        ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_uint)]
    context.restype = None
    log_set = vlc.dll.libvlc_log_set
    log_set.argtypes = [ctypes.c_void_p, _LogCallback, ctypes.c_void_p]
    log_set.restype = None
    log_unset = vlc.dll.libvlc_log_unset
    log_unset.argtypes = [ctypes.c_void_p]
    log_unset.restype = None

    def received(_data, level, ctx, fmt, args) -> None:
        name = LEVELS.get(level)
        if name is None:  # debug and notices: thousands a film, of no use in a server log
            return
        try:
            buffer = ctypes.create_string_buffer(_MESSAGE_BYTES)
            vsnprintf(buffer, _MESSAGE_BYTES, fmt, args)
            module, path, line = ctypes.c_char_p(), ctypes.c_char_p(), ctypes.c_uint()
            context(ctx, ctypes.byref(module), ctypes.byref(path), ctypes.byref(line))
            sink(name, _text(module.value), _text(buffer.value))
        except Exception:  # noqa: BLE001 (an exception must not cross into libvlc's thread)
            pass

    callback = _LogCallback(received)
    _routes.append(callback)
    handle = instance._as_parameter_  # python-vlc's pointer to the libvlc_instance_t
    log_set(handle, callback, None)

    def undo() -> None:
        log_unset(handle)  # waits for a callback running now
        if callback in _routes:
            _routes.remove(callback)

    return undo


# alsa-lib prints its own errors ("ALSA lib confmisc.c:855:(parse_card) cannot find card '0'")
# to stderr, outside libvlc's log: about two thousand lines for three short plays on a computer
# without a sound card. Its handler is variadic: a callback reading only the fixed arguments is
# called correctly on x86-64 and arm64 Linux; the format's own arguments are left unread.
_AlsaHandler = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                                ctypes.c_int, ctypes.c_char_p)


def route_alsa(sink: Sink) -> bool:
    """Send alsa-lib's error lines to `sink` as ("error", "alsa-lib", text) instead of stderr;
    False where there is no alsa-lib. The text is the message's format (its numbers unfilled)
    with the function and the error's meaning."""
    name = ctypes.util.find_library("asound")
    if name is None:
        return False
    asound = ctypes.CDLL(name)
    asound.snd_strerror.argtypes = [ctypes.c_int]
    asound.snd_strerror.restype = ctypes.c_char_p

    def received(_file, _line, function, err, fmt) -> None:
        try:
            text = _text(fmt)
            if err:
                text = f"{text} ({_text(asound.snd_strerror(err))})"
            sink("error", "alsa-lib", f"{_text(function)}: {text}" if function else text)
        except Exception:  # noqa: BLE001 (an exception must not cross into alsa-lib)
            pass

    handler = _AlsaHandler(received)
    _routes.append(handler)
    asound.snd_lib_error_set_handler.argtypes = [_AlsaHandler]
    return asound.snd_lib_error_set_handler(handler) == 0

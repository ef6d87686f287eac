"""Re-hash a scanned item at a set pace and say whether its bytes are still what was scanned.

A rescan skips files whose size and mtime are unchanged, so a scratched disc or a failing stick
goes unnoticed until it fails on screen. This re-reads the content and compares its sha256:

- `ok`: same bytes;
- `damaged`: different bytes (or a read error) while size and mtime stayed what the scan saw:
  nobody wrote the file, the medium changed under it;
- `changed`: size or mtime differ from the scan's (before or after the read): someone wrote
  the file; a rescan, not the integrity check, deals with it;
- `gone`: the file (a part of it) is not there, or vanished while being read;
- `error`: it could not be read for another reason (permissions, ...).

The reads are paced by a `Pacer` (a MB/s cap) so a check never starves the player reading the
same disc, and may be cancelled between reads.
"""

from __future__ import annotations

import errno
import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .iso import open_part, part_mtime_ns, part_size
from .reasons import read_error_reason

BUFSIZE = 1 << 20
OK, DAMAGED, CHANGED, GONE, ERROR = "ok", "damaged", "changed", "gone", "error"
# Errors of the medium itself: the bytes cannot be read back where the file says they are.
_MEDIUM_ERRORS = {errno.EIO, errno.EBADMSG}


class Cancelled(Exception):
    """The check was asked to stop (serve is shutting down)."""


class Pacer:
    """Sleep between reads so the bytes read stay at or under `mb_per_s` (None: no cap).

    The clock and the sleep are injectable so tests can see the pace without waiting.
    """

    def __init__(
        self,
        mb_per_s: float | None,
        *,
        should_stop: Callable[[], bool] = lambda: False,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = mb_per_s * 1_000_000 if mb_per_s and mb_per_s > 0 else None
        self.should_stop = should_stop
        self.clock, self.sleep = clock, sleep
        self.started = clock()
        self.done = 0

    def took(self, n: int) -> None:
        """Account `n` bytes just read; wait if ahead of the cap; raise Cancelled if asked."""
        if self.should_stop():
            raise Cancelled()
        self.done += n
        if self.rate is None:
            return
        ahead = self.done / self.rate - (self.clock() - self.started)
        if ahead > 0:
            self.sleep(ahead)


@dataclass(frozen=True)
class Verdict:
    """The outcome of re-hashing one item."""

    status: str  # ok, damaged, changed, gone, error
    sha256: str | None = None  # what the bytes hash to now (None when not read to the end)
    reason: str | None = None  # plain English, for damaged (a read error), changed, gone, error


def _stat(parts: Sequence[bytes | str]) -> tuple[int, int]:
    sizes, mtimes = [], []
    for part in parts:  # a file, or a video inside a disc image (the image's mtime)
        sizes.append(part_size(part))
        mtimes.append(part_mtime_ns(part))
    return sum(sizes), max(mtimes)


def rehash(
    parts: Sequence[bytes | str],
    *,
    size: int,
    mtime_ns: int,
    sha256: str,
    pacer: Pacer | None = None,
    on_bytes: Callable[[int], None] | None = None,
    bufsize: int = BUFSIZE,
) -> Verdict:
    """Re-read the concatenated parts of an item scanned with this size, mtime and sha256."""
    try:
        before = _stat(parts)
    except FileNotFoundError:
        return Verdict(GONE, reason="file not found")
    except OSError as exc:
        return Verdict(ERROR, reason=read_error_reason(exc))
    if before != (size, mtime_ns):
        return Verdict(CHANGED, reason="the file was changed since it was scanned")
    digest = hashlib.sha256()
    buf = bytearray(bufsize)
    view = memoryview(buf)
    read_error: OSError | None = None
    try:
        for part in parts:
            with open_part(part) as f:
                while n := f.readinto(buf):
                    digest.update(view[:n])
                    if on_bytes is not None:
                        on_bytes(n)
                    if pacer is not None:
                        pacer.took(n)
    except FileNotFoundError:
        return Verdict(GONE, reason="file vanished while being read")
    except OSError as exc:
        read_error = exc
    try:
        after = _stat(parts)
    except FileNotFoundError:
        return Verdict(GONE, reason="file vanished while being read")
    except OSError as exc:  # the stick was pulled out: not the file's fault
        return Verdict(GONE, reason=read_error_reason(exc))
    if after != before:
        return Verdict(CHANGED, reason="file changed while being read")
    if read_error is not None:
        if read_error.errno in _MEDIUM_ERRORS:
            return Verdict(DAMAGED, reason=read_error_reason(read_error))
        return Verdict(ERROR, reason=read_error_reason(read_error))
    now = digest.hexdigest()
    return Verdict(OK if now == sha256 else DAMAGED, sha256=now)

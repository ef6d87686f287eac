"""Content hashes: the full sha256 and the cheap quick fingerprint, alone or over many files.

An item may be several files (the VOBs of a DVD title set): every function hashes the
concatenation of its parts, in order.

The quick fingerprint is `"<size>:<32 hex>"`, the hex being the first 32 digits of the sha256 of
the first 64 KiB followed by the last 64 KiB of the content (of the whole content when it is at
most 128 KiB). It reads 128 KiB whatever the size, so a slow USB stick or DVD is indexed in
seconds; the full sha256 is the identity the catalog trusts.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import TypeVar

from .iso import open_part, part_size
from .reasons import read_error_reason

K = TypeVar("K")

EDGE = 64 * 1024
BUFSIZE = 1 << 20

Part = bytes | str


@dataclass(frozen=True)
class HashError:
    """Why a file could not be hashed, in plain English."""

    reason: str


@dataclass(frozen=True)
class Digests:
    """The fingerprint and, unless only the fingerprint was asked for, the sha256 of an item."""

    fingerprint: str
    sha256: str | None


class FileChangedError(OSError):
    """The file did not hold the bytes its size promised (it changed or shrank under us)."""


def sha256_parts(
    parts: Sequence[Part],
    bufsize: int = BUFSIZE,
    on_bytes: Callable[[int], None] | None = None,
) -> str:
    """Return the hex sha256 of the concatenated parts, streamed with large reads."""
    digest = hashlib.sha256()
    buf = bytearray(bufsize)
    view = memoryview(buf)
    for part in parts:
        with open_part(part) as f:  # a file, or a video inside a disc image
            while n := f.readinto(buf):
                digest.update(view[:n])  # hashlib drops the GIL for buffers over 2 KiB
                if on_bytes is not None:
                    on_bytes(n)
    return digest.hexdigest()


def _fingerprint(size: int, edges: bytes) -> str:
    return f"{size}:{hashlib.sha256(edges).hexdigest()[:32]}"


def _edge_ranges(size: int) -> list[tuple[int, int]]:
    """Return the [start, end) byte ranges the fingerprint covers."""
    if size <= 2 * EDGE:
        return [(0, size)]
    return [(0, EDGE), (size - EDGE, size)]


def fingerprint_span(size: int) -> int:
    """Return how many bytes the quick fingerprint of a `size`-byte item reads."""
    return sum(hi - lo for lo, hi in _edge_ranges(size))


def quick_fingerprint(parts: Sequence[Part], size: int) -> str:
    """Return "size:" + the sha256 (32 hex) of the first and last 64 KiB of the concatenation."""
    offsets = []
    start = 0
    for part in parts:
        length = part_size(part)
        offsets.append((start, start + length, part))
        start += length
    if start != size:
        raise FileChangedError(0, f"size changed from {size} to {start} bytes")
    chunks = []
    for lo, hi in _edge_ranges(size):
        for pstart, pend, part in offsets:
            a, b = max(lo, pstart), min(hi, pend)
            if a < b:
                with open_part(part) as f:
                    f.seek(a - pstart)
                    data = f.read(b - a)
                if len(data) != b - a:
                    raise FileChangedError(0, "file shrank while being read")
                chunks.append(data)
    return _fingerprint(size, b"".join(chunks))


def digest_parts(
    parts: Sequence[Part],
    size: int,
    *,
    full: bool = True,
    on_bytes: Callable[[int], None] | None = None,
    bufsize: int = BUFSIZE,
) -> Digests:
    """Compute the fingerprint and (if `full`) the sha256 of an item in a single pass."""
    if not full:
        fingerprint = quick_fingerprint(parts, size)
        if on_bytes is not None:
            on_bytes(fingerprint_span(size))
        return Digests(fingerprint, None)
    digest = hashlib.sha256()
    buf = bytearray(bufsize)
    view = memoryview(buf)
    ranges = _edge_ranges(size)
    edges = [bytearray() for _ in ranges]
    offset = 0
    for part in parts:
        with open_part(part) as f:  # a file, or a video inside a disc image
            while n := f.readinto(buf):
                digest.update(view[:n])
                for (lo, hi), edge in zip(ranges, edges, strict=True):
                    a, b = max(lo, offset), min(hi, offset + n)
                    if a < b:
                        edge += view[a - offset:b - offset]
                offset += n
                if on_bytes is not None:
                    on_bytes(n)
    if offset != size:
        raise FileChangedError(0, f"size changed from {size} to {offset} bytes while reading")
    return Digests(_fingerprint(size, b"".join(edges)), digest.hexdigest())


def hash_reason(exc: OSError) -> str:
    """Plain reason for a failed hash."""
    if isinstance(exc, FileChangedError):
        return "file changed while being read"
    return read_error_reason(exc)


def hash_many(
    jobs: Iterable[tuple[K, Sequence[Part]]],
    workers: int | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> Iterator[tuple[K, str | HashError]]:
    """Yield (key, sha256 hex or HashError) for each job, in completion order.

    Whole files are spread over a thread pool so several files use several cores; at most
    a few jobs per worker are in flight, so a long job list costs no memory. `on_bytes` is
    called from the worker threads.
    """
    workers = workers or os.cpu_count() or 1

    def one(parts: Sequence[Part]) -> str | HashError:
        try:
            return sha256_parts(parts, on_bytes=on_bytes)
        except OSError as exc:
            return HashError(hash_reason(exc))

    pending: dict[Future[str | HashError], K] = {}
    job_iter = iter(jobs)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hash") as pool:
        exhausted = False
        while True:
            while not exhausted and len(pending) < 2 * workers:
                try:
                    key, parts = next(job_iter)
                except StopIteration:
                    exhausted = True
                    break
                pending[pool.submit(one, parts)] = key
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield pending.pop(future), future.result()

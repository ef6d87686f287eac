"""Incremental scan of a library root, without a database.

The caller passes what its catalog knows of the root (`known`, by relpath) and gets one result
per video as soon as it is ready, so it can commit in batches and survive a crash half-way.

- A path whose size and mtime_ns match `known` (and whose sha256 is known, or fingerprint in
  quick mode) is 'unchanged' and is not opened at all, unless it failed last time: a file
  that could not be read or probed is tried again on every scan, since what made it fail
  (permissions, a drive, a codec) may have been fixed without touching the file.
- Any other path is read: fingerprint, and the full sha256 unless `quick`. Its status is 'new'
  (no known entry), 'changed' (content differs from the known hash) or 'unchanged' (touched,
  same content; store the new size and mtime so the next scan skips it).
- Each distinct content (sha256, or fingerprint in quick mode) is probed at most once per
  scan, and not at all when `already_probed(key)` says the catalog has its facts.
- A file that cannot be read or is not a video has status 'error' and a plain reason; its
  hashes are kept when they could be computed. The scan goes on.

Hashing and probing run on a thread pool; `already_probed` and `on_progress` are only ever
called from the thread iterating the scan, so they may use a database session.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from .hashing import Digests, digest_parts, fingerprint_span, hash_reason
from .probe import ProbeError, ProbeResult, probe
from .walk import Item, WalkError, walk

PROGRESS_EVERY_S = 0.25


@dataclass(frozen=True)
class Known:
    """What the catalog already knows of a path under this root."""

    size: int
    mtime_ns: int
    sha256: str | None
    fingerprint: str | None
    error: str | None = None  # the reason it failed last time: such a path is always reread


@dataclass
class FileResult:
    """The outcome for one video of the root."""

    item: Item
    status: str  # 'new' | 'changed' | 'unchanged' | 'error'
    sha256: str | None
    fingerprint: str | None
    probe: ProbeResult | None
    error: str | None


@dataclass(frozen=True)
class Progress:
    """How far a scan is: files and bytes to read (skipped unchanged files read 0 bytes)."""

    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int


def classify_moves(
    seen_new: Mapping[str, str | None], gone: Mapping[str, str | None]
) -> tuple[dict[str, str], set[str]]:
    """Pair new paths with vanished paths of the same content.

    Returns (moved: {new relpath: old relpath}, missing: old relpaths not moved anywhere).
    Each gone path pairs with at most one new path, in sorted order; None hashes never pair.
    """
    by_hash: dict[str, list[str]] = {}
    for old in sorted(gone):
        if gone[old]:
            by_hash.setdefault(gone[old], []).append(old)
    moved: dict[str, str] = {}
    for new in sorted(seen_new):
        candidates = by_hash.get(seen_new[new] or "")
        if candidates:
            moved[new] = candidates.pop(0)
    return moved, set(gone) - set(moved.values())


def _is_unchanged(item: Item, known: Known | None, quick: bool) -> bool:
    if known is None or known.error or (known.size, known.mtime_ns) != (item.size, item.mtime_ns):
        return False
    return bool(known.sha256 or (quick and known.fingerprint))


def _status(known: Known | None, digests: Digests) -> str:
    if known is None:
        return "new"
    if known.sha256 and digests.sha256:
        same = known.sha256 == digests.sha256
    else:
        same = bool(known.fingerprint) and known.fingerprint == digests.fingerprint
    return "unchanged" if same else "changed"


def _bytes_to_read(item: Item, quick: bool) -> int:
    if quick:
        return fingerprint_span(item.size)
    return item.size


def _probe_job(item: Item) -> ProbeResult | ProbeError:
    try:
        return probe(item.parts)
    except ProbeError as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 - one odd file must not stop the scan
        return ProbeError(item.relpath, f"could not read the video: {exc}")


class _Counter:
    """Bytes read so far, added to from the worker threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def add(self, n: int) -> None:
        with self._lock:
            self.value += n


def scan_root(
    root: str | bytes,
    known: Mapping[str, Known],
    *,
    already_probed: Callable[[str], bool] = lambda sha: False,
    quick: bool = False,
    workers: int | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> Iterator[FileResult | WalkError]:
    """Scan `root` against `known` and yield WalkErrors first, then one FileResult per video."""
    found = list(walk(root))
    items = [x for x in found if isinstance(x, Item)]
    yield from (x for x in found if isinstance(x, WalkError))

    todo: deque[Item] = deque()
    done_files = 0
    for item in items:
        entry = known.get(item.relpath)
        if _is_unchanged(item, entry, quick):
            done_files += 1
            yield FileResult(item, "unchanged", entry.sha256, entry.fingerprint, None, None)
        else:
            todo.append(item)

    read = _Counter()
    bytes_total = sum(_bytes_to_read(item, quick) for item in todo)

    def report() -> None:
        if on_progress is not None:
            on_progress(Progress(done_files, len(items), min(read.value, bytes_total), bytes_total))

    report()
    if not todo:
        return

    workers = workers or os.cpu_count() or 1

    def hash_job(item: Item) -> Digests | OSError:
        own = _Counter()

        def count(n: int) -> None:
            own.add(n)
            read.add(n)

        try:
            return digest_parts(item.parts, item.size, full=not quick, on_bytes=count)
        except OSError as exc:
            return exc
        finally:
            # Keep the byte total honest when a file ends early or fails.
            read.add(_bytes_to_read(item, quick) - own.value)

    hashing: dict[Future, Item] = {}
    probing: dict[Future, tuple[Item, Digests, str, str]] = {}
    waiting: dict[str, list[tuple[Item, Digests, str]]] = {}
    probed_now: dict[str, str | None] = {}  # content key -> probe error reason, this scan
    last_report = time.monotonic()

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="scan") as pool:
        while todo or hashing or probing:
            while todo and len(hashing) < 2 * workers:
                item = todo.popleft()
                hashing[pool.submit(hash_job, item)] = item
            finished, _ = wait(
                [*hashing, *probing], timeout=PROGRESS_EVERY_S, return_when=FIRST_COMPLETED
            )
            results: list[FileResult] = []
            for future in finished:
                if future in hashing:
                    item = hashing.pop(future)
                    outcome = future.result()
                    if isinstance(outcome, OSError):
                        results.append(
                            FileResult(item, "error", None, None, None, hash_reason(outcome))
                        )
                        continue
                    status = _status(known.get(item.relpath), outcome)
                    key = outcome.sha256 or outcome.fingerprint
                    if key in probed_now:
                        results.append(_result(item, outcome, status, None, probed_now[key]))
                    elif key in waiting:
                        waiting[key].append((item, outcome, status))
                    elif already_probed(key):
                        results.append(_result(item, outcome, status, None, None))
                    else:
                        waiting[key] = []
                        probing[pool.submit(_probe_job, item)] = (item, outcome, status, key)
                else:
                    item, digests, status, key = probing.pop(future)
                    outcome = future.result()
                    error = outcome.reason if isinstance(outcome, ProbeError) else None
                    facts = None if error else outcome
                    probed_now[key] = error
                    results.append(_result(item, digests, status, facts, error))
                    for other, other_digests, other_status in waiting.pop(key):
                        results.append(_result(other, other_digests, other_status, None, error))
            for result in results:
                done_files += 1
                yield result
            now = time.monotonic()
            if results or now - last_report >= PROGRESS_EVERY_S:
                last_report = now
                report()


def _result(
    item: Item, digests: Digests, status: str, facts: ProbeResult | None, error: str | None
) -> FileResult:
    if error:
        status = "error"
    return FileResult(item, status, digests.sha256, digests.fingerprint, facts, error)

"""Copy a folder (a kit on a disc or stick) onto this computer, verified and resumable.

Each file is written to `<name>.part`, flushed to the disk (fsync), read back and its SHA-256
compared with the source's, and only then renamed to its name: a file under its own name in the
target is a verified copy, and a `.part` file (never a video name) is never indexed by a scan.

An interrupted copy (the disc pulled out, the disk full, the process killed) resumes: files
already verified are skipped (a journal in the target remembers them, so the source is not read
again), and a `.part` file is continued from where it stopped; its bytes are checked with the
rest when the file is verified, and a resumed file that does not verify is copied once more
from its start.

Paths are bytes throughout, so GBK names burned on Windows discs are copied as they are.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import stat
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from .names import display_name
from .reasons import read_error_reason
from .walk import _SKIP_DIRS, readable

PART = b".part"
JOURNAL = ".dianjiao-copy.json"
BUFSIZE = 1 << 20


@dataclass(frozen=True)
class SourceFile:
    """A regular file under the source folder."""

    rel: bytes
    size: int
    mtime_ns: int

    @property
    def relpath(self) -> str:
        return readable(self.rel)


@dataclass(frozen=True)
class Copied:
    """One file's outcome: 'copied', 'resumed' (a .part continued) or 'skipped' (verified before)."""

    relpath: str
    size: int
    sha256: str
    status: str


@dataclass(frozen=True)
class CopyProgress:
    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int


class CopyError(Exception):
    """Why a copy stopped, in plain English; `kind` is source, target, space, conflict or verify."""

    def __init__(self, kind: str, reason: str, path: str | None = None) -> None:
        super().__init__(f"{path}: {reason}" if path else reason)
        self.kind, self.reason, self.path = kind, reason, path


def list_files(src: str | bytes) -> list[SourceFile]:
    """The regular files under `src` (not following links to folders), sorted by path."""
    broot = os.path.normpath(os.fsencode(src))
    try:
        if not stat.S_ISDIR(os.stat(broot).st_mode):
            raise CopyError("source", "not a folder", display_name(broot))
    except OSError as exc:
        raise CopyError("source", read_error_reason(exc), display_name(broot)) from exc
    found: list[SourceFile] = []
    stack = [b""]
    while stack:
        rel = stack.pop()
        try:
            with os.scandir(os.path.join(broot, rel) if rel else broot) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            raise CopyError("source", read_error_reason(exc), readable(rel) or ".") from exc
        for entry in entries:
            erel = rel + b"/" + entry.name if rel else entry.name
            if entry.is_dir(follow_symlinks=False):
                if entry.name.lower() not in _SKIP_DIRS:
                    stack.append(erel)
                continue
            if entry.name.startswith(b"._") or entry.name.endswith(PART):
                continue
            try:
                st = entry.stat(follow_symlinks=True)
            except OSError:
                continue  # a dangling link: nothing to copy
            if stat.S_ISREG(st.st_mode):
                found.append(SourceFile(erel, st.st_size, st.st_mtime_ns))
    found.sort(key=lambda f: f.rel)
    return found


def _journal_path(dest: bytes) -> bytes:
    return os.path.join(dest, JOURNAL.encode())


def read_journal(dest: str | bytes) -> dict[str, dict]:
    """The target's record of verified files: {rel hex: {size, mtime_ns, sha256}}."""
    try:
        with open(_journal_path(os.fsencode(dest)), encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_journal(dest: bytes, journal: dict) -> None:
    path = _journal_path(dest)
    tmp = path + b".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(journal, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _verified_before(journal: dict, dest: bytes, f: SourceFile) -> str | None:
    """The SHA-256 of a file the journal says was copied and verified from this very source."""
    known = journal.get(f.rel.hex())
    if not isinstance(known, dict) or (known.get("size"), known.get("mtime_ns")) != (
            f.size, f.mtime_ns):
        return None
    try:
        if os.stat(os.path.join(dest, f.rel)).st_size != f.size:
            return None
    except OSError:
        return None
    return known.get("sha256")


def bytes_to_write(files: list[SourceFile], dest: str | bytes) -> int:
    """How many bytes the copy still has to write (verified files and .part bytes left out)."""
    bdest = os.fsencode(dest)
    journal = read_journal(bdest)
    total = 0
    for f in files:
        if _verified_before(journal, bdest, f):
            continue
        try:
            have = os.stat(os.path.join(bdest, f.rel) + PART).st_size
        except OSError:
            have = 0
        total += f.size - have if have <= f.size else f.size
    return total


def free_bytes(dest: str | bytes) -> int:
    """Free bytes on the disk that holds `dest` (or its nearest existing parent)."""
    path = os.path.abspath(os.fsencode(dest))
    while not os.path.exists(path):
        path = os.path.dirname(path)
    return shutil.disk_usage(path).free


def _sha256_file(path: bytes, on_bytes: Callable[[int], None] | None = None) -> str:
    digest = hashlib.sha256()
    with open(path, "rb", buffering=0) as fh:
        while chunk := fh.read(BUFSIZE):
            digest.update(chunk)
            if on_bytes:
                on_bytes(len(chunk))
    return digest.hexdigest()


def _write(fd, data) -> None:
    """Write all of `data` (a module function, so the tests can make the disk fail)."""
    fd.write(data)


def _target_error(exc: OSError, path: str) -> CopyError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return CopyError("space", "the disk of the target is full", path)
    return CopyError("target", read_error_reason(exc), path)


def _copy_one(src: bytes, dest: bytes, f: SourceFile, count: Callable[[int], None],
              *, resume: bool) -> tuple[str, bool]:
    """Copy one file to its .part, fsync, verify and rename; return (sha256, resumed)."""
    shown = f.relpath
    target = os.path.join(dest, f.rel)
    part = target + PART
    try:
        os.makedirs(os.path.dirname(target) or dest, exist_ok=True)
        have = os.stat(part).st_size if resume and os.path.exists(part) else 0
        if have > f.size:
            have = 0
        out = open(part, "r+b" if have else "wb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise _target_error(exc, shown) from exc
    source_hash = hashlib.sha256()
    try:
        with out, open(os.path.join(src, f.rel), "rb", buffering=0) as inp:
            done = 0
            while done < have:  # the source's first bytes, for its hash
                chunk = inp.read(min(BUFSIZE, have - done))
                if not chunk:
                    raise CopyError("source", "the file shrank while it was copied", shown)
                source_hash.update(chunk)
                done += len(chunk)
            out.seek(have)
            out.truncate()
            count(have)
            while chunk := inp.read(BUFSIZE):
                source_hash.update(chunk)
                try:
                    _write(out, chunk)
                except OSError as exc:
                    raise _target_error(exc, shown) from exc
                count(len(chunk))
            try:
                out.flush()
                os.fsync(out.fileno())
            except OSError as exc:
                raise _target_error(exc, shown) from exc
    except CopyError:
        raise
    except OSError as exc:  # the source: a disc taken out, a scratched one
        raise CopyError("source", read_error_reason(exc), shown) from exc
    try:
        copy_hash = _sha256_file(part)
    except OSError as exc:
        raise _target_error(exc, shown) from exc
    if copy_hash != source_hash.hexdigest():
        if have:
            os.remove(part)
            return _copy_one(src, dest, f, count, resume=False)
        raise CopyError("verify", "the copy differs from the source (SHA-256)", shown)
    os.replace(part, target)
    return copy_hash, bool(have)


def copy_tree(src: str | bytes, dest: str | bytes, files: list[SourceFile], *,
              on_progress: Callable[[CopyProgress], None] | None = None) -> Iterator[Copied]:
    """Copy `files` from `src` into `dest`, yielding each verified copy; raises CopyError.

    A target file of the same name that the journal does not know is compared with the source:
    the same bytes count as copied before, other bytes stop the copy (nothing is overwritten).
    """
    bsrc, bdest = os.fsencode(src), os.fsencode(dest)
    os.makedirs(bdest, exist_ok=True)
    journal = read_journal(bdest)
    total = sum(f.size for f in files)
    progress = [0, 0]

    def count(n: int) -> None:
        progress[1] += n
        if on_progress:
            on_progress(CopyProgress(progress[0], len(files), progress[1], total))

    count(0)
    for f in files:
        sha = _verified_before(journal, bdest, f)
        status = "skipped"
        if sha is None and os.path.exists(os.path.join(bdest, f.rel)):
            sha = _same_file(bsrc, bdest, f)
        if sha is not None:
            count(f.size)
        else:
            sha, resumed = _copy_one(bsrc, bdest, f, count, resume=True)
            status = "resumed" if resumed else "copied"
        journal[f.rel.hex()] = {"size": f.size, "mtime_ns": f.mtime_ns, "sha256": sha}
        try:
            _write_journal(bdest, journal)
        except OSError as exc:
            raise _target_error(exc, JOURNAL) from exc
        progress[0] += 1
        count(0)
        yield Copied(f.relpath, f.size, sha, status)


def _same_file(src: bytes, dest: bytes, f: SourceFile) -> str:
    """The hash of a target file already there that holds the source's bytes; else CopyError."""
    try:
        there = _sha256_file(os.path.join(dest, f.rel))
    except OSError as exc:
        raise _target_error(exc, f.relpath) from exc
    try:
        here = _sha256_file(os.path.join(src, f.rel))
    except OSError as exc:
        raise CopyError("source", read_error_reason(exc), f.relpath) from exc
    if there != here:
        raise CopyError("conflict", "a different file of this name is already in the target",
                        f.relpath)
    return there


def manifest_check(copied: list[Copied], expected: Mapping[str, str]) -> list[str]:
    """The copied files whose name is in a kit's manifest ({file name: sha256}) with other bytes."""
    return [c.relpath for c in copied
            if (want := expected.get(c.relpath.rsplit("/", 1)[-1])) and want != c.sha256]

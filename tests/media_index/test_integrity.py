"""Re-hashing a scanned file: same bytes, a flipped byte, a file written, gone, or pulled away
while it is read, and the MB/s pace."""

from __future__ import annotations

import hashlib
import os

import pytest

from media_index.integrity import (
    CHANGED,
    DAMAGED,
    GONE,
    OK,
    Cancelled,
    Pacer,
    rehash,
)


@pytest.fixture
def scanned(tmp_path):
    """A 64 KiB file and what a scan recorded of it: (path, size, mtime_ns, sha256)."""
    path = tmp_path / "lesson.mpg"
    data = os.urandom(64 * 1024)
    path.write_bytes(data)
    st = os.stat(path)
    return str(path), st.st_size, st.st_mtime_ns, hashlib.sha256(data).hexdigest()


def flip_keeping_mtime(path: str, offset: int) -> None:
    """Flip one byte in place, leaving size and mtime as they were (what a bad sector does)."""
    st = os.stat(path)
    with open(path, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 0xFF]))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def check(scanned, **kw):
    path, size, mtime_ns, sha = scanned
    return rehash([path], size=size, mtime_ns=mtime_ns, sha256=sha, **kw)


def test_unchanged_bytes_are_ok(scanned):
    verdict = check(scanned)
    assert verdict.status == OK and verdict.sha256 == scanned[3]


def test_a_flipped_byte_with_size_and_mtime_kept_is_damaged(scanned):
    flip_keeping_mtime(scanned[0], 1000)
    verdict = check(scanned)
    assert verdict.status == DAMAGED
    assert verdict.sha256 != scanned[3]


def test_a_file_written_since_its_scan_is_changed_not_damaged(scanned):
    with open(scanned[0], "r+b") as f:
        f.write(b"new")  # a new mtime: somebody wrote it, a rescan deals with it
    os.utime(scanned[0], ns=(1, scanned[2] + 10**9))
    assert check(scanned).status == CHANGED


def test_a_file_gone_is_gone(scanned):
    os.remove(scanned[0])
    assert check(scanned).status == GONE


def test_a_file_damaged_while_being_read_is_found(scanned):
    """The medium goes bad under the reader (a later byte flips, size and mtime kept)."""
    path = scanned[0]
    calls = []

    class Flipper(Pacer):
        def took(self, n):
            if not calls:
                flip_keeping_mtime(path, 60 * 1024)
            calls.append(n)

    verdict = check(scanned, pacer=Flipper(None), bufsize=4096)
    assert len(calls) > 1
    assert verdict.status == DAMAGED


def test_a_file_vanishing_while_being_read_is_gone_not_damaged(scanned):
    path = scanned[0]

    class Remover(Pacer):
        def took(self, n):
            if os.path.exists(path):
                os.remove(path)

    verdict = check(scanned, pacer=Remover(None), bufsize=4096)
    assert verdict.status == GONE
    assert "vanished" in verdict.reason


def test_a_file_rewritten_while_being_read_is_changed(scanned):
    path = scanned[0]

    class Writer(Pacer):
        def took(self, n):
            if os.path.getsize(path) == scanned[1]:
                with open(path, "ab") as f:
                    f.write(b"x")

    assert check(scanned, pacer=Writer(None), bufsize=16384).status == CHANGED


def test_the_pacer_holds_reads_to_the_cap():
    """10 MB at 2 MB/s take 5 s of the (fake) clock: the pacer sleeps the difference."""
    now = [0.0]
    slept = []

    def sleep(s):
        slept.append(s)
        now[0] += s

    pacer = Pacer(2, clock=lambda: now[0], sleep=sleep)
    for _ in range(10):
        pacer.took(1_000_000)
    assert now[0] == pytest.approx(5.0)
    assert Pacer(None, clock=lambda: 0.0, sleep=sleep).rate is None


def test_a_stop_request_cancels_between_reads(scanned):
    with pytest.raises(Cancelled):
        check(scanned, pacer=Pacer(None, should_stop=lambda: True))

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from media_index import HashError, hash_many, quick_fingerprint, sha256_parts
from media_index.hashing import digest_parts


def make_file(path: Path, size: int, seed: int = 0) -> Path:
    block = hashlib.sha256(str(seed).encode()).digest() * 4096  # 128 KiB of varied bytes
    data = (block * (size // len(block) + 1))[:size]
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("size", [0, 1, 65_536, 131_072, 131_073, 3_000_001])
def test_sha256_equals_hashlib(tmp_path: Path, size: int) -> None:
    path = make_file(tmp_path / "f.mp4", size)
    expected = hashlib.sha256(path.read_bytes()).hexdigest()
    assert sha256_parts([path]) == expected
    assert sha256_parts([os.fsencode(path)], bufsize=4096) == expected


def test_sha256_equals_sha256sum(tmp_path: Path) -> None:
    path = make_file(tmp_path / "f.mpg", 2_500_000)
    out = subprocess.run(["sha256sum", path], check=True, capture_output=True, text=True)
    assert sha256_parts([str(path)]) == out.stdout.split()[0]


def test_parts_hash_as_their_concatenation(tmp_path: Path) -> None:
    a = make_file(tmp_path / "VTS_01_1.VOB", 200_000, seed=1)
    b = make_file(tmp_path / "VTS_01_2.VOB", 70_000, seed=2)
    joined = a.read_bytes() + b.read_bytes()
    assert sha256_parts([a, b]) == hashlib.sha256(joined).hexdigest()
    edges = joined[:65_536] + joined[-65_536:]
    expected = f"{len(joined)}:{hashlib.sha256(edges).hexdigest()[:32]}"
    assert quick_fingerprint([a, b], len(joined)) == expected


def test_quick_fingerprint_reads_edges_only(tmp_path: Path) -> None:
    path = make_file(tmp_path / "f.mp4", 1_000_000)
    before = quick_fingerprint([path], 1_000_000)
    with open(path, "r+b") as f:  # change a byte in the middle: invisible to the fingerprint
        f.seek(500_000)
        f.write(b"\x00" if f.read(1) != b"\x00" else b"\x01")
    assert quick_fingerprint([path], 1_000_000) == before
    assert before.startswith("1000000:") and len(before.split(":")[1]) == 32


def test_small_file_fingerprint_is_whole_content(tmp_path: Path) -> None:
    path = make_file(tmp_path / "f.mp4", 100)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:32]
    assert quick_fingerprint([path], 100) == f"100:{digest}"


@pytest.mark.parametrize("size", [10, 131_072, 400_000])
def test_single_pass_digests_agree(tmp_path: Path, size: int) -> None:
    a = make_file(tmp_path / "a.vob", size, seed=3)
    b = make_file(tmp_path / "b.vob", size // 3, seed=4)
    total = size + size // 3
    seen: list[int] = []
    both = digest_parts([a, b], total, on_bytes=seen.append, bufsize=65_000)
    assert both.sha256 == sha256_parts([a, b])
    assert both.fingerprint == quick_fingerprint([a, b], total)
    assert sum(seen) == total
    assert digest_parts([a, b], total, full=False).sha256 is None


def test_size_mismatch_is_an_error(tmp_path: Path) -> None:
    path = make_file(tmp_path / "f.mp4", 1000)
    with pytest.raises(OSError):
        digest_parts([path], 999)
    with pytest.raises(OSError):
        quick_fingerprint([path], 1001)


def test_hash_many(tmp_path: Path) -> None:
    jobs = []
    expected = {}
    for i in range(7):
        path = make_file(tmp_path / f"{i}.mp4", 50_000 * (i + 1), seed=i)
        jobs.append((i, [path]))
        expected[i] = hashlib.sha256(path.read_bytes()).hexdigest()
    jobs.append((99, [tmp_path / "vanished.mp4"]))
    counted: list[int] = []
    results = dict(hash_many(jobs, workers=2, on_bytes=counted.append))
    assert results.pop(99) == HashError("file not found (it vanished during the scan?)")
    assert results == expected
    assert sum(counted) == sum(50_000 * (i + 1) for i in range(7))


def test_hash_many_empty() -> None:
    assert list(hash_many([])) == []

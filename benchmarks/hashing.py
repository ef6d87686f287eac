"""Benchmark sha256_parts against OpenSSL on one big warm file, and hash_many on two cores.

Goals: sha256_parts >= 0.9x `openssl dgst -sha256`; hash_many with 2 workers >= 1.6x one worker.
Run from the repo root: `.venv/bin/python benchmarks/hashing.py [--size-mb 1024]`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import _common
from _common import best_of, finish, say, workdir

from media_index import hash_many, sha256_parts

CHUNK = 1 << 20


def make_file(path: Path, size: int) -> Path:
    """Write `size` random bytes to `path` unless it already has that size."""
    if path.exists() and path.stat().st_size == size:
        return path
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(CHUNK * 16, left)
            f.write(os.urandom(n))
            left -= n
    return path


def warm(paths: list[Path]) -> None:
    """Read files once so the page cache holds them and the disk is out of the picture."""
    buf = bytearray(CHUNK * 4)
    for path in paths:
        with open(path, "rb", buffering=0) as f:
            while f.readinto(buf):
                pass


def run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=1024, help="big file size (MiB)")
    parser.add_argument("--files", type=int, default=16, help="files for hash_many")
    parser.add_argument("--file-mb", type=int, default=64, help="size of each of those (MiB)")
    parser.add_argument("--runs", type=int, default=3, help="best of N")
    args = parser.parse_args()
    folder = workdir("hashing")
    size = args.size_mb * CHUNK
    big = make_file(folder / f"big-{args.size_mb}m.bin", size)
    warm([big])
    mb = size / 1e6

    openssl = best_of(args.runs, lambda: run(["openssl", "dgst", "-sha256", str(big)]))
    say(f"openssl dgst -sha256  {args.size_mb} MiB: {openssl:.3f} s  {mb / openssl:.0f} MB/s")
    coreutils = best_of(1, lambda: run(["sha256sum", str(big)]))
    say(f"sha256sum (info)      {args.size_mb} MiB: {coreutils:.3f} s  {mb / coreutils:.0f} MB/s")
    ours = best_of(args.runs, lambda: sha256_parts([big]))
    ratio = openssl / ours
    say(f"sha256_parts          {args.size_mb} MiB: {ours:.3f} s  {mb / ours:.0f} MB/s  "
        f"= {ratio:.2f}x OpenSSL (goal >= 0.9)")

    many = [make_file(folder / f"part-{i:02d}-{args.file_mb}m.bin", args.file_mb * CHUNK)
            for i in range(args.files)]
    warm(many)
    jobs = [(i, [p]) for i, p in enumerate(many)]
    total_mb = args.files * args.file_mb * CHUNK / 1e6

    def hash_all(workers: int) -> None:
        for _, digest in hash_many(jobs, workers=workers):
            assert isinstance(digest, str)

    one = best_of(args.runs, lambda: hash_all(1))
    two = best_of(args.runs, lambda: hash_all(2))
    speedup = one / two
    say(f"hash_many {args.files} x {args.file_mb} MiB, 1 worker:  {one:.3f} s  "
        f"{total_mb / one:.0f} MB/s")
    say(f"hash_many {args.files} x {args.file_mb} MiB, 2 workers: {two:.3f} s  "
        f"{total_mb / two:.0f} MB/s  = {speedup:.2f}x one worker (goal >= 1.6)")
    finish({
        "benchmark": "hashing",
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "size_mib": args.size_mb,
        "openssl_s": round(openssl, 4),
        "openssl_mb_s": round(mb / openssl),
        "sha256sum_s": round(coreutils, 4),
        "sha256sum_mb_s": round(mb / coreutils),
        "sha256_parts_s": round(ours, 4),
        "sha256_parts_mb_s": round(mb / ours),
        "ratio_to_openssl": round(ratio, 3),
        "ratio_goal": 0.9,
        "many_files": args.files,
        "many_file_mib": args.file_mb,
        "hash_many_1_worker_s": round(one, 4),
        "hash_many_2_workers_s": round(two, 4),
        "hash_many_speedup": round(speedup, 3),
        "speedup_goal": 1.6,
        "ok": ratio >= 0.9 and speedup >= 1.6,
    })


if __name__ == "__main__":
    assert _common.REPO
    main()

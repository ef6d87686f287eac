"""Benchmark a rescan of 10,000 unchanged files against a bare os.scandir + stat walk.

Goal: the rescan takes < 1 s and at most 3x the bare walk of the same tree (warm cache).
Run from the repo root: `.venv/bin/python benchmarks/rescan.py [--files 10000]`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import _common
from _common import best_of, finish, say, workdir

from media_index import FileResult, Known, scan_root

EXTENSIONS = ("mp4", "mpg", "avi", "wmv", "rmvb", "flv", "mkv", "vob", "dat", "3gp")


def make_tree(root: Path, files: int, per_dir: int = 100) -> None:
    """Create `files` tiny files with video extensions, `per_dir` to a folder, if missing."""
    marker = root / f".complete-{files}"
    if marker.exists():
        return
    for i in range(files):
        folder = root / f"dir{i // per_dir:03d}"
        folder.mkdir(exist_ok=True)
        (folder / f"lesson{i:05d}.{EXTENSIONS[i % len(EXTENSIONS)]}").write_bytes(
            i.to_bytes(4, "big") * 16
        )
    marker.touch()


def bare_walk(root: bytes) -> int:
    """Stat every entry under root with os.scandir, iteratively; return the file count."""
    count = 0
    stack = [root]
    while stack:
        with os.scandir(stack.pop()) as it:
            for entry in it:
                st = entry.stat()
                if entry.is_dir():
                    stack.append(entry.path)
                elif st.st_size >= 0:
                    count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="best of N")
    args = parser.parse_args()
    root = workdir(f"rescan-{args.files}")
    make_tree(root, args.files)
    broot = os.fsencode(root)
    bare_walk(broot)  # warm the dentry and inode caches

    # Seed `known` with a real first scan: these files are not videos, so every one is an
    # 'error' that still carries its hashes, like a catalog that recorded them.
    start = time.perf_counter()
    first = [r for r in scan_root(root, {}) if isinstance(r, FileResult)]
    first_s = time.perf_counter() - start
    assert len(first) == args.files, len(first)
    known = {
        r.item.relpath: Known(r.item.size, r.item.mtime_ns, r.sha256, r.fingerprint)
        for r in first
    }
    say(f"first scan of {args.files} tiny non-video files (hash + probe, all errors): "
        f"{first_s:.2f} s  {args.files / first_s:.0f} files/s")

    walk_s = best_of(args.runs, lambda: bare_walk(broot))
    say(f"bare os.scandir + stat walk: {walk_s:.3f} s")

    def rescan() -> None:
        statuses = [r.status for r in scan_root(root, known)]
        assert statuses.count("unchanged") == args.files, set(statuses)

    rescan_s = best_of(args.runs, rescan)
    ratio = rescan_s / walk_s
    say(f"scan_root rescan, all unchanged: {rescan_s:.3f} s = {ratio:.2f}x the bare walk "
        f"(goal < 1 s and <= 3x)")
    finish({
        "benchmark": "rescan",
        "python": sys.version.split()[0],
        "files": args.files,
        "first_scan_s": round(first_s, 3),
        "bare_walk_s": round(walk_s, 4),
        "rescan_s": round(rescan_s, 4),
        "rescan_to_walk": round(ratio, 2),
        "ok": rescan_s < 1.0 and ratio <= 3.0,
    })


if __name__ == "__main__":
    assert _common.REPO
    main()

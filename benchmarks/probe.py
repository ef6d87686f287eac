"""Benchmark probe() on a mixed corpus of distinct videos: files per second per core.

Goal: >= 50 distinct files/s on one core. The corpus (~60 files: MP4, MPEG-PS .mpg/.dat,
DVD .vob, AVI, MKV, FLV, WMV) is generated with PyAV once and reused.
Run from the repo root: `.venv/bin/python benchmarks/probe.py [--files 60]`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import _common
from _common import finish, say, workdir

from media_index import probe
from media_index.synth import make_video

KINDS = (
    ("mp4", {}),
    ("mp4", {"faststart": True}),
    ("mpg", {}),
    ("dat", {}),
    ("vob", {}),
    ("avi", {}),
    ("mkv", {}),
    ("flv", {}),
    ("wmv", {}),
    ("mp4", {"tags": {"title": "种植技术", "artist": "农业局"}}),
)


def make_corpus(folder: Path, count: int, seconds: float) -> list[Path]:
    """Generate `count` distinct videos (cycling over the containers), reusing earlier ones."""
    paths = []
    for i in range(count):
        ext, extra = KINDS[i % len(KINDS)]
        path = folder / f"v{i:03d}-{seconds:g}s.{ext}"
        if not path.exists():
            tmp = folder / f"tmp-{os.getpid()}.{ext}"
            make_video(tmp, seconds + (i % 7) * 0.5, size=(320, 240), fps=10, **extra)
            tmp.replace(path)
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each video")
    parser.add_argument("--runs", type=int, default=3, help="best of N passes")
    args = parser.parse_args()
    folder = workdir("probe")
    start = time.perf_counter()
    paths = make_corpus(folder, args.files, args.seconds)
    say(f"corpus: {len(paths)} videos of ~{args.seconds:g} s, "
        f"{sum(p.stat().st_size for p in paths) / 1e6:.1f} MB "
        f"(ready in {time.perf_counter() - start:.1f} s)")
    for path in paths:  # warm the page cache
        path.read_bytes()

    def one_pass(workers: int) -> float:
        begin = time.perf_counter()
        if workers == 1:
            results = [probe([p]) for p in paths]
        else:
            with ThreadPoolExecutor(workers) as pool:
                results = list(pool.map(lambda p: probe([p]), paths))
        elapsed = time.perf_counter() - begin
        assert all(r.duration_s and r.duration_s > 0 for r in results)
        return elapsed

    single = min(one_pass(1) for _ in range(args.runs))
    rate = len(paths) / single
    say(f"probe, 1 thread: {rate:.0f} files/s per core ({1000 * single / len(paths):.1f} ms "
        f"per file; goal >= 50/s)")
    cpus = os.cpu_count() or 1
    multi = min(one_pass(cpus) for _ in range(args.runs))
    say(f"probe, {cpus} threads: {len(paths) / multi:.0f} files/s "
        f"({single / multi:.2f}x one thread)")
    finish({
        "benchmark": "probe",
        "python": sys.version.split()[0],
        "files": len(paths),
        "video_seconds": args.seconds,
        "per_core_files_s": round(rate, 1),
        "ms_per_file": round(1000 * single / len(paths), 2),
        "threads": cpus,
        "threads_files_s": round(len(paths) / multi, 1),
        "goal_per_core_files_s": 50,
        "ok": rate >= 50,
    })


if __name__ == "__main__":
    assert _common.REPO
    main()

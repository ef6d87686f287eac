"""Shared helpers for the benchmark scripts: import path, work folder, timing, output."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

WORK = Path(os.environ.get("DIANJIAO_BENCH_DIR", "/tmp/dianjiao-bench"))


def workdir(name: str) -> Path:
    """Return (and create) a reusable scratch folder for one benchmark."""
    path = WORK / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def best_of(runs: int, fn: Callable[[], object]) -> float:
    """Return the best wall time in seconds of `runs` calls of `fn`."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def say(line: str) -> None:
    """Print a human-readable line."""
    print(line, flush=True)


def finish(figures: dict) -> None:
    """Print the final machine-readable JSON line."""
    print(json.dumps(figures, sort_keys=True), flush=True)

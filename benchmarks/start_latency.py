"""Benchmark scheduled starts: delay from a screening's planned time to libvlc's "playing".

Goal: median and p95 < 1 s. Each run schedules `play_screening` of a 2 s clip with an
APScheduler DateTrigger a little ahead, stamps the libvlc Playing event on libvlc's own thread,
then stops. The first run is cold (demuxer and decoder plugins load then) and is counted.
Run from the repo root: `.venv/bin/python benchmarks/start_latency.py [--runs 20]`.
"""

from __future__ import annotations

import argparse
import math
import queue
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

import _common
from _common import finish, say, workdir
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger

from media_index.synth import make_video
from schedules.player import Item, Player, VlcBackend


class TimedBackend(VlcBackend):
    """A VlcBackend that stamps the moment libvlc reports Playing."""

    def __init__(self, vlc_args: str) -> None:
        super().__init__(vlc_args)
        self.playing_at: queue.Queue[float] = queue.Queue()

    def play(self, path, on_event) -> None:
        def stamp(kind: str) -> None:
            if kind == "playing":  # on libvlc's thread: Python only, no libvlc call
                self.playing_at.put(time.time())
            on_event(kind)

        super().play(path, stamp)


def percentile(values: list[float], share: float) -> float:
    """Return the nearest-rank percentile of `values`."""
    ranked = sorted(values)
    return ranked[max(0, math.ceil(share * len(ranked)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--lead", type=float, default=0.4, help="seconds between scheduling and start")
    parser.add_argument("--container", default="mp4", help="clip container: mp4, mpeg, avi, ...")
    parser.add_argument("--vlc-args", default="--vout=dummy --aout=dummy")
    args = parser.parse_args()
    clip = workdir("start_latency") / f"clip-2s.{args.container}"
    if not clip.exists():
        make_video(clip, seconds=2.0, container=args.container)

    backend = TimedBackend(args.vlc_args)
    player = Player(backend, on_record=lambda record: None)
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.start()
    fired: queue.Queue[float] = queue.Queue()

    def start_screening(screening_id: str) -> None:
        fired.put(time.time())
        player.play_screening(screening_id, [Item("clip", str(clip), clip.name, 2.0)])

    delays, fire_delays = [], []
    try:
        for run in range(args.runs):
            planned = datetime.now(UTC) + timedelta(seconds=args.lead)
            scheduler.add_job(start_screening, DateTrigger(run_date=planned), args=[f"bench-{run}"],
                              id=f"bench-{run}", misfire_grace_time=60)
            playing_at = backend.playing_at.get(timeout=10)
            delay = playing_at - planned.timestamp()
            fire_delay = fired.get(timeout=1) - planned.timestamp()
            delays.append(delay)
            fire_delays.append(fire_delay)
            say(f"run {run + 1:2d}: playing {1000 * delay:6.1f} ms after the planned time "
                f"(scheduler fired at +{1000 * fire_delay:5.1f} ms){'  [cold]' if run == 0 else ''}")
            player.stop()
            time.sleep(0.1)
    finally:
        scheduler.shutdown(wait=False)
        player.close()

    median, p95 = statistics.median(delays), percentile(delays, 0.95)
    say(f"median {1000 * median:.1f} ms, p95 {1000 * p95:.1f} ms, max {1000 * max(delays):.1f} ms "
        f"over {len(delays)} starts (goal < 1000 ms); scheduler share: median "
        f"{1000 * statistics.median(fire_delays):.1f} ms")
    finish({
        "benchmark": "start_latency",
        "python": sys.version.split()[0],
        "runs": len(delays),
        "container": args.container,
        "median_ms": round(1000 * median, 1),
        "p95_ms": round(1000 * p95, 1),
        "max_ms": round(1000 * max(delays), 1),
        "cold_ms": round(1000 * delays[0], 1),
        "scheduler_median_ms": round(1000 * statistics.median(fire_delays), 1),
        "goal_ms": 1000,
        "ok": p95 < 1.0,
    })


if __name__ == "__main__":
    assert _common.REPO
    main()

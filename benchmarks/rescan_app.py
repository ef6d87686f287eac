"""Benchmark the app-level rescan (`dianjiao scan` work: load known entries from the database, walk,
skip unchanged files, mark last_seen) of 10,000 unchanged files against a bare os.scandir walk.

Goal: under 1 s of scan work (the 3x-the-walk goal is for media_index alone, benchmarks/rescan.py);
this shows what the database adds on top. Run from the repo root: `.venv/bin/python benchmarks/rescan_app.py`.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import _common  # noqa: F401  (puts the repo on sys.path)
from _common import finish, say, workdir
from rescan import bare_walk, make_tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=10_000)
    args = parser.parse_args()
    root = workdir(f"rescan-{args.files}")
    make_tree(root, args.files)

    from flask_migrate import upgrade

    from app import MIGRATIONS, create_app
    from app.catalog.scanning import scan_paths
    from app.extensions import db
    from app.models import Site, Unit

    instance = tempfile.mkdtemp(prefix="dj-bench-")
    app = create_app({"INSTANCE": instance, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        unit = Unit(name="城关镇", kind="township")
        site = Site(code="P-001", name="bench", kind="playback_point", unit=unit)
        db.session.add_all([unit, site])
        db.session.commit()
        start = time.perf_counter()
        first = scan_paths(site, [str(root)])
        say(f"first scan: {first['files']} files in {time.perf_counter() - start:.2f} s "
            f"({len(first['errors'])} junk files reported as errors)")
        walk_s = min(_timed(lambda: bare_walk(os.fsencode(root))) for _ in range(3))
        rescans = []
        for _ in range(3):
            start = time.perf_counter()
            again = scan_paths(site, [str(root)])
            rescans.append(time.perf_counter() - start)
            assert again["unchanged"] == again["files"] == args.files, again
        rescan_s = min(rescans)
    say(f"bare os.scandir+stat walk: {walk_s * 1000:.1f} ms")
    say(f"app rescan (SQLite): {rescan_s * 1000:.1f} ms = {rescan_s / walk_s:.1f}x the walk")
    finish({"benchmark": "rescan_app", "files": args.files, "walk_s": round(walk_s, 4),
            "rescan_s": round(rescan_s, 4), "ratio": round(rescan_s / walk_s, 2),
            "goal_under_1s": rescan_s < 1.0})


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()

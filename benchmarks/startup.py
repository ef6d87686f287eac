"""Benchmark start-up: `dianjiao --help` and `dianjiao scan EMPTY --site X` against the floor of
`python -c "import flask, sqlalchemy"`.

Goal: both within a little of the floor (issue #16, item 7): the slow libraries (PyAV, pygal,
openpyxl, segno, icalendar, tqdm, mutagen, libvlc, Alembic) load only where they are used. Each
command runs once to warm the page cache and the bytecode, then `--runs` times in a fresh process;
min and median wall and CPU times are printed, the medians' ratio to the floor's in brackets. The
instance is made fresh (`dianjiao init`, one site X). `import app.extensions` and `import app.models`
are printed as what any app of ours imports before its first command. Run from the repo root:
`.venv/bin/python benchmarks/startup.py [--runs 9]`; see `python -X importtime` for what loads.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import _common
from _common import finish, say, workdir

DIANJIAO = str(Path(sys.executable).with_name("dianjiao"))


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one run of a command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr}")
    return seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def fresh_instance(folder: Path, env: dict[str, str]) -> None:
    """An initialised instance with one site, X."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    sites = folder.parent / "sites.csv"
    sites.write_text("code,name,kind,township,village\nX,基准播放点,playback_point,城关镇,东村\n",
                     encoding="utf-8")
    run([DIANJIAO, "init"], env)
    run([DIANJIAO, "sites", "import", str(sites)], env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()

    work = workdir("startup")
    empty = work / "empty"
    shutil.rmtree(empty, ignore_errors=True)
    empty.mkdir()
    env = {**os.environ, "PYTHONPATH": str(_common.REPO), "DIANJIAO_INSTANCE": str(work / "instance"),
           "DIANJIAO_ADMIN_PASSWORD": "bench-pass-1"}
    fresh_instance(work / "instance", env)

    commands = {
        "floor: python -c 'import flask, sqlalchemy'": [sys.executable, "-c", "import flask, sqlalchemy"],
        # what any app of ours imports: Flask-SQLAlchemy with the ORM, Babel, Login, WTF, Limiter
        "python -c 'import app.extensions'": [sys.executable, "-c", "import app.extensions"],
        # ... and the models, which every command's services use
        "python -c 'import app.models'": [sys.executable, "-c", "import app.models"],
        "python -c 'import app.cli'": [sys.executable, "-c", "import app.cli"],
        "dianjiao --help": [DIANJIAO, "--help"],
        "dianjiao scan EMPTY --site X": [DIANJIAO, "scan", str(empty), "--site", "X"],
    }
    times: dict[str, list[tuple[float, float]]] = {}
    for name, argv in commands.items():
        run(argv, env)  # warm: page cache, bytecode
        times[name] = [run(argv, env) for _ in range(args.runs)]

    load = os.getloadavg()[0]
    say(f"{args.runs} runs each; load average {load:.2f} at the end on {os.cpu_count()} cores. "
        "CPU = user + system time of the process, which a busy machine inflates less than wall.")
    floor = times[next(iter(commands))]
    floor_wall = statistics.median(wall for wall, _ in floor)
    floor_cpu = statistics.median(cpu for _, cpu in floor)
    figures: dict = {"runs": args.runs, "load_average": round(load, 2)}
    for name, runs in times.items():
        walls, cpus = [wall for wall, _ in runs], [cpu for _, cpu in runs]
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        say(f"{name:<46} wall min {min(walls) * 1000:5.0f} median {wall * 1000:5.0f} ms "
            f"(x{wall / floor_wall:.2f})  CPU min {min(cpus) * 1000:5.0f} median {cpu * 1000:5.0f} ms "
            f"(x{cpu / floor_cpu:.2f})")
        figures[name] = {"wall_min_ms": round(min(walls) * 1000), "wall_median_ms": round(wall * 1000),
                         "cpu_min_ms": round(min(cpus) * 1000), "cpu_median_ms": round(cpu * 1000),
                         "wall_ratio": round(wall / floor_wall, 2), "cpu_ratio": round(cpu / floor_cpu, 2)}
    finish(figures)


if __name__ == "__main__":
    main()

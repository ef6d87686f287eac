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


SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
            "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
            "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = "建国华明丽芳军平红霞伟强秀英玉兰桂珍海燕春梅志刚德福文静敏杰磊娜婷勇超"


def person_name(i: int) -> str:
    """The i-th of a deterministic run of three-character names, distinct for i < 3,900."""
    s, rest = SURNAMES[i % len(SURNAMES)], i // len(SURNAMES)
    return s + GIVEN[rest % len(GIVEN)] + GIVEN[(rest // len(GIVEN) + i) % len(GIVEN)]


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


def timed(runs: int, fn: Callable[[], object]) -> tuple[float, object]:
    """Best wall time in ms of `runs` calls of `fn` after a warm-up, each in a fresh database
    session (the app's), and the last result."""
    from app.extensions import db

    result = fn()
    db.session.remove()
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
        db.session.remove()
    return round(best * 1000, 1), result


def say(line: str) -> None:
    """Print a human-readable line."""
    print(line, flush=True)


def finish(figures: dict) -> None:
    """Print the final machine-readable JSON line."""
    print(json.dumps(figures, sort_keys=True), flush=True)


# The PostgreSQL server the benchmarks create their databases on (trust auth on this machine).
PG_BASE = os.environ.get("DIANJIAO_BENCH_POSTGRES",
                         "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def bench_app(instance, url: str, tz: str):
    """The app on `instance` and the database at `url`, as a hub with test settings."""
    from app import create_app

    os.makedirs(instance, exist_ok=True)
    return create_app({"INSTANCE": str(instance), "DATABASE_URL": url, "SECRET_KEY": "bench",
                       "TIMEZONE": tz, "SITE": None, "TESTING": True})


def kept_database(backend: str, root: Path, keep: bool, pg_name: str) -> tuple[str, bool]:
    """A benchmark's database URL, and whether it already holds a network built by an earlier
    run: a SQLite file under `root`, or the PostgreSQL database `pg_name`. Without `keep`, it
    starts empty."""
    import re
    import shutil

    from sqlalchemy import create_engine, text

    if backend == "sqlite":
        path = root / "instance-sqlite" / "dianjiao.sqlite"
        exists = path.exists()
        if not (exists and keep):
            shutil.rmtree(path.parent, ignore_errors=True)
            path.parent.mkdir(parents=True)
            exists = False
        return f"sqlite:///{path}", exists
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                              {"n": pg_name}).scalar() is not None
        if exists and not keep:
            conn.execute(text(f'DROP DATABASE "{pg_name}" WITH (FORCE)'))
            exists = False
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{pg_name}"'))
    admin.dispose()
    return re.sub(r"/[^/]*$", f"/{pg_name}", PG_BASE), exists

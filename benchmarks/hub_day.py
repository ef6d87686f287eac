"""A county's day at the hub: one day's bundles of 1,600 sites pushed over HTTP at once.

The hub runs as docs/deploy.md runs it: gunicorn (gthread, 2 workers of 4 threads, `'app:create_app()'`)
on a PostgreSQL database of its own (scratch database `dianjiao_bench_hubday`). It knows the
network before the day: a city of --townships townships with --sites playback points (one a
village), every site enrolled (`enroll_peer`: a key of its own), --people villagers a site,
yesterday's health report of each site, and a few media files.

Each site's bundle is made the way a site makes it (app/sync/export.py): the same codecs turn its
rows into JSON Lines, the same manifest (seq, watermark, acknowledgement, counts) is signed with
the site's key by `write_bundle`. A site's day: one screening held with its playlist
(--items), --signins sign-ins, one play log an item, and its health report (an update of
yesterday's row). --senders threads then push all bundles to `POST /api/v1/sync/bundles`, each
on a connection of its own (as a site pushes), as many sites at once as threads.

Printed: the wall time from the first push to the last answer, the rows imported a second, the
latency of a push, and, as the named baseline in the same run, PostgreSQL `COPY` (psycopg,
binary) of the same decoded rows into empty copies of the same tables (same indexes and unique
constraints, no foreign keys) in one transaction: the fastest the database itself stores them.
Afterwards the hub's tables are counted: every row arrived once. On a machine shared with
other work the wall time says little; the CPU time the hub's processes spent (gunicorn and the
PostgreSQL backends serving it, read from /proc) says what the day costs, and so how long it
takes on idle cores.

    .venv/bin/python benchmarks/hub_day.py [--sites 1600] [--senders 8] [--workers 2]
        [--threads 4] [--profile]

Goals (issue #20): all imported within 60 s; rows/s at least 0.5 of COPY's. `--profile` imports
a few extra bundles in this process under pyinstrument and prints where an import spends its
time. Needs gunicorn (`pip install -e ".[bench]"`). Prints human lines, then one JSON line.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from _common import REPO, finish, say, workdir
from hub_day_data import DAY_TABLES, make_bundle, seed, site_day
from sync import bare_copies, migrate, pg_database

PG_NAME = "dianjiao_bench_hubday"


def make_hub(instance, url: str):
    from app import create_app

    os.makedirs(instance, exist_ok=True)
    return create_app({"INSTANCE": str(instance), "DATABASE_URL": url, "SECRET_KEY": "bench",
                       "TIMEZONE": "Asia/Shanghai", "SITE": None, "ROLE": "hub"})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(url: str, instance, args, log):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIANJIAO_")}
    env.update({"DIANJIAO_DATABASE_URL": url, "DIANJIAO_INSTANCE": str(instance),
                "DIANJIAO_ROLE": "hub", "DIANJIAO_SECRET_KEY": "bench",
                "PYTHONPATH": str(REPO), "PYPINYIN_NO_PHRASES": "true"})
    port = free_port()
    exe = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    if not os.path.exists(exe):
        raise SystemExit("gunicorn is not installed: pip install -e '.[bench]'")
    server = subprocess.Popen(
        [exe, "--bind", f"127.0.0.1:{port}", "--worker-class", "gthread",
         "--workers", str(args.workers), "--threads", str(args.threads), "--timeout", "300",
         "app:create_app()"], env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited early: see " + log.name)
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/login")
            conn.getresponse().read()
            return server, port
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not answer")


def _ticks(pid: int) -> int:
    """CPU time (user + system, in clock ticks) of one process so far; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return 0


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                found += [int(child) for child in fh.read().split()]
    except OSError:
        pass
    return found


def hub_cpu(server_pid: int, url: str) -> dict[int, int]:
    """CPU ticks so far of the hub's processes: gunicorn's master and workers, and the
    PostgreSQL backends serving this database (not this script's own connection)."""
    import psycopg

    pids = [server_pid, *_children(server_pid)]
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        pids += [pid for (pid,) in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()")]
    return {pid: _ticks(pid) for pid in pids}


def push_all(port: int, bundles: list[bytes], senders: int) -> dict:
    def push(body: bytes) -> tuple[float, int, dict]:
        # A site pushes once a day, on a connection of its own. (Sharing one keep-alive
        # connection a sender thread kept every push on the gunicorn worker that accepted it:
        # one worker did the whole day on one core while the other sat idle.)
        start = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        try:
            conn.request("POST", "/api/v1/sync/bundles", body=body,
                         headers={"Content-Type": "application/zip", "Connection": "close"})
            response = conn.getresponse()
            answer = json.loads(response.read() or b"{}")
        finally:
            conn.close()
        return time.perf_counter() - start, response.status, answer

    start = time.perf_counter()
    with ThreadPoolExecutor(senders) as pool:
        results = list(pool.map(push, bundles))
    wall = time.perf_counter() - start
    latencies = sorted(r[0] * 1000 for r in results)
    codes: dict[str, int] = {}
    for _l, status, _a in results:
        codes[str(status)] = codes.get(str(status), 0) + 1
    refused = [a for _l, status, a in results if status != 201][:3]
    return {"seconds": wall, "codes": codes, "refused": refused,
            "inserted": sum(a.get("inserted", 0) for _l, _s, a in results),
            "updated": sum(a.get("updated", 0) for _l, _s, a in results),
            "p50_ms": statistics.median(latencies),
            "p95_ms": latencies[int(0.95 * (len(latencies) - 1))], "max_ms": latencies[-1]}


def copy_baseline(url: str, days: list[dict[str, list[dict]]]) -> tuple[int, float]:
    """PostgreSQL COPY (binary, psycopg) of the same rows into empty copies of the tables."""
    import psycopg
    from psycopg.types.json import Jsonb
    from sqlalchemy import MetaData, create_engine

    engine = create_engine(url)
    meta = MetaData()
    copies = bare_copies(meta, DAY_TABLES)
    meta.create_all(engine)
    engine.dispose()
    rows = {name: [] for name in DAY_TABLES}
    for day in days:
        for name in DAY_TABLES:
            rows[name].extend(day[name])
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as conn:
        types = {}
        columns = {name: [c.name for c in copies[name].columns] for name in DAY_TABLES}
        jsons = {name: {c.name for c in copies[name].columns
                        if c.type.__class__.__name__ == "JSON"} for name in DAY_TABLES}
        for name in DAY_TABLES:
            types[name] = dict(conn.execute(
                "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass "
                "AND attnum > 0 AND NOT attisdropped", (name,)).fetchall())
        conn.commit()
        # The columns are `timestamp without time zone` holding UTC, as the app's type binds them.
        ready = {name: [tuple(Jsonb(v) if c in jsons[name] else
                              v.astimezone(UTC).replace(tzinfo=None)
                              if isinstance(v, datetime) else v
                              for c, v in ((c, row[c]) for c in columns[name]))
                        for row in rows[name]] for name in DAY_TABLES}
        backend = conn.info.backend_pid
        start, ticks, mine = time.perf_counter(), _ticks(backend), time.process_time()
        with conn.cursor() as cursor:
            for name in DAY_TABLES:
                with cursor.copy(f'COPY "{name}" ({", ".join(columns[name])}) FROM STDIN '
                                 "(FORMAT BINARY)") as copy:
                    copy.set_types([types[name][c] for c in columns[name]])
                    for line in ready[name]:
                        copy.write_row(line)
        conn.commit()
        seconds = time.perf_counter() - start
        cpu = (_ticks(backend) - ticks) / os.sysconf("SC_CLK_TCK") + time.process_time() - mine
    return sum(len(r) for r in rows.values()), seconds, cpu


def held(hub, day: datetime) -> dict[str, int]:
    """The rows of each table written on or after `day` (the history is older)."""
    from sqlalchemy import func, select

    from app.extensions import db

    with hub.app_context():
        found = {}
        for name in DAY_TABLES:
            table = db.metadata.tables[name]
            found[name] = db.session.scalar(select(func.count()).select_from(table).where(
                table.c.updated_at >= day))
        db.session.remove()
        db.engine.dispose()
    return found


def profile_imports(hub, bundles: list[bytes]) -> None:
    """Import a few more bundles in this process under pyinstrument; print where time goes."""
    from pyinstrument import Profiler

    from app.sync.importer import import_bundle

    profiler = Profiler(interval=0.0005)
    with hub.app_context():
        profiler.start()
        for body in bundles:
            import_bundle(body)
        profiler.stop()
    say(profiler.output_text(unicode=False, color=False, show_all=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=1600)
    parser.add_argument("--townships", type=int, default=16)
    parser.add_argument("--people", type=int, default=30, help="villagers a site")
    parser.add_argument("--signins", type=int, default=25, help="sign-ins a site in the day")
    parser.add_argument("--items", type=int, default=3, help="titles played a site in the day")
    parser.add_argument("--history", type=int, default=3,
                        help="screenings each site held before the day (already at the hub)")
    parser.add_argument("--senders", type=int, default=8, help="sites pushing at once")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads a gunicorn worker")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")
    import logging
    logging.disable(logging.WARNING)

    folder = workdir("hub_day")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    say(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")
    url = pg_database(PG_NAME)
    hub = make_hub(folder / "hub", url)
    migrate(hub)
    now = datetime.now(UTC).replace(microsecond=0)
    day = (now - timedelta(days=1)).replace(hour=0, minute=0, second=0)
    start = time.perf_counter()
    sites = seed(hub, args, day - timedelta(days=1))
    say(f"hub seeded: {len(sites)} sites enrolled, {len(sites) * args.people:,} people, in "
        f"{time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    with hub.app_context():
        days = [site_day(site, args, day) for site in sites]
        bundles = [make_bundle(site, rows, now) for site, rows in zip(sites, days, strict=True)]
    counts = {name: sum(len(d[name]) for d in days) for name in DAY_TABLES}
    total = sum(counts.values())
    say(f"bundles made: {len(bundles)}, {total:,} rows {counts}, "
        f"{sum(map(len, bundles)) / 1e6:.1f} MB, in {time.perf_counter() - start:.1f} s")
    extra = []
    if args.profile:  # kept out of the pushed day: imported in this process afterwards
        extra = sites[-20:]
        sites, days, bundles = sites[:-20], days[:-20], bundles[:-20]
        counts = {name: sum(len(d[name]) for d in days) for name in DAY_TABLES}
        total = sum(counts.values())

    log = open(folder / "gunicorn.log", "w")
    server, port = start_gunicorn(url, folder / "hub", args, log)
    try:
        before = hub_cpu(server.pid, url)
        pushed = push_all(port, bundles, args.senders)
        after = hub_cpu(server.pid, url)
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()
    rate = total / pushed["seconds"]
    say(f"hub: {len(bundles)} bundles, {total:,} rows imported over HTTP in "
        f"{pushed['seconds']:.1f} s = {rate:,.0f} rows/s, {len(bundles) / pushed['seconds']:.1f} "
        f"bundles/s ({args.senders} senders; gunicorn gthread {args.workers} x {args.threads}); "
        f"a push p50 {pushed['p50_ms']:.0f} ms, p95 {pushed['p95_ms']:.0f} ms, max "
        f"{pushed['max_ms']:.0f} ms; answers {pushed['codes']}")
    hz = os.sysconf("SC_CLK_TCK")
    cpu = sum(ticks - before.get(pid, 0) for pid, ticks in after.items()) / hz
    say(f"the hub's CPU for the day (gunicorn and its PostgreSQL backends): {cpu:.1f} s, "
        f"{cpu / len(bundles) * 1000:.1f} ms a bundle: on {os.cpu_count()} idle cores the day "
        f"would take at least {cpu / os.cpu_count():.1f} s")
    if pushed["refused"]:
        say(f"refused: {pushed['refused']}")
    if args.profile:
        with hub.app_context():
            extra_bundles = [make_bundle(s, site_day(s, args, day), now) for s in extra]
        profile_imports(hub, extra_bundles)
    found = held(hub, day)
    expected = {**counts, "terminal_health": len(sites) + len(extra)}
    if args.profile:
        for name in DAY_TABLES:
            if name != "terminal_health":
                expected[name] += counts[name] // max(len(sites), 1) * len(extra)
    ok = pushed["codes"] == {"201": len(bundles)} and found == expected
    say(f"the hub holds {found}; expected {expected}: {'OK' if ok else 'MISMATCH'}")

    base = pg_database(PG_NAME + "_base")
    copied, copy_s, copy_cpu = copy_baseline(base, days)
    pg_database(PG_NAME + "_base", drop_only=True)
    copy_rate = copied / copy_s
    say(f"baseline: PostgreSQL COPY of the same {copied:,} rows in {copy_s:.2f} s = "
        f"{copy_rate:,.0f} rows/s (CPU {copy_cpu:.2f} s: this script and its backend)")
    ratio = rate / copy_rate
    cpu_ratio = copy_cpu / cpu if cpu else 0.0
    say(f"by CPU time (what the load of the machine does not change): the hub spends "
        f"{cpu:.1f} s where COPY spends {copy_cpu:.2f} s, {cpu_ratio:.3f} of COPY's rows a CPU "
        "second")
    say(f"the hub's day: {pushed['seconds']:.1f} s (goal < 60 s), {ratio:.3f} of COPY's rows/s "
        f"(goal >= 0.5); load average {os.getloadavg()[0]:.1f} at the end")
    pg_database(PG_NAME, drop_only=True)
    finish({"benchmark": "hub_day", "sites": len(bundles), "rows": total, "counts": counts,
            "seconds": round(pushed["seconds"], 2), "rows_per_s": round(rate),
            "bundles_per_s": round(len(bundles) / pushed["seconds"], 1),
            "push_p50_ms": round(pushed["p50_ms"], 1), "push_p95_ms": round(pushed["p95_ms"], 1),
            "senders": args.senders, "gunicorn": f"gthread {args.workers}x{args.threads}",
            "copy_rows_per_s": round(copy_rate), "copy_seconds": round(copy_s, 3),
            "hub_cpu_s": round(cpu, 1), "hub_cpu_ms_per_bundle": round(cpu / len(bundles) * 1000, 1),
            "ratio": round(ratio, 3), "copy_cpu_s": round(copy_cpu, 2),
            "cpu_ratio": round(cpu_ratio, 3), "ok": ok, "goal_seconds_met": pushed["seconds"] < 60,
            "goal_ratio_met": ratio >= 0.5})
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

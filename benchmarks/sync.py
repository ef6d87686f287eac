"""Sync volume: a site's bundle of 100,000 sign-ins and 20,000 play logs, exported and imported.

For each hub backend (SQLite file, PostgreSQL scratch database `dianjiao_bench_sync`):

- a hub with one site, P-001 in 东村, and a few media files; the site is a fresh SQLite install
  enrolled the real way (`enroll_peer` + `export_bundle(enroll=True)`, imported on the site);
- on the site, the volume goes in fast with SQLAlchemy Core bulk inserts (not through the API):
  --people villagers, --screenings screenings, --attendance sign-ins (one per screening and
  person) and --playlogs play logs, all born at P-001;
- measured: the site's export to a file; the hub's import of it (every row new); the hub's
  re-import of the same file (known by its digest: nothing read); and the meaningful re-import,
  a *full resend* (`export_bundle(full=True)`) of the same rows, every one looked up by id and
  `updated_at` and found unchanged. The ≥ 50,000 rows/s goal is judged on the full resend.
- baselines on the same machine and run: reading the bundle with `zipfile` + `json` alone; a
  plain Core `SELECT` of the same rows by id on the hub, 1,000 a query (the reading half of a
  resend); and a plain Core `INSERT` executemany of the same (already decoded) rows into empty
  copies of the four tables (same columns, indexes and unique constraints, no foreign keys) on
  the same backend.

    .venv/bin/python benchmarks/sync.py [--attendance 100000] [--playlogs 20000]
        [--screenings 2000] [--people 2000] [--backends sqlite,postgres] [--profile]

Goals (issue #6): import ≥ 20,000 rows/s, re-import ≥ 50,000 rows/s. `--profile` prints the
top of a cProfile of the hub's two imports. Prints human lines, then one JSON line; results in
docs/performance.md, "Sync".
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import os
import pstats
import re
import shutil
import time
import uuid
import zipfile
from datetime import UTC, datetime, timedelta

from _common import finish, person_name, say, workdir

PG_BASE = os.environ.get("DIANJIAO_BENCH_POSTGRES",
                         "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_NAME = "dianjiao_bench_sync"
SITE = "P-001"
VOLUME = ("people", "screenings", "attendance", "play_logs")


# --- installs ----------------------------------------------------------------------------------

def make_app(instance, url: str | None, **extra):
    from app import create_app

    os.makedirs(instance, exist_ok=True)
    url = url or f"sqlite:///{instance}/dianjiao.sqlite"
    return create_app({"INSTANCE": str(instance), "DATABASE_URL": url, "SECRET_KEY": "bench",
                       "TIMEZONE": "Asia/Shanghai", "SITE": None, **extra})


def migrate(app) -> None:
    from flask_migrate import upgrade

    from app import MIGRATIONS

    logging.disable(logging.INFO)  # alembic's "Running upgrade" lines
    try:
        with app.app_context():
            upgrade(directory=MIGRATIONS)
    finally:
        logging.disable(logging.NOTSET)


def pg_url(name: str) -> str:
    return re.sub(r"/[^/]*$", f"/{name}", PG_BASE)


def pg_database(name: str, *, drop_only: bool = False) -> str:
    """(Re)create an empty PostgreSQL database; return its URL."""
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if not drop_only:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return pg_url(name)


def dispose(app) -> None:
    from app.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def seed_hub(hub) -> None:
    """The network the hub knows: one site in 东村 and the media files it plays."""
    from sqlalchemy import insert

    from app.extensions import db
    from app.models import MediaFile, Site
    from app.places.services import get_or_make_unit

    with hub.app_context():
        city = get_or_make_unit("示范市", "city", None)
        village = get_or_make_unit("东村", "village", get_or_make_unit("城关镇", "township", city))
        db.session.add(Site(code=SITE, name="东村播放点", kind="playback_point", unit=village))
        db.session.execute(insert(MediaFile), [
            {"sha256": f"{i:064x}", "fingerprint": f"fp{i}", "size": 10_000_000 + i,
             "duration_s": 1800.0, "container": "mp4", "tags": {}} for i in range(20)])
        db.session.commit()


def enroll(hub, site, path) -> None:
    from app.sync.export import export_bundle
    from app.sync.importer import import_bundle
    from app.sync.services import enroll_peer

    with hub.app_context():
        enroll_peer(SITE)
        export_bundle(str(path), to=SITE, enroll=True)
    with site.app_context():
        import_bundle(str(path))


def fill_site(site, args) -> dict[str, int]:
    """Bulk-insert the volume at the site with Core: people, screenings, sign-ins, play logs."""
    from sqlalchemy import insert, select

    from app.extensions import db
    from app.models import Attendance, MediaFile, Person, PlayLog, Screening, Site

    per = args.attendance // args.screenings
    if per * args.screenings != args.attendance or per > args.people:
        raise SystemExit("--attendance must be a multiple of --screenings, at most "
                         "--people sign-ins per screening")
    # Dated after the enrollment, as a site's own records are: the export sends them all.
    t0 = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)
    with site.app_context():
        me = db.session.scalar(select(Site).where(Site.code == SITE))
        media = db.session.execute(select(MediaFile.id, MediaFile.sha256)).all()
        stamp = {"origin_site": SITE}

        def born(at: datetime) -> dict:
            return {"id": uuid.uuid4(), **stamp, "created_at": at, "updated_at": at}

        people = [{**born(t0 + timedelta(seconds=i)), "name": person_name(i),
                   "pinyin": f"p{i}", "initials": f"i{i}", "pinyin_alt": "", "initials_alt": "",
                   "village_id": me.unit_id, "party_member": i % 3 == 0, "role": "villager",
                   "walkin": False, "active": True} for i in range(args.people)]
        screenings = []
        for i in range(args.screenings):
            starts = t0 + timedelta(hours=12 * i)
            screenings.append({**born(starts + timedelta(hours=2)), "site_id": me.id,
                               "starts_at": starts, "ends_at": starts + timedelta(hours=1),
                               "topic": f"果树修剪 第{i + 1}讲", "audience": "all",
                               "status": "done", "late": False, "edited": False,
                               "attendance_closed": True, "phone_shared": False})
        attendance, playlogs = [], []
        for s_index, screening in enumerate(screenings):
            starts = screening["starts_at"]
            for k in range(per):
                person = people[(s_index * 7 + k) % args.people]
                at = starts + timedelta(seconds=30 * k)
                attendance.append({**born(at), "screening_id": screening["id"],
                                   "person_id": person["id"], "method": "kiosk",
                                   "status": "present", "signed_at": at,
                                   "recorded_by": "op1", "device": "kiosk-1"})
        for i in range(args.playlogs):
            screening = screenings[i % args.screenings]
            media_id, sha = media[i % len(media)]
            started = screening["starts_at"] + timedelta(minutes=3 * (i // args.screenings))
            playlogs.append({**born(started + timedelta(minutes=3)), "site_id": me.id,
                             "screening_id": screening["id"], "media_file_id": media_id,
                             "sha256": sha, "started_at": started,
                             "ended_at": started + timedelta(minutes=3), "played_s": 180.0,
                             "outcome": "completed"})
        for model, rows in ((Person, people), (Screening, screenings), (Attendance, attendance),
                            (PlayLog, playlogs)):
            for start in range(0, len(rows), 5000):
                db.session.execute(insert(model), rows[start:start + 5000])
        db.session.commit()
    return {"people": len(people), "screenings": len(screenings),
            "attendance": len(attendance), "play_logs": len(playlogs)}


# --- baselines ---------------------------------------------------------------------------------

def read_bundle_plain(path) -> int:
    """Baseline: unzip every part and parse every line with json, nothing else."""
    rows = 0
    with zipfile.ZipFile(path) as zf:
        json.loads(zf.read("manifest.json"))
        for name in zf.namelist():
            if name.startswith("rows/"):
                for line in zf.read(name).splitlines():
                    json.loads(line)
                    rows += 1
    return rows


def bare_copies(meta, names=VOLUME):
    """The tables (the four volume tables unless named) with their columns, indexes and unique
    constraints, no FKs."""
    from sqlalchemy import Column, Index, Table, UniqueConstraint

    from app.extensions import db

    copies = {}
    for name in names:
        table = db.metadata.tables[name]
        copy = Table(name, meta, *[Column(c.name, c.type, primary_key=c.primary_key,
                                          nullable=c.nullable) for c in table.columns])
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint):
                copy.append_constraint(UniqueConstraint(*[c.name for c in constraint.columns]))
        for index in table.indexes:
            Index(index.name, *[copy.c[c.name] for c in index.columns], unique=index.unique)
        copies[name] = copy
    return copies


def insert_plain(url: str, bundle_path) -> tuple[int, float, float]:
    """Baseline: Core INSERT executemany of the bundle's decoded rows into empty tables."""
    from sqlalchemy import MetaData, create_engine, insert

    from app.sync.tables import CODECS

    with zipfile.ZipFile(bundle_path) as zf:
        decoded = {name: [CODECS[name].decode(json.loads(line))
                          for line in zf.read(f"rows/{name}.jsonl").splitlines()]
                   for name in VOLUME}
    engine = create_engine(url)
    meta = MetaData()
    copies = bare_copies(meta)
    meta.create_all(engine)

    def write() -> int:
        with engine.begin() as conn:
            for name in VOLUME:
                rows = decoded[name]
                for i in range(0, len(rows), 1000):
                    conn.execute(insert(copies[name]), rows[i:i + 1000])
        return sum(len(rows) for rows in decoded.values())

    try:
        return timed(write)
    finally:
        engine.dispose()


# --- the run -----------------------------------------------------------------------------------

def timed(fn):
    """Run fn; return its result, the wall seconds and this process's CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def select_plain(bundle_path) -> tuple[int, float, float]:
    """Baseline: Core SELECT of the bundle's rows by id, 1,000 a query (the reading half of a
    re-import that compares every row), in the current app's database."""
    from sqlalchemy import select

    from app.extensions import db
    from app.sync.tables import CODECS

    with zipfile.ZipFile(bundle_path) as zf:
        ids = {name: [CODECS[name].decode(json.loads(line))["id"]
                      for line in zf.read(f"rows/{name}.jsonl").splitlines()]
               for name in VOLUME}

    def read() -> int:
        rows = 0
        for name in VOLUME:
            table = db.metadata.tables[name]
            for i in range(0, len(ids[name]), 1000):
                rows += len(db.session.execute(select(table).where(
                    table.c.id.in_(ids[name][i:i + 1000]))).all())
        return rows

    return timed(read)


def run_backend(backend: str, args, folder) -> list[dict]:
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Attendance, Person, PlayLog, Screening
    from app.sync.export import export_bundle
    from app.sync.importer import import_bundle

    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    hub_url = pg_database(PG_NAME) if backend == "postgres" else None
    hub = make_app(folder / "hub", hub_url, ROLE="hub")
    site = make_app(folder / "site", None)
    migrate(hub)
    migrate(site)
    seed_hub(hub)
    enroll(hub, site, folder / "enroll.zip")
    counts, seconds, _cpu = timed(lambda: fill_site(site, args))
    say(f"[{backend}] site filled by Core inserts: {sum(counts.values()):,} rows in "
        f"{seconds:.1f} s ({counts})")
    results = []

    def record(what: str, rows: int, seconds: float, cpu: float, path=None, note: str = ""):
        size = os.path.getsize(path) / 1e6 if path else None
        figure = {"backend": backend, "what": what, "rows": rows, "seconds": round(seconds, 3),
                  "cpu_s": round(cpu, 3), "rows_per_s": round(rows / seconds) if seconds else None,
                  "mb": round(size, 1) if size is not None else None, "note": note}
        results.append(figure)
        say(f"[{backend}] {what:<40} {rows:>8,} rows {seconds:8.3f} s (cpu {cpu:6.2f}) "
            f"{figure['rows_per_s'] or 0:>9,} rows/s" + (f" {size:5.1f} MB" if size else "")
            + (f"  {note}" if note else ""))

    def hub_import(path):
        if not args.profile:
            return timed(lambda: import_bundle(str(path)))
        profile = cProfile.Profile()
        result = timed(lambda: profile.runcall(import_bundle, str(path)))
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(30)
        say(out.getvalue())
        return result

    up, full = folder / "up.zip", folder / "full.zip"
    with site.app_context():
        summary, seconds, cpu = timed(lambda: export_bundle(str(up)))
    record("site export (everything new)", summary["rows"], seconds, cpu, up)
    rows, seconds, cpu = timed(lambda: read_bundle_plain(up))
    record("baseline: zipfile + json read", rows, seconds, cpu, up)

    with hub.app_context():
        summary, seconds, cpu = hub_import(up)
        if summary["inserted"] != sum(counts.values()):
            raise SystemExit(f"hub import inserted {summary['inserted']}, expected "
                             f"{sum(counts.values())}")
        for model, name in ((Person, "people"), (Screening, "screenings"),
                            (Attendance, "attendance"), (PlayLog, "play_logs")):
            held = db.session.scalar(select(func.count()).select_from(model).where(
                model.origin_site == SITE))
            if held != counts[name]:
                raise SystemExit(f"the hub holds {held} {name}, the site sent {counts[name]}")
    total = summary["inserted"] + summary["updated"] + summary["unchanged"]
    record("hub import (every row new)", total, seconds, cpu, up,
           f"{summary['inserted']:,} inserted")

    with hub.app_context():
        summary, seconds, cpu = timed(lambda: import_bundle(str(up)))
    if summary["already_imported"] is not True:
        raise SystemExit("the same bundle was not recognised by its digest")
    record("hub re-import, same file (digest)", total, seconds, cpu, up, "no row read")

    with site.app_context():
        summary, seconds, cpu = timed(lambda: export_bundle(str(full), full=True))
    record("site export, full resend", summary["rows"], seconds, cpu, full)
    with hub.app_context():
        summary, seconds, cpu = hub_import(full)
        total = summary["inserted"] + summary["updated"] + summary["unchanged"]
        if summary["inserted"] or summary["updated"] or summary["conflicts"]:
            raise SystemExit(f"the full resend changed the hub: {summary}")
        held = db.session.scalar(select(func.count()).select_from(Attendance))
        if held != counts["attendance"]:
            raise SystemExit(f"attendance doubled: {held}")
    record("hub re-import, full resend (unchanged)", total, seconds, cpu, full,
           "every row looked up")
    with hub.app_context():
        rows, seconds, cpu = select_plain(up)
    record("baseline: Core SELECT by id", rows, seconds, cpu, None, "1,000 ids a query")

    dispose(hub)
    dispose(site)
    if backend == "postgres":
        base = pg_database(PG_NAME + "_base")
        rows, seconds, cpu = insert_plain(base, up)
        pg_database(PG_NAME + "_base", drop_only=True)
        pg_database(PG_NAME, drop_only=True)
    else:
        rows, seconds, cpu = insert_plain(f"sqlite:///{folder}/baseline.sqlite", up)
    record("baseline: Core INSERT executemany", rows, seconds, cpu, None,
           "decoded rows, empty tables, no FKs")
    return results


def table(results: list[dict]) -> None:
    say("")
    say(f"{'backend':<9}{'what':<42}{'rows':>9}{'s':>9}{'cpu s':>8}{'rows/s':>12}{'MB':>6}")
    for r in results:
        mb = f"{r['mb']:.1f}" if r["mb"] is not None else ""
        say(f"{r['backend']:<9}{r['what']:<42}{r['rows']:>9,}{r['seconds']:>9.3f}"
            f"{r['cpu_s']:>8.2f}{r['rows_per_s'] or 0:>12,}{mb:>6}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attendance", type=int, default=100_000)
    parser.add_argument("--playlogs", type=int, default=20_000)
    parser.add_argument("--screenings", type=int, default=2_000)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")
    folder = workdir("sync")
    say(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")
    results = []
    for backend in args.backends.split(","):
        results += run_backend(backend.strip(), args, folder / backend.strip())
    table(results)
    say(f"load average {os.getloadavg()[0]:.1f} at the end (other work on the machine slows "
        "every figure alike; compare with the baselines of the same run)")
    goals = {}
    for r in results:
        if r["what"] == "hub import (every row new)":
            goals[f"{r['backend']}_import_rows_per_s"] = r["rows_per_s"]
            goals[f"{r['backend']}_import_goal_met"] = r["rows_per_s"] >= 20_000
        if r["what"] == "hub re-import, full resend (unchanged)":
            goals[f"{r['backend']}_reimport_rows_per_s"] = r["rows_per_s"]
            goals[f"{r['backend']}_reimport_goal_met"] = r["rows_per_s"] >= 50_000
    finish({"results": results, **goals})


if __name__ == "__main__":
    main()

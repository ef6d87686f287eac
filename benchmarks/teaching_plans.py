"""Issuing a teaching plan to every site of the demo network, and changing it, on SQLite and
PostgreSQL, each against a bare bulk write of the same rows in the same run.

For each backend (a SQLite file, a fresh PostgreSQL database `dianjiao_bench_plans`): a fresh
database migrated the real way, an admin and an API token, then `load_demo(years=N)`: the named
demo and the seed's network around it (about 1,600 sites, with N years of history).

Measured, best of --runs, each call in a fresh session as a request has:

- **issue**: `POST /api/v1/teaching-plans` as the admin: a plan for next month over every
  township's sites with four sessions (the first Saturday, the 10th, the 16th at 09:00, the
  26th), two titles each (approved by the city): one screening per session and site, about
  6,400 screenings and 12,800 playlist rows, with the overlap check, the lacking titles and
  the reply. Each run issues a new plan; the plan is deleted (untimed) before the next run.
  Goal < 5 s.
- **baseline insert**: the same screening and playlist rows (new ids) written with
  `insert_rows` (COPY on PostgreSQL, executemany on SQLite) and committed, nothing else.
- **change**: `PATCH /api/v1/teaching-plans/ID` changing the first session's topic and time:
  its ~1,600 untouched screenings follow (new time, topic and playlist). Goal < 5 s.
- **baseline update**: the same rows updated by one executemany (times, topic) and their
  playlists deleted and inserted again, committed, nothing else.

    .venv/bin/python benchmarks/teaching_plans.py [--years 1] [--backends sqlite,postgres]
        [--runs 3] [--scale 1.0] [--keep]

Prints human lines (and the load average), then one JSON line.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import time
import uuid
from datetime import date, timedelta

from _common import PG_BASE, bench_app, finish, say, workdir

PG_NAME = "dianjiao_bench_plans"
GOAL_S = 5.0
TZ = "Asia/Shanghai"


def make_app(instance, url: str):
    return bench_app(instance, url, TZ)


def fresh_database(backend: str, root, keep: bool) -> tuple[str, bool]:
    """The backend's URL, and whether it holds a network kept by an earlier --keep run."""
    from sqlalchemy import create_engine, text

    if backend == "sqlite":
        folder = root / "instance-sqlite"
        kept = keep and (folder / "dianjiao.sqlite").exists()
        if not kept:
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
        return f"sqlite:///{folder / 'dianjiao.sqlite'}", kept
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        kept = keep and conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                     {"n": PG_NAME}).scalar() is not None
        if not kept:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{PG_NAME}"'))
    admin.dispose()
    return re.sub(r"/[^/]*$", f"/{PG_NAME}", PG_BASE), kept


def drop_postgres() -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
    admin.dispose()


def build(years: int, scale: float) -> tuple[float, str]:
    """Migrate, add an admin and its token, load the demo; return (seconds, token)."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import MIGRATIONS
    from app.auth.services import add_user, new_token
    from app.demo import load_demo
    from app.extensions import db

    upgrade(directory=MIGRATIONS)
    add_user("admin", "admin", "bench-pass-1")
    db.session.commit()
    started = time.perf_counter()
    for line in load_demo(years=years, scale=scale):
        say(f"  {line}")
    seconds = time.perf_counter() - started
    token = new_token("admin")
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    return round(seconds, 1), token


def next_month(today: date) -> tuple[date, date]:
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, last


def plan_body(name: str, first: date, last: date, townships: list[str],
              titles: list[str]) -> dict:
    def on(day: int) -> dict:
        return {"kind": "dates", "dates": [first.replace(day=day).isoformat()]}

    return {"name": name, "starts_on": first.isoformat(), "ends_on": last.isoformat(),
            "sites": {"townships": townships},
            "sessions": [
                {"topic": "党员学习日", "audience": "party_members", "rule": "first_saturday",
                 "titles": titles[0:2], "minutes": 60, "start_time": "14:00"},
                {"topic": "果树春季管理", "rule": on(10), "titles": titles[2:4], "minutes": 90},
                {"topic": "生猪防疫", "rule": on(16), "titles": titles[4:6], "minutes": 90,
                 "start_time": "09:00"},
                {"topic": "政策法规", "rule": on(26), "titles": titles[6:8], "minutes": 90}]}


def plan_rows(plan_id: str, session_id: str | None = None) -> tuple[list[dict], list[dict]]:
    """The plan's screenings (or one session's) and their playlist rows, as plain dicts."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Screening, ScreeningItem
    from app.models.teaching import TeachingSession

    sessions = select(TeachingSession.id).where(TeachingSession.plan_id == uuid.UUID(plan_id))
    if session_id:
        sessions = sessions.where(TeachingSession.id == uuid.UUID(session_id))
    table, items = Screening.__table__, ScreeningItem.__table__
    screenings = [dict(r._mapping) for r in db.session.execute(
        select(table).where(table.c.teaching_session_id.in_(sessions)))]
    ids = select(table.c.id).where(table.c.teaching_session_id.in_(sessions))
    playlist = [dict(r._mapping) for r in db.session.execute(
        select(items).where(items.c.screening_id.in_(ids)))]
    return screenings, playlist


def delete_plan(plan_id: str) -> None:
    from sqlalchemy import delete, select

    from app.extensions import db
    from app.models import Screening, ScreeningItem
    from app.models.teaching import TeachingPlan, TeachingSession

    pid = uuid.UUID(plan_id)
    sessions = select(TeachingSession.id).where(TeachingSession.plan_id == pid)
    screenings = select(Screening.id).where(Screening.teaching_session_id.in_(sessions))
    db.session.execute(delete(ScreeningItem).where(ScreeningItem.screening_id.in_(screenings)))
    db.session.execute(delete(Screening).where(Screening.teaching_session_id.in_(sessions)))
    db.session.execute(delete(TeachingSession).where(TeachingSession.plan_id == pid))
    db.session.execute(delete(TeachingPlan).where(TeachingPlan.id == pid))
    db.session.commit()


def call(client, method: str, url: str, **kwargs):
    """A request through the test client as its own request: the benchmark holds an app
    context, which the request shares, so the user Flask-Login remembered there is forgotten."""
    from flask import g

    g.pop("_login_user", None)
    return getattr(client, method)(url, **kwargs)


def best(times: list[float]) -> float:
    return round(min(times), 2)


def measure(app, token: str, runs: int) -> dict:
    from sqlalchemy import bindparam, delete, select, update

    from app.clock import today as local_today
    from app.extensions import db
    from app.models import Screening, ScreeningItem, Title, Unit
    from app.sync.bulk import insert_rows

    townships = list(db.session.scalars(select(Unit.name).where(Unit.kind == "township")
                                        .order_by(Unit.name)))
    titles = [str(t) for t in db.session.scalars(select(Title.id).where(Title.approved.is_(True))
                                                 .order_by(Title.name).limit(8))]
    first, last = next_month(local_today(TZ))
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    figures: dict = {"period": f"{first}..{last}", "townships": len(townships)}
    db.session.remove()

    issue_times, plan = [], None
    for run in range(runs):
        if plan is not None:
            delete_plan(plan["id"])
            db.session.remove()
        start = time.perf_counter()
        reply = call(client, "post", "/api/v1/teaching-plans",
                            json=plan_body(f"基准计划{run}", first, last, townships, titles))
        issue_times.append(time.perf_counter() - start)
        assert reply.status_code == 201, reply.get_data(as_text=True)
        plan = reply.json
        db.session.remove()
    figures["issue"] = {"s": best(issue_times), "runs": [round(t, 2) for t in issue_times],
                        "screenings": plan["screenings_made"], "sites": plan["sites_covered"],
                        "overlaps": len(plan["overlaps"]), "lacking": len(plan["lacking"])}
    screenings, items = plan_rows(plan["id"])
    figures["issue"]["playlist_rows"] = len(items)

    base_times = []
    for _run in range(runs):
        new_ids = {row["id"]: uuid.uuid4() for row in screenings}
        copies = [{**row, "id": new_ids[row["id"]]} for row in screenings]
        item_copies = [{**row, "id": uuid.uuid4(), "screening_id": new_ids[row["screening_id"]]}
                       for row in items]
        start = time.perf_counter()
        insert_rows(Screening.__table__, copies)
        insert_rows(ScreeningItem.__table__, item_copies)
        db.session.commit()
        base_times.append(time.perf_counter() - start)
        gone = list(new_ids.values())
        for i in range(0, len(gone), 1000):
            part = gone[i:i + 1000]
            db.session.execute(delete(ScreeningItem).where(ScreeningItem.screening_id.in_(part)))
            db.session.execute(delete(Screening).where(Screening.id.in_(part)))
        db.session.commit()
        db.session.remove()
    figures["baseline_insert"] = {"s": best(base_times), "runs": [round(t, 2) for t in base_times],
                                  "screenings": len(copies), "playlist_rows": len(item_copies)}

    keys = ("id", "topic", "audience", "titles", "rule", "start_time", "minutes")
    sessions = [{k: s[k] for k in keys} for s in call(
        client, "get", f"/api/v1/teaching-plans/{plan['id']}").json["sessions"]]
    change_times, followed = [], 0
    for run in range(runs):
        first_session = {**sessions[0], "topic": f"党员学习日（第{run + 1}次修订）",
                         "start_time": ("15:00", "14:30")[run % 2]}
        body = {"sessions": [first_session] + sessions[1:]}
        start = time.perf_counter()
        reply = call(client, "patch", f"/api/v1/teaching-plans/{plan['id']}", json=body)
        change_times.append(time.perf_counter() - start)
        assert reply.status_code == 200, reply.get_data(as_text=True)
        followed = reply.json["followed"]
        db.session.remove()
    figures["change"] = {"s": best(change_times), "runs": [round(t, 2) for t in change_times],
                         "followed": followed}

    rows, playlist = plan_rows(plan["id"], sessions[0]["id"])
    table = Screening.__table__
    update_times = []
    for run in range(runs):
        shift = timedelta(minutes=(30, -30)[run % 2])
        moves = [{"_id": r["id"], "starts_at": r["starts_at"] + shift,
                  "ends_at": r["ends_at"] + shift, "recurrence_at": r["starts_at"] + shift,
                  "topic": f"基准{run}", "audience": r["audience"],
                  "updated_at": r["updated_at"]} for r in rows]
        fresh = [{**item, "id": uuid.uuid4()} for item in playlist]
        ids = [r["id"] for r in rows]
        start = time.perf_counter()
        db.session.execute(update(table).where(table.c.id == bindparam("_id")).values(
            {k: bindparam(k) for k in ("starts_at", "ends_at", "recurrence_at", "topic",
                                       "audience", "updated_at")}), moves)
        for i in range(0, len(ids), 1000):
            db.session.execute(delete(ScreeningItem).where(
                ScreeningItem.screening_id.in_(ids[i:i + 1000])))
        insert_rows(ScreeningItem.__table__, fresh)
        db.session.commit()
        update_times.append(time.perf_counter() - start)
        rows = [{**r, "starts_at": m["starts_at"], "ends_at": m["ends_at"]}
                for r, m in zip(rows, moves, strict=True)]
        playlist = fresh
        db.session.remove()
    figures["baseline_update"] = {"s": best(update_times),
                                  "runs": [round(t, 2) for t in update_times],
                                  "screenings": len(rows), "playlist_rows": len(playlist)}
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true",
                        help="keep the databases, and reuse kept ones instead of building")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="shrink the network (a quick check of the script)")
    args = parser.parse_args()
    root = workdir("teaching_plans")
    results = {}
    for backend in args.backends.split(","):
        url, kept = fresh_database(backend, root, args.keep)
        app = make_app(root / f"instance-{backend}", url)
        say(f"{backend}: " + ("reusing the kept network" if kept else
                              f"building the demo network with {args.years} year(s) of history"))
        with app.app_context():
            from sqlalchemy import func, select

            from app.auth.services import new_token
            from app.extensions import db
            from app.models import Screening, Site
            from app.models.teaching import TeachingPlan

            if kept:
                for plan_id in db.session.scalars(select(TeachingPlan.id)).all():
                    delete_plan(str(plan_id))  # a run's last plan
                built, token = None, new_token("admin")
                db.session.commit()
            else:
                built, token = build(args.years, args.scale)
            rows = {"sites": db.session.scalar(select(func.count()).select_from(Site)),
                    "screenings": db.session.scalar(select(func.count()).select_from(Screening))}
            say(f"  {rows['sites']} sites, {rows['screenings']} screenings; built in {built} s")
            load_before = os.getloadavg()
            figures = measure(app, token, args.runs)
            load_after = os.getloadavg()
            db.session.remove()
            db.engine.dispose()
        figures["load"] = {"before": [round(x, 2) for x in load_before],
                           "after": [round(x, 2) for x in load_after], "cpus": os.cpu_count()}
        results[backend] = {"build_s": built, "rows": rows, **figures}
        f = figures
        say(f"  issue (POST /api/v1/teaching-plans): {f['issue']['s']} s for "
            f"{f['issue']['screenings']} screenings + {f['issue']['playlist_rows']} playlist rows "
            f"at {f['issue']['sites']} sites (runs {f['issue']['runs']}); goal < {GOAL_S} s "
            f"{'met' if f['issue']['s'] < GOAL_S else 'NOT met'}")
        say(f"  baseline bulk insert of the same rows: {f['baseline_insert']['s']} s "
            f"(runs {f['baseline_insert']['runs']})")
        say(f"  change (PATCH a session's topic and time): {f['change']['s']} s, "
            f"{f['change']['followed']} screenings followed (runs {f['change']['runs']}); "
            f"goal < {GOAL_S} s {'met' if f['change']['s'] < GOAL_S else 'NOT met'}")
        say(f"  baseline bulk update of the same rows and their playlists: "
            f"{f['baseline_update']['s']} s (runs {f['baseline_update']['runs']})")
        say(f"  load average before {f['load']['before']}, after {f['load']['after']}, "
            f"{f['load']['cpus']} CPUs")
        if backend == "postgres" and not args.keep:
            drop_postgres()
    finish({"benchmark": "teaching_plans", "years": args.years, "runs": args.runs,
            "scale": args.scale,
            "goal_s": GOAL_S, "backends": results})


if __name__ == "__main__":
    main()

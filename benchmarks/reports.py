"""Report roll-ups and whereis on ten years of the demo network, on SQLite and PostgreSQL.

For each backend (a SQLite file, a PostgreSQL scratch database `dianjiao_bench`): a fresh
database migrated the real way, an admin, then `load_demo(years=N)`: the named demo and the
seed's network around it (1,611 sites, ~4,800 people, 300 titles, 3,800 kits) with N years of
screenings, play logs and sign-ins (~100,000 sign-ins a year). PostgreSQL gets an ANALYZE after
the load (autovacuum would run one soon after on a real hub); SQLite is left as the app leaves it.
`--keep` keeps the databases and reuses them on the next run (the build takes minutes).

Measured, best of --runs after one warm-up, each call in a fresh session as a request has:

- the city's monthly roll-up, `rollup(None, month)` + `rollup_dict` (every active site's card
  and its alerts, which look back two months), and a township's (`rollup(township, month)`, the
  township with the most sites), for the last full month; goal < 1 s each;
- whereis of a series across all sites: `holdings()` for 乡土教材 (the series held most widely)
  as an administrator, and the whole `GET /api/v1/whereis?series=...` (holders, their dicts and
  the coverage lines) through the test client; goal < 200 ms;
- baselines in the same run: `SELECT count(*) FROM attendance` (one pass over the biggest
  table), and the per-site loop over the same township, `monthly_card` + `alerts_for` site by
  site, as the roll-up was computed before it was set-based.

    .venv/bin/python benchmarks/reports.py [--years 10] [--backends sqlite,postgres]
        [--runs 5] [--keep]

Prints human lines, then one JSON line.
"""

from __future__ import annotations

import argparse
import time
from urllib.parse import quote

from _common import PG_BASE, bench_app, finish, kept_database, say, timed, workdir

PG_NAME = "dianjiao_bench"
SERIES = "乡土教材"
GOALS_MS = {"city": 1000, "township": 1000, "holdings": 200, "whereis_api": 200}
TZ = "Asia/Shanghai"


def make_app(instance, url: str):
    return bench_app(instance, url, TZ)


def database(backend: str, root, keep: bool) -> tuple[str, bool]:
    """The backend's URL, and whether it already holds a kept network."""
    return kept_database(backend, root, keep, PG_NAME)


def drop_postgres() -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
    admin.dispose()


def build(app, years: int) -> dict:
    """Migrate, add an admin, load the demo with `years` of history; return the row counts."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import MIGRATIONS
    from app.auth.services import add_user
    from app.demo import load_demo
    from app.extensions import db

    upgrade(directory=MIGRATIONS)
    add_user("admin", "admin", "bench-pass-1")
    db.session.commit()
    started = time.perf_counter()
    for line in load_demo(years=years):
        say(f"  {line}")
    seconds = time.perf_counter() - started
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    return {"build_s": round(seconds, 1)}


def counts() -> dict:
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Attendance, PlayLog, Screening, Shipment, Site

    return {name: db.session.scalar(select(func.count()).select_from(model))
            for name, model in (("sites", Site), ("screenings", Screening),
                                ("play_logs", PlayLog), ("attendance", Attendance),
                                ("kits", Shipment))}


def measure(app, runs: int) -> dict:
    from sqlalchemy import select, text

    from app.auth.services import new_token
    from app.clock import shift, today
    from app.distribution.holdings import holdings, series_titles
    from app.extensions import db
    from app.models import Site, Unit, User
    from app.reports.alerts import alerts_for
    from app.reports.card import rules_from
    from app.reports.kept_card import monthly_card
    from app.reports.rollup import rollup, rollup_dict

    rules = rules_from(app.config["REPORT_RULES"])
    month = shift(today(TZ).replace(day=1), -1)
    parent = dict(db.session.execute(select(Unit.id, Unit.parent_id)).all())
    towns = dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.kind == "township")).all())
    per_town: dict = {}
    for (unit_id,) in db.session.execute(select(Site.unit_id).where(Site.active.is_(True))):
        town_id = unit_id if unit_id in towns else parent.get(unit_id)
        per_town[town_id] = per_town.get(town_id, 0) + 1
    township = db.session.get(Unit, max(towns, key=lambda t: per_town.get(t, 0)))
    township_id, township_name = township.id, township.name
    token = new_token("admin")
    db.session.commit()
    admin_id = db.session.scalar(select(User.id).where(User.username == "admin"))
    figures: dict[str, dict] = {}

    def town():
        return db.session.get(Unit, township_id)

    ms, total = timed(runs, lambda: db.session.scalar(text("SELECT count(*) FROM attendance")))
    figures["baseline_count"] = {"ms": ms, "rows": total}
    ms, body = timed(runs, lambda: rollup_dict(rollup(None, month, tz=TZ, rules=rules), tz=TZ))
    figures["city"] = {"ms": ms, "sites": body["sites"], "alerts": len(body["alerts"])}
    ms, body = timed(runs, lambda: rollup_dict(rollup(town(), month, tz=TZ, rules=rules), tz=TZ))
    figures["township"] = {"ms": ms, "sites": body["sites"], "alerts": len(body["alerts"]),
                           "name": township_name}

    def per_site():
        sites = db.session.scalars(select(Site).where(
            Site.active.is_(True), Site.unit_id.in_(
                select(Unit.id).where((Unit.id == township_id) | (Unit.parent_id == township_id)))
        ).order_by(Site.code)).all()
        alerts = 0
        for site in sites:
            card = monthly_card(site, month, tz=TZ, rules=rules)
            alerts += len(alerts_for(card, tz=TZ, rules=rules))
        return len(sites), alerts

    ms, (sites, alerts) = timed(1, per_site)
    figures["township_per_site"] = {"ms": ms, "sites": sites, "alerts": alerts}

    def where():
        return holdings(db.session.get(User, admin_id), series_titles(SERIES))

    ms, found = timed(runs, where)
    figures["holdings"] = {"ms": ms, "holders": len(found), "series": SERIES}
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"

    def api():
        response = client.get(f"/api/v1/whereis?series={quote(SERIES)}&limit=500")
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.json

    ms, body = timed(runs, api)
    figures["whereis_api"] = {"ms": ms, "holders": body["total"], "bytes": len(str(body))}
    figures["month"] = month.strftime("%Y-%m")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true",
                        help="keep the databases, and reuse kept ones instead of building")
    args = parser.parse_args()
    root = workdir("reports")
    results = {}
    for backend in args.backends.split(","):
        url, kept = database(backend, root, args.keep)
        app = make_app(root / f"instance-{backend}", url)
        say(f"{backend}: {'reusing the kept network' if kept else f'building {args.years} years'}")
        with app.app_context():
            from app.extensions import db

            built = {} if kept else build(app, args.years)
            rows = counts()
            say(f"  {rows['sites']} sites, {rows['screenings']} screenings, "
                f"{rows['play_logs']} play logs, {rows['attendance']} sign-ins, {rows['kits']} kits"
                + (f"; built in {built['build_s']} s" if built else ""))
            figures = measure(app, args.runs)
            db.session.remove()
            db.engine.dispose()
        results[backend] = {**built, "rows": rows, **figures}
        f = figures
        say(f"  baseline SELECT count(*) FROM attendance: {f['baseline_count']['ms']} ms "
            f"({f['baseline_count']['rows']} rows)")
        for key, label in (("city", "city roll-up"), ("township", f"township roll-up "
                                                              f"({f['township']['name']})")):
            say(f"  {label}, {f['month']}: {f[key]['ms']} ms, {f[key]['sites']} sites, "
                f"{f[key]['alerts']} alerts; goal < {GOALS_MS[key]} ms "
                f"{'met' if f[key]['ms'] < GOALS_MS[key] else 'NOT met'}")
        say(f"  baseline per-site loop (monthly_card + alerts_for) on the same township: "
            f"{f['township_per_site']['ms']} ms, {f['township_per_site']['alerts']} alerts")
        for key, label in (("holdings", "holdings()"), ("whereis_api", "GET /api/v1/whereis")):
            say(f"  {label} for {SERIES}: {f[key]['ms']} ms, {f[key].get('holders')} holders; "
                f"goal < {GOALS_MS[key]} ms {'met' if f[key]['ms'] < GOALS_MS[key] else 'NOT met'}")
        if backend == "postgres" and not args.keep:
            drop_postgres()
    finish({"benchmark": "reports", "years": args.years, "runs": args.runs, "goals_ms": GOALS_MS,
            "backends": results})


if __name__ == "__main__":
    main()

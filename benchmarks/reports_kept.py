"""The city roll-up and a monthly card from the kept monthly figures, at ten times the seed's
network over ten years, against the same reports computed from every row, on SQLite and
PostgreSQL.

For each backend (a SQLite file, a PostgreSQL scratch database `dianjiao_bench_kept`): a fresh
database migrated the real way, an admin, then `load_demo(years=N, scale=S)` (S=10: ~16,000
sites, ~48,000 people, ~10 M sign-ins over ten years), which ends by computing the kept figures
of every month (`reports rebuild`). The build is timed. PostgreSQL gets an ANALYZE after it.
`--keep` keeps the databases and reuses them on the next run.

Measured, best of --runs after one warm-up, each call in a fresh session as a request has, for
the last full month:

- the city's roll-up, `rollup(None, month)` + `rollup_dict`, from the kept figures; its baseline
  in the same run is the same call computing every card from the rows (`recompute=True`, as
  before the figures were kept); goal < 100 ms;
- the city's roll-up page, `summary(None, month)` (reports/summary.py: counted by the database,
  a page of 50 cards and alerts), for the last full month and the same month five years before,
  three times: counted with everything read (the remembered answers forgotten first: the first
  view), counted after an old month's figures changed (the `months` stamp moved on: the unit
  tree and the roster per unit are still remembered), and remembered (reports/remembered.py:
  asked again while the database's stamps did not move);
  goal < 100 ms; and the page of the month in progress, counted at every view (never
  remembered), with everything read;
- the monthly card of the busiest playback point, `monthly_card` + `card_dict`, against
  `computed_card` (from its rows); goal < 100 ms;
- `SELECT count(*) FROM attendance`, one pass over the biggest table, for scale;
- one sign-in and its commit (the figures kept at commit), against the same without the
  figures' work (the listener's touches dropped), at a held screening.

    .venv/bin/python benchmarks/reports_kept.py [--scale 10] [--years 10]
        [--backends sqlite,postgres] [--runs 5] [--keep]

Prints human lines, then one JSON line.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from _common import bench_app, finish, kept_database, say, timed, workdir

PG_NAME = "dianjiao_bench_kept"
GOAL_MS = 100
TZ = "Asia/Shanghai"


def database(backend: str, root, keep: bool) -> tuple[str, bool]:
    """The backend's URL, and whether it already holds a kept network."""
    return kept_database(backend, root, keep, PG_NAME)


def build(years: int, scale: float) -> dict:
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
    for line in load_demo(years=years, scale=scale):
        say(f"  {line}  [{time.perf_counter() - started:.0f} s]")
    seconds = time.perf_counter() - started
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    return {"build_s": round(seconds, 1)}


def measure(app, runs: int) -> dict:
    from sqlalchemy import func, select, text

    from app.clock import month_bounds, shift, today
    from app.extensions import db
    from app.models import Attendance, Screening, Site, SiteMonth
    from app.reports.card import card_dict, computed_card, rules_from
    from app.reports.kept_card import monthly_card
    from app.reports.remembered import forget
    from app.reports.rollup import rollup, rollup_dict
    from app.reports.summary import summary

    rules = rules_from(app.config["REPORT_RULES"])
    month = shift(today(TZ).replace(day=1), -1)
    start, end = month_bounds(month, TZ)
    busiest = db.session.scalar(
        select(Screening.site_id).join(Attendance, Attendance.screening_id == Screening.id)
        .where(Screening.starts_at >= start, Screening.starts_at < end)
        .group_by(Screening.site_id).order_by(func.count().desc()).limit(1))
    figures: dict = {"month": month.strftime("%Y-%m")}
    ms, rows = timed(runs, lambda: db.session.scalar(text("SELECT count(*) FROM attendance")))
    figures["baseline_count"] = {"ms": ms, "rows": rows}
    figures["site_months"] = db.session.scalar(select(func.count()).select_from(SiteMonth))

    def city(recompute: bool):
        body = rollup_dict(rollup(None, month, tz=TZ, rules=rules, recompute=recompute), tz=TZ)
        return body["sites"], len(body["alerts"]), body["attendance"]

    for key, recompute, repeat in (("city_kept", False, runs), ("city_recomputed", True, 1)):
        ms, (sites, alerts, attendance) = timed(repeat, lambda r=recompute: city(r))
        figures[key] = {"ms": ms, "sites": sites, "alerts": alerts, "attendance": attendance}

    def page(of: date, before: str):  # the roll-up page: a page of cards and alerts
        if before == "forget":  # counted by the database, everything read again
            forget()
        elif before == "figures":  # as after a late sign-in in an old month: its stamp moved
            db.session.execute(text("UPDATE report_stamps SET n = n + 1 WHERE name = 'months'"))
            db.session.commit()
        result = summary(None, of, tz=TZ, rules=rules)
        return result.sites, result.alert_count, result.totals["attendance"]

    this = shift(month, 1)  # the month in progress: counted at every view, never remembered
    ms, (sites, alerts, attendance) = timed(runs, lambda: page(this, "forget"))
    figures["city_page_in_progress"] = {"ms": ms, "sites": sites, "alerts": alerts,
                                        "attendance": attendance,
                                        "month": this.strftime("%Y-%m")}
    for key, of in (("city_page", month), ("city_page_5_years_ago", shift(month, -60))):
        for suffix, before in (("", "forget"), ("_after_figures_changed", "figures"),
                               ("_remembered", "nothing")):
            ms, (sites, alerts, attendance) = timed(runs, lambda m=of, b=before: page(m, b))
            figures[key + suffix] = {"ms": ms, "sites": sites, "alerts": alerts,
                                     "attendance": attendance, "month": of.strftime("%Y-%m")}

    def card(fn):
        site = db.session.get(Site, busiest)
        return card_dict(fn(site, month, tz=TZ, rules=rules), tz=TZ)

    for key, fn in (("card_kept", monthly_card), ("card_recomputed", computed_card)):
        ms, body = timed(runs, lambda f=fn: card(f))
        figures[key] = {"ms": ms, "site": body["site"], "attendance": body["attendance"]}
    def sums():  # what the city's totals alone cost from the kept rows: one GROUP BY in SQL
        table = SiteMonth.__table__
        return db.session.execute(
            select(Site.unit_id, func.count(), *[func.sum(table.c[name]) for name in (
                "sessions", "minutes", "attendance", "participants", "missed")])
            .join(Site, Site.id == table.c.site_id)
            .where(table.c.month == month, Site.active.is_(True)).group_by(Site.unit_id)).all()

    ms, lines = timed(runs, sums)
    figures["city_sums_sql"] = {"ms": ms, "units": len(lines)}
    city_answers = [(figures[k]["sites"], figures[k]["alerts"], figures[k]["attendance"])
                    for k in ("city_kept", "city_recomputed", "city_page")]
    figures["same_answers"] = (city_answers[0] == city_answers[1] == city_answers[2]
                               and figures["card_kept"]["attendance"]
                               == figures["card_recomputed"]["attendance"])
    figures.update(signin(busiest, month))
    return figures


def signin(site_id, month) -> dict:
    """One operator's sign-in at a held screening of the month and its commit, with the kept
    figures' work and without it (its touches dropped before the commit), best of 20 each."""
    from sqlalchemy import select

    from app.attendance.services import sign_in
    from app.clock import month_bounds
    from app.extensions import db
    from app.models import Attendance, Person, Screening
    from app.reports.kept import keep
    from app.reports.touches import KEY, Touched

    start, end = month_bounds(month, TZ)
    screening_id = db.session.scalar(select(Screening.id).where(
        Screening.site_id == site_id, Screening.status == "done",
        Screening.starts_at >= start, Screening.starts_at < end).limit(1))
    people = db.session.scalars(select(Person.id).where(
        Person.walkin.is_(False), Person.party_member.is_(True),
        ~Person.id.in_(select(Attendance.person_id).where(
            Attendance.screening_id == screening_id))).limit(40)).all()
    result, dropped = {}, Touched()
    for key, kept in (("signin_kept", True), ("signin_bare", False)):
        best = float("inf")
        for person_id in people[:20] if kept else people[20:]:
            screening = db.session.get(Screening, screening_id)
            person = db.session.get(Person, person_id)
            began = time.perf_counter()
            sign_in(screening, method="operator", person=person, status="present")
            if not kept:
                dropped.signs |= db.session.info.pop(KEY, Touched()).signs
            db.session.commit()
            best = min(best, time.perf_counter() - began)
            db.session.remove()
        result[key] = {"ms": round(best * 1000, 2)}
    keep(dropped)  # the figures of the bare sign-ins, kept after all: a re-run reads them right
    db.session.commit()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--scale", type=float, default=10)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true",
                        help="keep the databases, and reuse kept ones instead of building")
    args = parser.parse_args()
    root = workdir("reports-kept")
    results = {}
    for backend in args.backends.split(","):
        url, kept = database(backend, root, args.keep)
        app = bench_app(root / f"instance-{backend}", url, TZ)
        say(f"{backend}: {'reusing the kept network' if kept else 'building'} "
            f"(scale {args.scale}, {args.years} years)")
        with app.app_context():
            from app.extensions import db

            if kept:  # a network built by an earlier version: its schema brought up to date
                from flask_migrate import upgrade

                from app import MIGRATIONS

                upgrade(directory=MIGRATIONS)
            built = {} if kept else build(args.years, args.scale)
            figures = measure(app, args.runs)
            db.session.remove()
            db.engine.dispose()
        results[backend] = {**built, **figures}
        f = figures
        say(f"  {f['baseline_count']['rows']} sign-ins (SELECT count(*): "
            f"{f['baseline_count']['ms']} ms), {f['site_months']} kept site-months"
            + (f"; built in {built['build_s']} s" if built else ""))
        for kind, label in (("city", "city roll-up"), ("card", "monthly card")):
            kept_ms, base_ms = f[f"{kind}_kept"]["ms"], f[f"{kind}_recomputed"]["ms"]
            say(f"  {label}, {f['month']}: kept {kept_ms} ms, recomputed (baseline) {base_ms} ms; "
                f"goal < {GOAL_MS} ms {'met' if kept_ms < GOAL_MS else 'NOT met'}")
        for key in ("city_page_in_progress", "city_page", "city_page_after_figures_changed",
                    "city_page_remembered",
                    "city_page_5_years_ago", "city_page_5_years_ago_after_figures_changed",
                    "city_page_5_years_ago_remembered"):
            page = f[key]
            how = ("remembered while nothing it counts changed" if key.endswith("remembered")
                   else "counted in SQL, the tree and roster remembered: after a change of "
                        "an old month's figures" if key.endswith("changed")
                   else "the month in progress, counted in SQL at every view, everything read"
                   if key.endswith("progress")
                   else "counted in SQL, everything read: the first view")
            say(f"  city roll-up page ({how}; 50 cards and alerts), {page['month']}: "
                f"{page['ms']} ms against the recomputed roll-up's {f['city_recomputed']['ms']} ms; "
                f"goal < {GOAL_MS} ms {'met' if page['ms'] < GOAL_MS else 'NOT met'}")
        say(f"  the city's sums alone from the kept rows (one GROUP BY by unit): "
            f"{f['city_sums_sql']['ms']} ms")
        say(f"  same answers: {f['same_answers']}; a sign-in and its commit: "
            f"{f['signin_kept']['ms']} ms with the figures kept, {f['signin_bare']['ms']} ms "
            f"without")
    finish({"benchmark": "reports_kept", "scale": args.scale, "years": args.years,
            "runs": args.runs, "goal_ms": GOAL_MS, "backends": results})


if __name__ == "__main__":
    main()

"""The demo: the named network, and the seed's network around it at a small scale (2 %).

The bulk network is drawn from a seeded generator, so the same `today` gives the same rows; the
report roll-ups computed on it are the same read site by site or all at once.
"""

from __future__ import annotations

import os
import shutil
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.demo import load_demo
from app.extensions import db
from app.models import (
    Attendance,
    Person,
    PlayLog,
    Screening,
    Shipment,
    Site,
    Title,
    Unit,
)
from app.reports import card as report_card
from app.reports.alerts import alert_dict, alerts_for
from app.reports.card import card_dict
from app.reports.kept_card import monthly_card
from app.reports.rollup import rollup, rollup_dict

pytestmark = pytest.mark.both_databases  # see tests/conftest.py

TODAY = date(2025, 6, 18)
SCALE = 0.02  # 3 more playback points, 25 center households, 2 demo households, 1 talent, 1 association
RULES = [("group_sessions", 2.0), ("study_hours", 20.0), ("six_days", 3.0)]


def load(scale: float = SCALE, years: int = 1) -> list[str]:
    return list(load_demo(years=years, scale=scale, today=TODAY))


def counts() -> dict:
    def count(model, *where):
        return db.session.scalar(select(func.count()).select_from(model).where(*where))

    return {
        "sites": dict(db.session.execute(select(Site.kind, func.count()).group_by(Site.kind)).all()),
        "townships": count(Unit, Unit.kind == "township"),
        "villages": count(Unit, Unit.kind == "village"),
        "titles": count(Title), "people": count(Person),
        "party_members": count(Person, Person.party_member.is_(True)),
        "kits": count(Shipment), "screenings": count(Screening), "play_logs": count(PlayLog),
        "attendance": count(Attendance),
    }


def figures(month: date) -> dict:
    """The city's roll-up of a month, as the API answers it, without the generated ids."""
    return rollup_dict(rollup(None, month, tz="Asia/Shanghai", rules=RULES),
                               tz="Asia/Shanghai")


def test_the_demo_builds_the_seed_network_at_a_small_scale(app):
    lines = load()
    assert any(line.startswith("History to 2025-06") for line in lines)
    found = counts()
    assert found["sites"] == {"station": 1, "playback_point": 4 + 3, "center_household": 2 + 25,
                              "demo_household": 1 + 2, "local_talent": 1 + 1,
                              "tech_association": 1 + 1}
    assert found["townships"] == 2 + 1 and found["villages"] == 4 + 3
    assert found["titles"] == 300
    assert found["people"] > 30 + 3 * 20 and found["party_members"] > 12 + 3 * 4
    assert found["kits"] > 0 and found["screenings"] > 100
    assert found["play_logs"] > found["screenings"] and found["attendance"] > 1000
    assert set(db.session.scalars(select(Title.series).distinct())) == {
        "乡土教材", "农村实用科技", "自制片"}
    assert db.session.scalar(select(Title).where(Title.name == "基石")) is not None
    statuses = set(db.session.scalars(select(Screening.status).distinct()))
    assert {"done", "partial", "missed", "cancelled"} <= statuses
    kit_statuses = set(db.session.scalars(select(Shipment.status).distinct()))
    assert {"planned", "sent", "received", "verified"} <= kit_statuses
    # the history ends before the day: nothing is left to plan, play or close at sign-in
    p001 = db.session.scalar(select(Site).where(Site.code == "P-001"))
    bulk = (Screening.site_id != p001.id,)
    assert db.session.scalar(select(func.max(Screening.starts_at)).where(*bulk)).date() < TODAY
    assert db.session.scalar(select(func.count()).select_from(Screening).where(
        *bulk, Screening.attendance_closed.is_(False))) == 0
    # the named demo is untouched: P-001's screenings, the people of 东村
    assert db.session.scalar(select(func.count()).select_from(Screening).where(
        Screening.site_id == p001.id)) == 12
    east = db.session.scalar(select(Unit).where(Unit.name == "东村"))
    assert db.session.scalar(select(func.count()).select_from(Person).where(
        Person.village_id == east.id)) == 8

    city = figures(date(2025, 5, 1))
    assert city["sites"] == sum(found["sites"].values()) and city["sessions"] > 0
    assert {a["level"] for a in city["alerts"]} == {"site", "township", "city"}


def test_loading_again_adds_nothing_and_if_empty_skips(app):
    load()
    before = counts()
    load()
    assert counts() == before
    result = app.test_cli_runner().invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0 and "not loaded" in result.output
    assert counts() == before


def test_scale_zero_is_the_named_demo_alone(app):
    load(scale=0)
    found = counts()
    assert sum(found["sites"].values()) == 10 and found["titles"] == 10
    assert found["attendance"] == 0 and found["people"] == 30


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_same_day_gives_the_same_network(app, tmp_path, sqlite_template):
    """Two fresh databases, one seed: the same counts and the same report figures."""
    from app import create_app

    load()
    first, first_figures = counts(), figures(date(2025, 4, 1))
    instance = tmp_path / "second"
    instance.mkdir()
    shutil.copy(sqlite_template, instance / "dianjiao.sqlite")
    other = create_app({"INSTANCE": str(instance), "SECRET_KEY": "x", "TESTING": True,
                        "TIMEZONE": "Asia/Shanghai", "SITE": None,
                        "PASSWORD_HASH_METHOD": app.config["PASSWORD_HASH_METHOD"],
                        "DATABASE_URL": f"sqlite:///{os.path.join(instance, 'dianjiao.sqlite')}"})
    with other.app_context():
        load()
        assert counts() == first
        assert figures(date(2025, 4, 1)) == first_figures
        db.session.remove()
        db.engine.dispose()


def test_card_by_card_and_all_at_once_agree(app, monkeypatch):
    """A few sites are read site by site, many with one pass over the month: same figures."""
    load()
    month = date(2025, 5, 1)
    many = figures(month)
    monkeypatch.setattr(report_card, "FEW_SITES", 10_000)
    assert figures(month) == many
    for code in ("P-005", "H-0003", "A-002"):
        site = db.session.scalar(select(Site).where(Site.code == code))
        card = monthly_card(site, month, tz="Asia/Shanghai", rules=RULES)
        assert card_dict(card, tz="Asia/Shanghai") == next(
            c for c in many["cards"] if c["site"] == code)
        alerts = alerts_for(card, tz="Asia/Shanghai", rules=RULES)
        assert sorted(map(str, (alert_dict(a) for a in alerts))) == sorted(
            str(a) for a in many["alerts"] if a["site"] == code)


def test_earlier_years_are_the_last_one_copied_back_with_their_kept_figures(app):
    """`--years 3`: the last twelve months (and the one in progress) are generated, the two years
    before them copied in the database (demo_years). A copied month holds the rows of the same
    month two years later, at the same local days and hours, with new ids; its kept figures are
    what a rebuild counts from the copied rows."""
    from app.clock import month_bounds
    from app.models.figures import SiteMonth
    from app.reports import kept

    lines = load(years=3)
    assert any(line.startswith("History of 2022-06 to 2023-05 copied") for line in lines)
    start, end = (month_bounds(date(2024, 6, 1), "Asia/Shanghai")[0],
                  month_bounds(date(2025, 6, 1), "Asia/Shanghai")[0])
    signed = select(func.count()).select_from(Attendance).join(
        Screening, Screening.id == Attendance.screening_id)
    generated_year = db.session.scalar(signed.where(Screening.starts_at >= start,
                                                    Screening.starts_at < end))
    this_month = db.session.scalar(signed.where(Screening.starts_at >= end))

    def month_rows(month: date) -> tuple[int, int, list]:
        start, end = month_bounds(month, "Asia/Shanghai")
        held = select(Screening.id).where(Screening.starts_at >= start, Screening.starts_at < end)
        return (db.session.scalar(select(func.count()).select_from(held.subquery())),
                db.session.scalar(select(func.count()).where(Attendance.screening_id.in_(held))),
                sorted((s.day, s.hour, s.minute) for s in (
                    t.astimezone(ZoneInfo("Asia/Shanghai")) for t in db.session.scalars(
                        select(Screening.starts_at).where(Screening.starts_at >= start,
                                                          Screening.starts_at < end)))))

    # March 2023 holds what March 2025 holds, two years earlier, under new ids
    generated, copied = month_rows(date(2025, 3, 1)), month_rows(date(2023, 3, 1))
    assert copied == generated and copied[0] > 0 and copied[1] > 0
    ids = db.session.scalars(select(Attendance.id)).all()
    assert len(ids) == len(set(ids))
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 3 * generated_year + this_month
    # nothing before the first month of the history
    assert db.session.scalar(select(func.min(Screening.starts_at))) >= month_bounds(
        date(2022, 6, 1), "Asia/Shanghai")[0]

    # the copied kept figures are those a rebuild of the month counts from the copied rows
    table = SiteMonth.__table__

    def kept_rows(month: date) -> list:
        return sorted(tuple(row) for row in db.session.execute(
            select(table).where(table.c.month == month)))

    for month in (date(2023, 3, 1), date(2024, 1, 1)):
        before = kept_rows(month)
        assert before
        for _group, _written in kept.rebuild(month):
            pass
        assert kept_rows(month) == before

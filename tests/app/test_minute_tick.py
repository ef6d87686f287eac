"""The runner's minute tick takes each screening and each plan on its own: one poisoned row (a
screening dated in year 1, a plan whose screening was moved to year 9999, both stored before
dates were checked) is logged and passed over, and every other one is closed or extended."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from app.extensions import db
from app.models import Attendance, Person, Screening, Series
from app.runner import ScreeningRunner

pytestmark = pytest.mark.both_databases  # see tests/conftest.py

FAR = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0)


def count(series: Series) -> int:
    return db.session.scalar(select(func.count(Screening.id)).where(
        Screening.series_id == series.id))


def test_one_poisoned_screening_and_plan_stop_nothing_else(app, make, now, caplog):
    site = make.site("P-001")
    db.session.add(Person(name="张三", village_id=site.unit_id))
    held = Screening(site_id=site.id, starts_at=now - timedelta(days=1, hours=2),
                     ends_at=now - timedelta(days=1), topic="果树修剪", status="done")
    year_one = Screening(site_id=site.id, starts_at=datetime(1, 1, 1, 0, 10, tzinfo=UTC),
                         ends_at=datetime(1, 1, 1, 1, 10, tzinfo=UTC), topic="零年",
                         status="done")
    db.session.add_all([held, year_one])
    poisoned = make.series(site, first=now + timedelta(days=1, hours=1), topic="坏计划")
    moved = db.session.scalars(select(Screening).where(Screening.series_id == poisoned.id)).first()
    moved.starts_at = moved.recurrence_at = FAR
    moved.ends_at = FAR + timedelta(minutes=30)
    good = make.series(site, first=now + timedelta(days=1, hours=4), topic="好计划")
    made = count(good)
    db.session.execute(delete(Screening).where(Screening.series_id == good.id))
    db.session.commit()  # a plan not extended yet: its screenings are for the tick to make

    with caplog.at_level(logging.ERROR):
        ScreeningRunner(app).tick()

    db.session.expire_all()
    assert db.session.get(Screening, held.id).attendance_closed
    assert db.session.scalar(select(Attendance.status).where(
        Attendance.screening_id == held.id)) == "absent"  # the auto-absence was written
    assert count(good) == made > 0  # the other plan was extended
    assert not db.session.get(Screening, year_one.id).attendance_closed
    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert f"screening {year_one.id} not closed" in failures
    assert f"plan {poisoned.id} not extended" in failures

"""Recurring plans: occurrences materialised ahead, each editable alone, and a change of the plan
replacing only the future occurrences nobody edited by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Screening
from app.screenings.services import create_series, extend_all_series, update_screening, update_series

NOW = datetime(2027, 1, 1, 0, 0, tzinfo=UTC)
FIRST = datetime(2027, 1, 6, 11, 30, tzinfo=UTC)  # 19:30 in Asia/Shanghai


@pytest.fixture
def series(app, make):
    site = make.site("P-001")
    plan, made = create_series(site, rule="FREQ=MONTHLY;BYMONTHDAY=6,16,26", first=FIRST,
                               duration_min=90, topic="党员学习日", now=NOW)
    db.session.commit()
    return plan, made


def starts(series_id) -> list[datetime]:
    return list(db.session.scalars(select(Screening.starts_at).where(
        Screening.series_id == series_id).order_by(Screening.starts_at)))


def test_occurrences_are_materialised_for_the_horizon(app, series):
    plan, made = series
    days = [(s + timedelta(hours=8)).day for s in starts(plan.id)]
    assert days[:6] == [6, 16, 26, 6, 16, 26]
    assert len(made) == 9  # 90 days from 1 January: January to March
    assert all(s.ends_at - s.starts_at == timedelta(minutes=90) for s in made)
    assert extend_all_series(now=NOW) == 0  # idempotent
    assert extend_all_series(now=NOW + timedelta(days=31)) == 3  # the horizon moves on


def test_editing_the_plan_keeps_hand_edited_occurrences(app, series):
    plan, made = series
    edited = made[1]
    update_screening(edited, {"topic": "改到下午", "starts_at": "2027-01-16T14:00+08:00",
                              "ends_at": "2027-01-16T15:30+08:00"})
    db.session.commit()
    assert edited.edited
    update_series(plan, {"topic": "党员集中学习日", "duration_min": 60}, now=NOW)
    db.session.commit()
    rows = db.session.scalars(select(Screening).where(Screening.series_id == plan.id)
                              .order_by(Screening.starts_at)).all()
    topics = {r.topic for r in rows}
    assert topics == {"党员集中学习日", "改到下午"}
    assert next(r for r in rows if r.topic == "改到下午").id == edited.id
    assert all(r.ends_at - r.starts_at == timedelta(minutes=60) for r in rows if not r.edited)
    assert len(rows) == 9


def test_a_bad_rule_is_refused_in_plain_words(app, make):
    from app.errors import Invalid

    site = make.site("P-009")
    with pytest.raises(Invalid) as caught:
        create_series(site, rule="FREQ=SOMETIMES", first=FIRST, duration_min=60, topic="x",
                      now=NOW)
    assert "repeat rule" in caught.value.message.lower()

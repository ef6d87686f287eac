"""Recurring plans: occurrences materialised ahead, each editable alone, and a change of the plan
replacing only the future occurrences nobody edited by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Screening
from app.screenings.plans import create_series, extend_all_series, update_series
from app.screenings.single import update_screening

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


TUESDAY = datetime(2027, 1, 5, 11, 0, tzinfo=UTC)  # Tuesday 19:00 in Asia/Shanghai


def local_days(series_id) -> dict:
    """Each local date of the plan's screenings, and the screenings on it."""
    days: dict = {}
    for row in db.session.scalars(select(Screening).where(Screening.series_id == series_id)):
        days.setdefault((row.starts_at + timedelta(hours=8)).date(), []).append(row)
    return days


def test_moving_the_time_of_day_keeps_what_was_done_by_hand(app, make):
    """Every Tuesday 19:00 becomes 20:00: the occurrences nobody touched follow (the same rows),
    a cancelled one stays cancelled, one edited by hand stays as edited, one held stays at
    19:00, and no date gets a second screening."""
    from app.screenings.single import cancel_screening

    site = make.site("P-001")
    plan, made = create_series(site, rule="FREQ=WEEKLY;BYDAY=TU", first=TUESDAY, duration_min=90,
                               topic="周二放映", now=NOW)
    assert len(made) == 13  # the Tuesdays of 5 January to 30 March
    held, follower, cancelled, edited = made[:4]
    held.status = "done"
    cancel_screening(cancelled)
    update_screening(edited, {"topic": "改为农机专题"})
    db.session.commit()
    moved_ids = {s.id for s in made[4:]} | {follower.id}
    now = held.ends_at + timedelta(days=1)

    update_series(plan, {"dtstart": TUESDAY + timedelta(hours=1)}, now=now)
    db.session.commit()

    days = local_days(plan.id)
    assert all(len(rows) == 1 for rows in days.values()), {d: len(r) for d, r in days.items()}
    clock = {rows[0].id: (rows[0].starts_at + timedelta(hours=8)).strftime("%H:%M")
             for rows in days.values()}
    by_id = {rows[0].id: rows[0] for rows in days.values()}
    assert [clock[s.id] for s in (held, cancelled, edited)] == ["19:00"] * 3
    assert by_id[held.id].status == "done"
    assert by_id[cancelled.id].status == "cancelled"
    assert by_id[edited.id].topic == "改为农机专题"
    assert moved_ids <= set(by_id)  # the followers were moved, not made again
    assert all(clock[i] == "20:00" for i in moved_ids)
    assert all(by_id[i].ends_at - by_id[i].starts_at == timedelta(minutes=90) for i in moved_ids)
    assert max(days) == datetime(2027, 4, 6).date()  # the horizon moved on with `now`
    assert extend_all_series(now=now) == 0


def test_a_screening_people_signed_in_to_stays_when_its_plan_moves(app, make):
    """Sign-in opens before the start: a planned occurrence with sign-ins is under way."""
    from app.attendance.services import sign_in

    site = make.site("P-001")
    plan, made = create_series(site, rule="FREQ=WEEKLY;BYDAY=TU", first=TUESDAY, duration_min=90,
                               topic="周二放映", now=NOW)
    signed = made[1]
    now = signed.starts_at - timedelta(minutes=20)
    sign_in(signed, method="operator", walkin_name="李四", village="东村", now=now)
    db.session.commit()
    update_series(plan, {"dtstart": TUESDAY + timedelta(hours=1)}, now=now)
    db.session.commit()
    rows = local_days(plan.id)[(signed.recurrence_at + timedelta(hours=8)).date()]
    assert [(r.id, r.starts_at) for r in rows] == [(signed.id, TUESDAY + timedelta(days=7))]
    assert (made[2].starts_at + timedelta(hours=8)).hour == 20


def test_a_changed_plan_changes_its_screenings_in_place(app, make):
    """Its screenings keep their ids (a synced hub and the phones' calendars see them changed,
    not replaced by new ones); a date the new rule no longer has is dropped."""
    site = make.site("P-001")
    plan, made = create_series(site, rule="FREQ=WEEKLY;BYDAY=TU", first=TUESDAY, duration_min=60,
                               topic="周二放映", now=NOW)
    db.session.commit()
    update_series(plan, {"topic": "周二学习"}, now=NOW)
    db.session.commit()
    days = local_days(plan.id)
    assert sorted(r.id for rows in days.values() for r in rows) == sorted(s.id for s in made)
    assert {r.topic for rows in days.values() for r in rows} == {"周二学习"}
    update_series(plan, {"rule": "FREQ=WEEKLY;BYDAY=WE"}, now=NOW)
    db.session.commit()
    days = local_days(plan.id)
    planned = {day: rows for day, rows in days.items() if rows[0].status == "planned"}
    assert planned and all(day.weekday() == 2 and len(rows) == 1 for day, rows in planned.items())
    # The Tuesdays are cancelled, not deleted (sync sends no deletions; a status it does), with
    # the reason shown on their page.
    dropped = [r for rows in days.values() for r in rows if r.status != "planned"]
    assert sorted(r.id for r in dropped) == sorted(s.id for s in made)
    assert {(r.status, r.status_reason) for r in dropped} == {
        ("cancelled", "its plan no longer has this date")}
    # Back to Tuesdays: those dates are planned again, by new screenings beside the cancelled.
    update_series(plan, {"rule": "FREQ=WEEKLY;BYDAY=TU"}, now=NOW)
    db.session.commit()
    days = local_days(plan.id)
    tuesdays = {day: sorted(r.status for r in rows) for day, rows in days.items()
                if day.weekday() == 1}
    assert tuesdays and all(v == ["cancelled", "planned"] for v in tuesdays.values())
    assert all(rows[0].status == "cancelled" for day, rows in days.items() if day.weekday() == 2)


def test_a_plan_overlapping_other_screenings_is_refused_unless_forced(app, make):
    from app.errors import Conflict
    from app.models import Series
    from app.screenings.single import create_screening

    site = make.site("P-001")
    create_screening(site, starts_at=datetime(2027, 1, 19, 11, 30, tzinfo=UTC),
                     ends_at=datetime(2027, 1, 19, 13, 0, tzinfo=UTC), topic="农技培训")
    create_screening(site, starts_at=datetime(2027, 2, 2, 10, 0, tzinfo=UTC),
                     ends_at=datetime(2027, 2, 2, 11, 30, tzinfo=UTC), topic="电影")
    db.session.commit()
    with pytest.raises(Conflict) as caught:
        create_series(site, rule="FREQ=WEEKLY;BYDAY=TU", first=TUESDAY, duration_min=90,
                      topic="周二放映", now=NOW)
    db.session.rollback()
    assert "19 Jan 2027" in caught.value.message and "2 Feb 2027" in caught.value.message
    assert [d["message"] for d in caught.value.details] == [
        "19 Jan 2027, 19:00: overlaps 农技培训.", "2 Feb 2027, 19:00: overlaps 电影."]
    assert db.session.scalar(select(db.func.count(Series.id))) == 0
    plan, made = create_series(site, rule="FREQ=WEEKLY;BYDAY=TU", first=TUESDAY,
                               duration_min=90, topic="周二放映", now=NOW, force=True)
    db.session.commit()
    assert len(made) == 13


def test_changing_a_plan_into_an_overlap_is_refused_unless_forced(app, make):
    from app.errors import Conflict
    from app.screenings.single import create_screening

    site = make.site("P-001")
    create_screening(site, starts_at=datetime(2027, 1, 19, 12, 30, tzinfo=UTC),
                     ends_at=datetime(2027, 1, 19, 14, 0, tzinfo=UTC), topic="农技培训")
    plan, made = create_series(site, rule="FREQ=WEEKLY;BYDAY=TU", first=TUESDAY, duration_min=90,
                               topic="周二放映", now=NOW)  # 19:00-20:30, back to back: no overlap
    db.session.commit()
    with pytest.raises(Conflict) as caught:
        update_series(plan, {"dtstart": TUESDAY + timedelta(hours=1)}, now=NOW)
    db.session.rollback()
    assert "19 Jan 2027" in caught.value.message
    assert {(s.starts_at + timedelta(hours=8)).hour for s in made} == {19}
    update_series(plan, {"dtstart": TUESDAY + timedelta(hours=1)}, now=NOW, force=True)
    db.session.commit()
    assert {(s.starts_at + timedelta(hours=8)).hour for s in made} == {20}


def test_extending_a_plan_skips_a_date_another_screening_holds(app, make, caplog):
    """The daily extension never double-books the site on its own: a date whose time another
    screening took meanwhile is skipped (logged once, shown on the plan's page), and planned
    as soon as that time is free again."""
    from app.screenings.plans import skipped_dates
    from app.screenings.single import cancel_screening, create_screening

    site = make.site("P-001")
    plan, made = create_series(site, rule="FREQ=WEEKLY;BYDAY=TU", first=TUESDAY, duration_min=90,
                               topic="周二放映", now=NOW)
    blocker, _ = create_screening(site, starts_at=datetime(2027, 4, 13, 11, 30, tzinfo=UTC),
                                  ends_at=datetime(2027, 4, 13, 13, 0, tzinfo=UTC),
                                  topic="县里来人放映")  # beyond the plan's horizon: no overlap yet
    db.session.commit()
    later = NOW + timedelta(days=20)
    with caplog.at_level("WARNING", logger="app.screenings.plans"):
        assert extend_all_series(now=later) == 2  # 6 and 20 April; not 13 April
        assert extend_all_series(now=later) == 0
    db.session.commit()
    assert datetime(2027, 4, 13).date() not in local_days(plan.id)
    logged = [r.getMessage() for r in caplog.records if "2027-04-13" in r.getMessage()]
    assert len(logged) == 1 and "县里来人放映" in logged[0]
    gaps = skipped_dates(plan, now=later)
    assert [(g.starts_at, [o.topic for o in g.overlaps]) for g in gaps] == [
        (datetime(2027, 4, 13, 11, 0, tzinfo=UTC), ["县里来人放映"])]
    cancel_screening(blocker)
    db.session.commit()
    assert extend_all_series(now=later) == 1
    assert datetime(2027, 4, 13).date() in local_days(plan.id)


def test_extending_goes_on_past_a_plan_that_cannot_be_materialised(app, make):
    """A plan whose playlist names a title this install does not have (a sync not finished)
    must not stop the other plans from being extended, nor the rest of the minute's work."""
    import uuid

    site = make.site("P-001")
    broken, _ = create_series(site, rule="FREQ=WEEKLY;BYDAY=MO", first=TUESDAY - timedelta(days=1),
                              duration_min=60, topic="坏的", now=NOW)
    broken.playlist = [{"title_id": str(uuid.uuid4())}]
    plan, _ = create_series(site, rule="FREQ=WEEKLY;BYDAY=TU", first=TUESDAY, duration_min=60,
                            topic="周二放映", now=NOW)
    db.session.commit()
    assert extend_all_series(now=NOW + timedelta(days=7)) == 1  # Tuesday 6 April
    db.session.commit()
    assert max(local_days(plan.id)) == datetime(2027, 4, 6).date()
    assert max(local_days(broken.id)) == datetime(2027, 3, 29).date()

"""What a site may change of a plan's screening, a change of the plan following the untouched
screenings, and the plan's progress, card line and rating criterion."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.errors import Forbidden, Invalid
from app.extensions import db
from app.models import Screening, Site
from app.reports.kept_card import monthly_card
from app.reports.rating import rate
from app.screenings.single import cancel_screening, update_screening
from app.teaching.changes import update_plan
from app.teaching.issue import issue_plan
from app.teaching.progress import plan_progress
from tests.teaching.conftest import NOW, body
from tests.teaching.test_issue import plan_rows, user


@pytest.fixture
def issued(net):
    result = issue_plan(body(net), user=user("town"), now=NOW)
    db.session.commit()
    return result


def evening(code: str, day: int) -> Screening:
    return next(r for r in plan_rows(code)
                if (r.starts_at + timedelta(hours=8)).day == day and r.starts_at.hour == 11)


def test_the_operator_moves_within_the_window(issued):
    row = evening("P-001", 16)
    update_screening(row, {"starts_at": "2027-03-18T19:30+08:00",
                           "ends_at": "2027-03-18T21:00+08:00"}, viewer=user("op-a"))
    db.session.commit()
    assert row.site_change == "moved" and row.edited


def test_a_move_outside_the_window_says_the_window(issued):
    row = evening("P-001", 16)
    with pytest.raises(Invalid) as caught:
        update_screening(row, {"starts_at": "2027-03-20T19:30+08:00",
                               "ends_at": "2027-03-20T21:00+08:00"}, viewer=user("op-a"))
    assert "3" in caught.value.message and caught.value.details[0]["days"] == 3


def test_the_operator_may_not_change_the_topic(issued):
    with pytest.raises(Forbidden):
        update_screening(evening("P-001", 16), {"topic": "别的"}, viewer=user("op-a"))


def test_the_township_may_change_it(issued):
    row = evening("P-001", 16)
    update_screening(row, {"topic": "改题"}, viewer=user("town"))
    assert row.topic == "改题" and row.site_change is None


def test_cancelling_needs_a_reason(issued):
    row = evening("P-001", 26)
    with pytest.raises(Invalid):
        cancel_screening(row, reason="  ", viewer=user("op-a"))
    cancel_screening(row, reason="停电", viewer=user("op-a"))
    db.session.commit()
    assert (row.status, row.status_reason, row.site_change) == ("cancelled", "停电", "cancelled")


def test_a_change_of_the_plan_follows_untouched_screenings_only(issued):
    moved, cancelled = evening("P-001", 16), evening("P-001", 26)
    update_screening(moved, {"starts_at": "2027-03-17T19:30+08:00",
                             "ends_at": "2027-03-17T21:00+08:00"}, viewer=user("op-a"))
    cancel_screening(cancelled, reason="停电", viewer=user("op-a"))
    db.session.commit()
    sessions = [{"id": str(s.id), "topic": s.topic, "audience": s.audience, "titles": s.titles,
                 "rule": s.rule, "start_time": s.start_time, "minutes": s.minutes}
                for s in issued.plan.sessions]
    sessions[0].update(topic="果树春季管理（修订）", start_time="20:00",
                       rule={"kind": "dates", "dates": ["2027-03-06", "2027-03-16",
                                                        "2027-03-26", "2027-03-29"]})
    changed = update_plan(issued.plan, {"sessions": sessions}, user=user("town"), now=NOW)
    db.session.commit()
    assert changed.made == 2  # the 29th at P-001 and P-002
    assert changed.followed == 4  # the 6th at P-001; the 6th, 16th and 26th at P-002
    rows = {(r.starts_at + timedelta(hours=8)).strftime("%d %H:%M"): r
            for r in plan_rows("P-001")}
    assert rows["06 20:00"].topic == "果树春季管理（修订）"
    assert rows["17 19:30"].id == moved.id and moved.topic == "果树春季管理"
    assert rows["26 19:30"].status == "cancelled"
    assert "29 20:00" in rows


def test_other_areas_may_not_change_a_plan(issued, make):
    make.user("river", "township", township="河口乡")
    with pytest.raises(Forbidden):
        update_plan(issued.plan, {"name": "x"}, user=user("river"), now=NOW)


def test_progress_card_and_rating(issued, make):
    held, moved, cancelled = evening("P-001", 6), evening("P-001", 16), evening("P-001", 26)
    update_screening(moved, {"starts_at": "2027-03-17T19:30+08:00",
                             "ends_at": "2027-03-17T21:00+08:00"}, viewer=user("op-a"))
    cancel_screening(cancelled, reason="停电", viewer=user("op-a"))
    held.status = "done"
    person = make.person("张三", village="东村")
    make.attendance(held, person)
    db.session.commit()
    later = datetime(2027, 3, 20, tzinfo=UTC)  # the moved one (17th) has passed unheld
    progress = plan_progress(issued.plan, now=later)
    six = progress["sessions"][0]
    assert (six["held"], six["moved"], six["cancelled"], six["attendance"]) == (1, 0, 1, 1)
    assert six["missed"] == 3  # P-001's 17th (moved, not held) and P-002's 6th and 16th
    reasons = [e["reason"] for e in six["sites"] if e["outcome"] == "cancelled"]
    assert reasons == ["停电"]
    p001 = next(s for s in progress["sites"] if s["site"] == "P-001")
    assert p001["compliance"] == round(1 / 4, 4)  # held the 6th; missed 9:00 and the 17th
    site = db.session.scalar(select(Site).where(Site.code == "P-001"))
    card = monthly_card(site, date(2027, 3, 1), tz="Asia/Shanghai", rules=[])
    assert (card.plan_held, card.plan_sessions) == (1, 2)  # the rest still planned
    rating = rate([card], month=date(2027, 3, 1), tz="Asia/Shanghai",
                  weights={"plans": 1.0}, now=later)[0]
    assert rating.criteria[0].score == 0.5


def test_issuing_and_changing_a_plan_keep_the_monthly_figures(issued):
    """The plan's screenings go in and move with Core statements: the kept figures follow."""
    from app.models import SiteMonth
    from tests.app.test_kept_figures import assert_kept_equal_recomputed

    assert db.session.scalar(select(db.func.sum(SiteMonth.planned))) == 8  # as issued
    assert_kept_equal_recomputed()
    sessions = [{"id": str(s.id), "topic": s.topic, "audience": s.audience, "titles": s.titles,
                 "rule": s.rule, "start_time": s.start_time, "minutes": s.minutes}
                for s in issued.plan.sessions]
    sessions[0].update(rule={"kind": "dates", "dates": ["2027-03-06", "2027-03-29"]})
    update_plan(issued.plan, {"sessions": sessions}, user=user("town"), now=NOW)
    db.session.commit()
    assert_kept_equal_recomputed()

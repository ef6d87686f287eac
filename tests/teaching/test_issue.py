"""Issuing a teaching plan: screenings at every covered site, overlaps listed, bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.errors import Conflict, Forbidden, Invalid
from app.extensions import db
from app.models import Screening, Site, User
from app.teaching.issue import issue_plan
from tests.teaching.conftest import NOW, body


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def plan_rows(site_code: str) -> list[Screening]:
    return db.session.scalars(select(Screening).join(Site).where(
        Site.code == site_code, Screening.teaching_session_id.is_not(None))
        .order_by(Screening.starts_at)).all()


def test_a_plan_makes_each_sessions_dates_at_each_covered_site(net):
    issued = issue_plan(body(net), user=user("town"), now=NOW)
    db.session.commit()
    # 6, 16, 26 March and Saturday 6 March (09:00), at P-001 and P-002; not 河口乡's P-003
    assert issued.made == 8 and issued.sites == 2
    rows = plan_rows("P-001")
    local = [(r.starts_at + timedelta(hours=8)).strftime("%d %H:%M") for r in rows]
    assert local == ["06 09:00", "06 19:30", "16 19:30", "26 19:30"]
    assert plan_rows("P-003") == []
    six = rows[1]
    assert six.ends_at - six.starts_at == timedelta(minutes=90)
    assert [i.title.name for i in six.items] == ["果树修剪技术", "生猪养殖"]
    assert six.teaching_session.plan.name == "2027年3月教学计划"


def test_the_sites_usual_start_is_used(net):
    site = db.session.scalar(select(Site).where(Site.code == "P-002"))
    site.usual_start = "18:00"
    db.session.commit()
    issue_plan(body(net), user=user("admin"), now=NOW)
    times = {(r.starts_at + timedelta(hours=8)).strftime("%H:%M") for r in plan_rows("P-002")}
    assert times == {"18:00", "09:00"}


def test_an_overlap_is_listed_not_doubled(net, make):
    make.screening(net["a"], start=datetime(2027, 3, 16, 11, 0, tzinfo=UTC), topic="村民大会")
    issued = issue_plan(body(net), user=user("town"), now=NOW)
    assert [(o.site, o.other_topic, o.made) for o in issued.overlaps] == [
        ("P-001", "村民大会", False)]
    assert issued.made == 7
    assert len(plan_rows("P-001")) == 3


def test_force_makes_the_overlapping_one_too(net, make):
    make.screening(net["a"], start=datetime(2027, 3, 16, 11, 0, tzinfo=UTC), topic="村民大会")
    issued = issue_plan(body(net), user=user("town"), now=NOW, force=True)
    assert issued.made == 8 and issued.overlaps[0].made


def test_lacking_titles_are_listed_per_title(net):
    issued = issue_plan(body(net), user=user("town"), now=NOW)
    assert issued.lacks == [
        {"title_id": str(net["held"].id), "name": "果树修剪技术", "sites": ["P-002"]},
        {"title_id": str(net["lacking"].id), "name": "生猪养殖", "sites": ["P-001", "P-002"]}]


def test_a_township_officer_cannot_cover_sites_outside_their_area(net):
    with pytest.raises(Forbidden):
        issue_plan(body(net, sites={"codes": ["P-001", "P-003"]}), user=user("town"), now=NOW)
    with pytest.raises(Forbidden):
        issue_plan(body(net, sites={"townships": ["河口乡"]}), user=user("town"), now=NOW)


def test_an_operator_cannot_issue(net):
    with pytest.raises(Forbidden):
        issue_plan(body(net), user=user("op-a"), now=NOW)


@pytest.mark.parametrize("change", [
    {"sites": {}},
    {"sites": {"codes": []}},
    {"sites": {"kind": "station"}},  # no station in the network: covers no site
    {"sessions": [{"topic": "x", "rule": {"kind": "dates", "dates": ["2027-04-02"]}}]},
    {"sessions": [{"topic": "x", "rule": "FREQ=YEARLY;BYMONTH=7"}]},
    {"sessions": []},
    {"ends_on": "2027-02-01"},
    {"ends_on": "2027-07-31"},
    {"move_window_days": -1},
    {"sessions": [{"topic": "x", "rule": "weekly:XX"}]},
])
def test_bad_input_is_refused(net, change):
    with pytest.raises(Invalid):
        issue_plan(body(net, **change), user=user("admin"), now=NOW)


def test_the_same_plan_issued_twice_is_one_plan(net):
    issue_plan(body(net), user=user("town"), now=NOW)
    db.session.commit()
    with pytest.raises(Conflict):
        issue_plan(body(net), user=user("town"), now=NOW)
    assert len(plan_rows("P-001")) == 4


def test_given_dates_and_weekly_rules(net):
    issued = issue_plan(body(net, sessions=[
        {"topic": "政策宣讲", "rule": {"kind": "dates", "dates": ["2027-03-10", "2027-03-03"]}},
        {"topic": "每周", "rule": "weekly:WE", "start_time": "14:00"}],
        sites={"codes": ["P-001"]}), user=user("admin"), now=NOW)
    assert issued.made == 2 + 5  # Wednesdays 3, 10, 17, 24, 31; 3 and 10 at 14:00 too
    days = sorted((r.starts_at + timedelta(hours=8)).strftime("%d %H:%M")
                  for r in plan_rows("P-001"))
    assert days[:3] == ["03 14:00", "03 19:30", "10 14:00"]


def test_a_title_not_approved_for_a_covered_site_cannot_be_issued(net, app):
    """The approval gate (app/catalog/approval.py): a session's title that neither the city nor
    the sites' township approved refuses the whole plan (422, naming it), and nothing is made;
    with DIANJIAO_APPROVAL=warn the plan is issued."""
    from app.catalog.approval import approve_township

    net["lacking"].approved = False
    db.session.commit()
    with pytest.raises(Invalid) as refused:
        issue_plan(body(net), user=user("town"), now=NOW)
    db.session.rollback()
    assert "生猪养殖" in refused.value.message and plan_rows("P-001") == []
    approve_township(net["lacking"], user("town"), True)
    db.session.commit()
    assert issue_plan(body(net), user=user("town"), now=NOW).made == 8
    db.session.rollback()
    with pytest.raises(Invalid):  # 城关镇's approval does not reach 河口乡's P-003
        issue_plan(body(net, sites={"codes": ["P-003"]}), user=user("admin"), now=NOW)
    db.session.rollback()
    app.config["APPROVAL"] = "warn"
    assert issue_plan(body(net, sites={"codes": ["P-003"]}), user=user("admin"), now=NOW).made

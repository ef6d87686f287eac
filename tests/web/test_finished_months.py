"""A month is judged once it has ended; the month in progress is on track or behind, never failed.
Quotas per kind of site and study targets by role (32 hours a year, 56 for a cadre).

"The 7th" is 7 March 2025, 12:00 in Asia/Shanghai (04:00 UTC): the reports are computed with that
`now`. A playback point P-1 held one party day, on the 6th, and nothing in February; a center
household H-1 held nothing either month.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.attendance.services import sign_in
from app.config import Defaults
from app.extensions import db
from app.people.services import create_person
from app.reports.alerts import alerts_for
from app.reports.card import card_dict
from app.reports.kept_card import monthly_card
from app.reports.months import elapsed, last_complete, parse_month
from app.reports.rating import rate, weights_from
from app.reports.rollup import rollup, rollup_dict
from app.reports.rules import due_by_now, rules_from, settings_rules, verdict
from tests import factories
from tests.conftest import client_of

pytestmark = pytest.mark.both_databases  # see tests/conftest.py

TZ = "Asia/Shanghai"
THE_7TH = datetime(2025, 3, 7, 4, tzinfo=UTC)  # 12:00 on 7 March in Asia/Shanghai
MARCH, FEBRUARY = date(2025, 3, 1), date(2025, 2, 1)


@pytest.fixture
def net(app, make):
    point = make.site("P-1", township="城关镇", village="东村")
    household = make.site("H-1", township="城关镇", village="西村", kind="center_household")
    cadre = create_person("书记甲", village=point.unit, party_member=True, role="cadre")
    member = create_person("党员乙", village=point.unit, party_member=True, role="member")
    create_person("党员丙", village=household.unit, party_member=True, role="member")
    # P-1's party day on the 6th (local): two hours played, both members there
    start = datetime(2025, 3, 6, 11, 30, tzinfo=UTC)
    screening = factories.screening(point, start=start, minutes=120, topic="党日",
                                    audience="party_members")
    screening.status = "done"
    factories.play_log(point, screening=screening, started_at=start, played_s=7200)
    for person in (cadre, member):
        sign_in(screening, method="paper", person=person, status="present",
                now=start + timedelta(minutes=5))
    db.session.commit()
    for row in (point, household):  # recorded on 1 February (local): their first month
        row.created_at = datetime(2025, 1, 31, 16, tzinfo=UTC)
    db.session.commit()
    make.user("admin", "admin")
    make.user("op-p1", "operator", site=point)
    return app


def rules(app):
    return settings_rules(app.config)


def statuses(card) -> dict:
    return {q.rule: q.status for q in card.quotas}


def _site(code):
    from sqlalchemy import select

    from app.models import Site
    return db.session.scalar(select(Site).where(Site.code == code))


def test_on_the_7th_no_quota_of_the_month_is_failed(net):
    point, household = _site("P-1"), _site("H-1")
    march = monthly_card(point, MARCH, tz=TZ, rules=rules(net), now=THE_7TH)
    assert not march.complete and 0.2 < march.elapsed < 0.21  # 6.5 of 31 days
    assert statuses(march) == {
        "group_sessions": "on_track",  # 1 held; 2 × 6.5/31 = 0.42: no whole session due yet
        "six_days": "on_track",  # the 6th is over and was held: 1 of 3 due, 1 held
        "hours": "behind",  # 2 hours played; 20 × 6.5/31 = 4.19: 4 whole hours due by now
        "study_hours": "on_track",  # 2 hours each; their targets (56 + 32) / 12 / 2 = 3.67,
    }                               # 0.77 of it due by now
    assert not march.shortfalls and not alerts_for(march, tz=TZ, rules=rules(net), now=THE_7TH)
    h1 = monthly_card(household, MARCH, tz=TZ, rules=rules(net), now=THE_7TH)
    # its one session and its one hour are due by the end of the month
    assert statuses(h1) == {"sessions": "on_track", "hours": "on_track"}
    assert [q.due for q in h1.quotas] == [0, 0]
    assert "not_met" not in {q["status"] for q in card_dict(march, tz=TZ)["quotas"]}

    city = rollup(None, MARCH, tz=TZ, rules=rules(net), now=THE_7TH)
    assert not city.complete and not city.alerts
    counts = {q["rule"]: (q["sites_met"], q["sites_on_track"], q["sites_behind"], q["sites"])
              for q in rollup_dict(city, tz=TZ)["quotas"]}
    assert counts["hours"] == (0, 1, 1, 2) and counts["sessions"] == (0, 1, 0, 1)
    assert counts["six_days"] == (0, 1, 0, 1)

    ratings = rate(city.cards, month=MARCH, tz=TZ, weights=weights_from({"quotas": 1}),
                   now=THE_7TH)
    by_site = {r.site.code: r for r in ratings}
    assert "not over" in str(by_site["P-1"].summary)
    reason = str(by_site["P-1"].criteria[0].reason)
    assert reason.startswith("Month in progress") and "not met" not in reason


def test_the_month_before_is_judged_as_before(net):
    point = _site("P-1")
    february = monthly_card(point, FEBRUARY, tz=TZ, rules=rules(net), now=THE_7TH)
    assert february.complete
    assert statuses(february) == {"group_sessions": "not_met", "six_days": "not_met",
                                  "hours": "not_met", "study_hours": "not_met"}
    assert [q.met for q in february.quotas] == [False] * 4
    city = rollup(None, FEBRUARY, tz=TZ, rules=rules(net), now=THE_7TH)
    assert city.complete
    assert {(a.site.code, a.rule, a.level) for a in city.alerts} == {
        ("P-1", "group_sessions", "site"), ("P-1", "six_days", "site"), ("P-1", "hours", "site"),
        ("P-1", "study_hours", "site"), ("H-1", "sessions", "site"), ("H-1", "hours", "site")}
    # and on the 1st of April, March is judged: two sessions were due, one was held
    april_1st = datetime(2025, 3, 31, 17, tzinfo=UTC)  # 01:00 on 1 April, local
    march = monthly_card(point, MARCH, tz=TZ, rules=rules(net), now=april_1st)
    assert march.complete and statuses(march)["group_sessions"] == "not_met"
    assert statuses(march)["six_days"] == "not_met"


def test_the_default_month_is_the_last_complete_one():
    assert last_complete(TZ, THE_7TH) == FEBRUARY
    assert parse_month(None, tz=TZ, now=THE_7TH) == FEBRUARY
    assert parse_month("2025-03", tz=TZ, now=THE_7TH) == MARCH  # the month in progress, asked
    # the last hours of January in Shanghai are 31 January, 16:00 UTC onwards
    assert last_complete(TZ, datetime(2025, 1, 31, 16, 30, tzinfo=UTC)) == date(2025, 1, 1)
    assert elapsed(FEBRUARY, TZ, THE_7TH) == 1.0 and elapsed(MARCH, TZ, THE_7TH) < 1


def test_pages_and_api_open_the_last_complete_month(net):
    tz = ZoneInfo(TZ)
    this_month = datetime.now(UTC).astimezone(tz).date().replace(day=1)
    last = (this_month - timedelta(days=1)).replace(day=1).strftime("%Y-%m")
    admin = client_of(net, "admin")
    assert admin.get("/api/v1/reports/monthly?site=P-1").json["month"] == last
    assert admin.get("/api/v1/reports/township").json["month"] == last
    card = admin.get("/reports/monthly?site=P-1").get_data(as_text=True)
    shown = datetime.strptime(last, "%Y-%m").strftime("%b %Y")  # the house month (app/i18n.py)
    assert f'id="card-month">{shown}<' in card and 'id="in-progress"' not in card
    rating = admin.get("/reports/rating").get_data(as_text=True)
    assert shown in rating.split("</h1>")[0]
    township = admin.get("/reports/township?name=城关镇").get_data(as_text=True)
    assert shown in township.split("</h1>")[0]


def test_the_month_in_progress_shows_progress_in_words(net):
    """Whatever today is, the card and the roll-up of this month say on track or behind."""
    this_month = datetime.now(UTC).astimezone(ZoneInfo(TZ)).strftime("%Y-%m")
    admin = client_of(net, "admin")
    for url in (f"/reports/monthly?site=H-1&month={this_month}",
                f"/reports/township?name=城关镇&month={this_month}"):
        html = admin.get(url).get_data(as_text=True)
        assert "✗ not met" not in html and 'id="in-progress"' in html
        assert "↗ on track" in html or "↘ behind" in html
    body = admin.get(f"/api/v1/reports/township?name=城关镇&month={this_month}").json
    assert body["complete"] is False and body["alerts"] == []
    zh = admin.get(f"/reports/monthly?site=H-1&month={this_month}",
                   headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "✗" not in zh


def test_quotas_by_kind_of_site_and_targets_by_role(net):
    point, household = _site("P-1"), _site("H-1")
    defaults = rules_from(Defaults.REPORT_RULES, Defaults.STUDY_TARGET_HOURS_YEAR)
    assert dict(defaults.of("playback_point")) == {"group_sessions": 2, "six_days": 3,
                                                   "hours": 20, "study_hours": None}
    assert dict(defaults.of("center_household")) == {"sessions": 1, "hours": 1}
    assert defaults.targets == {"cadre": 56, "default": 32}
    card = monthly_card(point, MARCH, tz=TZ, rules=defaults, now=datetime(2025, 4, 2, tzinfo=UTC))
    study = card.quota("study_hours")
    assert card.study_target == round((56 + 32) / 12 / 2, 2) == study.required  # 3.67
    assert study.actual == 2.0 and study.status == "not_met"
    assert card.quota("sessions") is None  # not a playback point's quota
    # the household's member has no playback point's study quota: it is not one of its rules
    h1 = monthly_card(household, MARCH, tz=TZ, rules=defaults, now=datetime(2025, 4, 2, tzinfo=UTC))
    assert [q.rule for q in h1.quotas] == ["sessions", "hours"]
    # a flat set of rules still applies to every kind, a number of hours to every role
    flat = rules_from({"sessions": 1}, 24)
    assert flat.of("center_household") == flat.of("playback_point") == (("sessions", 1.0),)
    assert flat.targets == {"default": 24.0}


def test_the_township_page_leaves_a_quota_of_another_kind_blank(net):
    html = client_of(net, "admin").get("/reports/township?name=城关镇&month=2025-03")
    page = html.get_data(as_text=True)
    h1_row = page.split('<tr data-site="H-1">', 1)[1].split("</tr>", 1)[0]
    # not a center household's: group sessions, study hours, the six days
    assert h1_row.count("Not a quota of this kind of site") == 3
    assert "by kind of site or role" in page  # hours: 20 at P-1, 1 at H-1


def test_a_person_s_targets_follow_their_role(net):
    from sqlalchemy import select

    from app.models import Person
    cadre = db.session.scalar(select(Person).where(Person.name == "书记甲"))
    page = client_of(net, "admin").get(f"/people/{cadre.id}").get_data(as_text=True)
    assert "target 56.0" in page and "target 4.6" in page  # 56 / 12 = 4.67, shown rounded down
    member = db.session.scalar(select(Person).where(Person.name == "党员乙"))
    page = client_of(net, "admin").get(f"/people/{member.id}").get_data(as_text=True)
    assert "target 32.0" in page and "target 2.6" in page


def test_what_is_due_by_now():
    """Hours pro rata; sessions and days in whole ones; the 6th, 16th and 26th on their days."""
    assert due_by_now("group_sessions", 2, 6.5 / 31, 7) == 0
    assert due_by_now("group_sessions", 2, 16.5 / 31, 17) == 1
    assert due_by_now("six_days", 3, 6.5 / 31, 7) == 1 and due_by_now("six_days", 3, 0.2, 6) == 0
    assert due_by_now("six_days", 3, 26.5 / 31, 27) == 3
    assert due_by_now("hours", 20, 0.5, 16) == 10 and due_by_now("hours", 20, 1.0, 1) == 20
    assert due_by_now("hours", 1, 0.9, 28) == 0  # a household's one hour: due at the end
    assert due_by_now("participation_rate", 0.5, 0.5, 16) == 0.25
    assert verdict(0, 2, 1, complete=False) == "behind"
    assert verdict(1, 2, 1, complete=False) == "on_track"
    assert verdict(2, 2, 1, complete=False) == "met"
    assert verdict(1, 2, 2, complete=True) == "not_met"

"""The monthly report card (月报卡) and its roll-ups, with hand-computed figures on a small network.

Two townships: 城关镇 (A-1 in 东村, A-2 in 西村) and 河口乡 (B-1 in 柳树湾村). Times are UTC;
the app's timezone is Asia/Shanghai (UTC+8), so 23:30 UTC on the 5th is the 6th there.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.attendance.services import sign_in
from app.extensions import db
from app.people.services import create_person
from tests import factories
from tests.conftest import csrf_token

pytestmark = pytest.mark.both_databases  # see tests/conftest.py

MARCH = "2025-03"


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def session(site, start, minutes, audience="all", status="done", played=()):
    screening = factories.screening(site, start=start, minutes=minutes, topic="学习",
                                    audience=audience)
    screening.status = status
    for seconds in played:
        factories.play_log(site, screening=screening, started_at=start, played_s=seconds)
    return screening


def signed(screening, person, status):
    sign_in(screening, method="paper", person=person, status=status,
            now=screening.starts_at + timedelta(minutes=5))


@pytest.fixture
def net(app, make):
    a1 = make.site("A-1", township="城关镇", village="东村")
    a2 = make.site("A-2", township="城关镇", village="西村")
    b1 = make.site("B-1", township="河口乡", village="柳树湾村")
    p1 = create_person("党员甲", village=a1.unit, party_member=True, role="member")
    p2 = create_person("党员乙", village=a1.unit, party_member=True, role="member")
    v1 = create_person("村民丙", village=a1.unit)
    v2 = create_person("村民丁", village=a1.unit)
    create_person("党员戊", village=a2.unit, party_member=True, role="member")
    p4 = create_person("党员己", village=b1.unit, party_member=True, role="member")
    db.session.flush()

    # A-1, March 2025 (local). Held: S1, S2, S4, S5, S8.
    s1 = session(a1, utc(2025, 3, 5, 23, 30), 60, "party_members", played=(3000, 1200))  # 6th, capped 60
    s2 = session(a1, utc(2025, 3, 16, 12), 90, "all", "partial", played=(1800,))  # 16th, 30 min
    s3 = session(a1, utc(2025, 3, 26, 10), 60, "villagers", "missed")  # not held
    session(a1, utc(2025, 3, 25, 16, 30), 60, "villagers", played=(1200,))  # 26th local, 20 min
    s5 = session(a1, utc(2025, 3, 16, 17), 60, "villagers", played=(600,))  # 17th local, 10 min
    session(a1, utc(2025, 3, 28, 2), 60, "party_members", "planned")
    session(a1, utc(2025, 3, 29, 2), 60, "party_members", "cancelled")
    session(a1, utc(2025, 2, 28, 17), 60, "villagers")  # 1 March local, nothing played
    session(a1, utc(2025, 3, 31, 16, 30), 60, "party_members", played=(3600,))  # 1 April local
    signed(s1, p1, "present")
    signed(s1, p2, "late")
    signed(s1, v1, "present")
    signed(s2, p1, "present")
    signed(s2, v1, "absent")
    signed(s2, v2, "excused")
    signed(s3, p2, "present")  # at a missed session: no attendance, no minutes
    signed(s5, v1, "present")

    # two group sessions in January, one in February and March; never 3 six-days, no study.
    session(a2, utc(2025, 1, 6, 2), 60, "party_members")
    session(a2, utc(2025, 1, 16, 2), 60, "party_members")
    session(a2, utc(2025, 2, 6, 2), 60, "party_members")
    session(a2, utc(2025, 3, 6, 2), 60, "cadres", "partial")

    # B-1 meets everything in March: three 7-hour group sessions on the 6th, 16th and 26th.
    for day in (6, 16, 26):
        s = session(b1, utc(2025, 3, day, 1), 420, "party_members", played=(25200,))
        signed(s, p4, "present")
    db.session.commit()

    # the flat rules these figures were worked out by hand for, the same for every kind of site
    # (the defaults are per kind: tests/web/test_finished_months.py)
    app.config["REPORT_RULES"] = {"group_sessions": 2, "study_hours": 20, "six_days": 3}
    make.user("admin", "admin")
    make.user("op-a1", "operator", site=a1)
    make.user("officer-h", "township", township="河口乡")
    make.user("officer-c", "township", township="城关镇")
    return app


def client_of(app, username):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": "secret-pass-1",
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    return client


def quotas(body) -> dict:
    return {q["rule"]: (q["required"], q["actual"], q["met"]) for q in body["quotas"]}


def test_card_figures_by_hand(net):
    body = client_of(net, "admin").get(f"/api/v1/reports/monthly?site=A-1&month={MARCH}").json
    assert body["site"] == "A-1" and body["month"] == MARCH and body["township"] == "城关镇"
    assert body["sessions"] == 5  # S1, S2, S4, S5 and the 1 March (local) one
    assert body["group_sessions"] == 2  # S1 party members, S2 everyone
    assert body["hours"] == 2.0  # 60 (capped) + 30 + 20 + 10 + 0 minutes
    assert body["six_days"] == 3 and body["six_day_sessions"] == 3  # S1 is the 6th locally
    assert body["days_open"] == 5  # 1, 6, 16, 17, 26 March
    assert body["attendance"] == 5  # S1: 3, S2: 1 (absent, excused not), S5: 1
    assert body["party_members"] == 2 and body["participants"] == 2
    assert body["participation_rate"] == 1.0
    assert body["study_hours"] == 1.25  # (90 + 60) / 2 minutes
    assert (body["missed"], body["planned"], body["cancelled"]) == (1, 1, 1)
    assert quotas(body) == {"group_sessions": (2, 2, True), "study_hours": (20, 1.25, False),
                            "six_days": (3, 3, True)}


def test_a_site_meeting_every_quota(net):
    body = client_of(net, "admin").get(f"/api/v1/reports/monthly?site=B-1&month={MARCH}").json
    assert (body["sessions"], body["group_sessions"], body["hours"]) == (3, 3, 21.0)
    assert body["study_hours"] == 21.0 and body["attendance"] == 3
    assert all(met for _r, _a, met in quotas(body).values())


def test_local_dates_decide_the_month_and_the_six_days(net):
    client = client_of(net, "admin")
    april = client.get("/api/v1/reports/monthly?site=A-1&month=2025-04").json
    assert april["sessions"] == 1 and april["hours"] == 1.0 and april["six_days"] == 0
    february = client.get("/api/v1/reports/monthly?site=A-1&month=2025-02").json
    assert february["sessions"] == 0  # 28 Feb 17:00 UTC is 1 March in Asia/Shanghai
    a2 = client.get(f"/api/v1/reports/monthly?site=A-2&month={MARCH}").json
    assert (a2["sessions"], a2["group_sessions"], a2["six_days"]) == (1, 1, 1)
    assert quotas(a2)["six_days"] == (3, 1, False)


def test_rules_are_configurable(net):
    net.config["REPORT_RULES"] = {"study_hours": 1, "days_open": 6}
    body = client_of(net, "admin").get(f"/api/v1/reports/monthly?site=A-1&month={MARCH}").json
    assert quotas(body) == {"study_hours": (1, 1.25, True), "days_open": (6, 5, False)}


def test_township_rollup_and_escalation(net):
    client = client_of(net, "officer-c")
    body = client.get(f"/api/v1/reports/township?name=城关镇&month={MARCH}").json
    assert body["township"] == "城关镇" and body["sites"] == 2
    assert (body["sessions"], body["group_sessions"], body["hours"], body["attendance"]) == (
        6, 3, 2.0, 5)
    assert {q["rule"]: (q["sites_met"], q["sites"]) for q in body["quotas"]} == {
        "group_sessions": (1, 2), "study_hours": (0, 2), "six_days": (1, 2)}
    alerts = [(a["site"], a["rule"], a["months"], a["level"]) for a in body["alerts"]]
    assert alerts == [
        ("A-2", "six_days", 3, "city"),  # January, February, March
        ("A-2", "study_hours", 3, "city"),
        ("A-2", "group_sessions", 2, "township"),  # met in January: two months running
        ("A-1", "study_hours", 1, "site"),  # A-1's first month (local): no earlier months count
    ]
    february = client.get("/api/v1/reports/township?name=城关镇&month=2025-02").json
    assert {(a["site"], a["rule"]): a["level"] for a in february["alerts"]} == {
        ("A-2", "group_sessions"): "site", ("A-2", "six_days"): "township",
        ("A-2", "study_hours"): "township"}
    assert client.get("/api/v1/reports/township").json["township"] == "城关镇"  # own by default


def test_city_rollup(net):
    body = client_of(net, "admin").get(f"/api/v1/reports/township?month={MARCH}").json
    assert body["township"] is None and body["sites"] == 3 and body["sessions"] == 9
    assert {q["rule"]: q["sites_met"] for q in body["quotas"]} == {
        "group_sessions": 2, "study_hours": 1, "six_days": 2}
    assert [(a["site"], a["rule"]) for a in body["alerts"] if a["level"] == "city"] == [
        ("A-2", "six_days"), ("A-2", "study_hours")]
    assert [(t["township"], t["sites"]) for t in body["townships"]] == [("城关镇", 2), ("河口乡", 1)]


def test_a_page_of_the_rollup_counted_by_the_database(net):
    """limit/offset: the same counts, and that page of the cards and of the alerts."""
    client = client_of(net, "admin")
    whole = client.get(f"/api/v1/reports/township?month={MARCH}").json
    page = client.get(f"/api/v1/reports/township?month={MARCH}&limit=2&offset=1").json
    assert page["cards"] == whole["cards"][1:3] and page["alerts"] == whole["alerts"][1:3]
    assert page["alert_count"] == whole["alert_count"] == len(whole["alerts"]) > 3
    for key in ("sites", "sessions", "hours", "attendance", "quotas", "townships"):
        assert page[key] == whole[key], key
    assert client.get(f"/api/v1/reports/township?month={MARCH}&limit=0").status_code == 422
    assert client.get(f"/api/v1/reports/township?month={MARCH}&offset=x").status_code == 422


@pytest.mark.parametrize("url", ["/api/v1/reports/monthly?site=A-1&month={m}",
                                 "/api/v1/reports/township?name=城关镇&month={m}",
                                 "/reports/monthly?site=A-1&month={m}"])
def test_a_future_or_bad_month_is_422(net, url):
    client = client_of(net, "admin")
    nxt = (datetime.now(UTC) + timedelta(days=40)).strftime("%Y-%m")
    for month in (nxt, "2099-01", "2025-13", "March"):
        assert client.get(url.format(m=month)).status_code == 422, month


def test_scope(net):
    operator = client_of(net, "op-a1")
    assert operator.get(f"/api/v1/reports/monthly?site=A-1&month={MARCH}").status_code == 200
    assert operator.get(f"/api/v1/reports/monthly?site=A-2&month={MARCH}").status_code == 403
    assert operator.get(f"/api/v1/reports/monthly?site=B-1&month={MARCH}").status_code == 403
    for name in ("城关镇", "河口乡"):
        response = operator.get(f"/api/v1/reports/township?name={name}&month={MARCH}")
        assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"
    assert operator.get(f"/reports/monthly?site=A-2&month={MARCH}").status_code == 403
    assert operator.get(f"/reports/township?name=城关镇&month={MARCH}").status_code == 403
    officer = client_of(net, "officer-h")
    assert officer.get(f"/api/v1/reports/monthly?site=A-1&month={MARCH}").status_code == 403
    assert officer.get(f"/api/v1/reports/monthly?site=B-1&month={MARCH}").status_code == 200
    assert officer.get(f"/api/v1/reports/township?name=城关镇&month={MARCH}").status_code == 403
    assert officer.get(f"/api/v1/reports/township?name=河口乡&month={MARCH}").status_code == 200
    admin = client_of(net, "admin")
    assert admin.get("/api/v1/reports/monthly?site=NOPE").status_code == 404
    assert admin.get("/api/v1/reports/monthly").status_code == 422
    assert admin.get("/api/v1/reports/township?name=无此镇").status_code == 404
    assert net.test_client().get("/api/v1/reports/monthly?site=A-1").status_code == 401


def test_card_page_shows_met_and_not_met_in_words(net):
    client = client_of(net, "op-a1")
    html = client.get(f"/reports/monthly?site=A-1&month={MARCH}").get_data(as_text=True)
    assert "✓ met" in html and "✗ not met" in html
    assert 'id="fig-sessions">5<' in html and 'id="fig-hours">2<' in html
    assert "Reports" in html  # the nav link
    assert "Next month" in html
    assert client.get("/reports/").headers["Location"].endswith("/reports/monthly?site=A-1")
    this_month = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    now = client.get(f"/reports/monthly?site=A-1&month={this_month}")  # no link into the future
    assert now.status_code == 200 and "Next month" not in now.get_data(as_text=True)


def test_township_page_lists_the_alerts(net):
    client = client_of(net, "officer-c")
    html = client.get(f"/reports/township?name=城关镇&month={MARCH}").get_data(as_text=True)
    assert 'data-site="A-2" data-rule="group_sessions" data-level="township"' in html
    assert 'data-site="A-1" data-rule="study_hours" data-level="site"' in html
    city = client_of(net, "admin").get(f"/reports/township?month={MARCH}")
    assert city.status_code == 200 and 'id="townships"' in city.get_data(as_text=True)


def test_openapi_describes_the_reports(net):
    paths = net.test_client().get("/api/openapi.json").json["paths"]
    assert "/api/v1/reports/monthly" in paths and "/api/v1/reports/township" in paths


def test_card_heading_names_the_card_once_in_each_language(net):
    """In Chinese the heading is 月报卡 once; in English it keeps 月报卡 beside it, small."""
    client = client_of(net, "op-a1")
    zh = client.get(f"/reports/monthly?site=A-1&month={MARCH}",
                    headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    heading = zh.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert heading.count("月报卡") == 1
    en = client.get(f"/reports/monthly?site=A-1&month={MARCH}",
                    headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    heading = en.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert "Monthly report card" in heading and "月报卡" in heading

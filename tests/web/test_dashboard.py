"""The dashboard: twelve months of figures, most watched titles, idle sites and coverage, with
hand-computed expectations on a small network, its CSV and XLSX downloads, and who sees what.

Townships: 城关镇 (A-1 in 东村, A-2 in 西村), 河口乡 (B-1 in 柳树湾村) and 新镇 (I-31, I-29 and
I-00 in 新村, only there for idle detection). The window is pinned with ?month=2025-03: April
2024 to March 2025. Times are UTC; the app's timezone is Asia/Shanghai (UTC+8).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook

from app.attendance.services import sign_in
from app.distribution.batches import create_batch
from app.distribution.kits import consign
from app.extensions import db
from app.models import MediaFile, PlayLog
from app.people.services import create_person
from tests import factories
from tests.conftest import client_of, csrf_token

pytestmark = pytest.mark.both_databases  # see tests/conftest.py

WINDOW = "month=2025-03"


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def media(title, tag: str) -> MediaFile:
    return factories.media_file(title, sha256=tag * 64, fingerprint=tag)


def session(site, start, minutes, status="done", audience="all", plays=()):
    """A screening with its play logs: plays are (media file, seconds)."""
    screening = factories.screening(site, start=start, minutes=minutes, topic="学习",
                                    audience=audience)
    screening.status = status
    for file, seconds in plays:
        factories.play_log(site, screening=screening, media_file=file, started_at=start,
                           played_s=seconds)
    return screening


def signed(screening, person, status="present"):
    sign_in(screening, method="paper", person=person, status=status,
            now=screening.starts_at + timedelta(minutes=5))


@pytest.fixture
def net(app, make):
    a1 = make.site("A-1", township="城关镇", village="东村")
    a2 = make.site("A-2", township="城关镇", village="西村")
    b1 = make.site("B-1", township="河口乡", village="柳树湾村")
    p1 = create_person("党员甲", village=a1.unit, party_member=True, role="member")
    p2 = create_person("党员乙", village=a1.unit, party_member=True, role="member")
    create_person("党员戊", village=a1.unit, party_member=True, role="member")  # never attends
    v1 = create_person("村民丙", village=a1.unit)
    p3 = create_person("党员丁", village=a2.unit, party_member=True, role="member")
    p4 = create_person("党员己", village=b1.unit, party_member=True, role="member")
    t1 = make.title("果树修剪技术", series="农村实用科技")
    t2 = make.title("家乡的变化", series="乡土教材")
    t3 = make.title("生猪科学养殖", series="农村实用科技")
    m1, m2, m3 = media(t1, "a"), media(t2, "b"), media(t3, "c")

    # March 2025 (local) holds s1, s2 and the 1 March one; one missed, planned, cancelled.
    s1 = session(a1, utc(2025, 3, 6, 2), 60, plays=((m1, 3000), (m2, 1200)))  # 70 min: 60
    s2 = session(a1, utc(2025, 3, 16, 2), 90, "partial", plays=((m2, 1800),))  # 30 min
    s3 = session(a1, utc(2025, 3, 26, 2), 60, "missed")
    session(a1, utc(2025, 3, 28, 2), 60, "planned")
    session(a1, utc(2025, 3, 29, 2), 60, "cancelled")
    session(a1, utc(2025, 2, 28, 17), 60, plays=((m2, 600),))  # 1 March local, 10 min
    s7 = session(a1, utc(2025, 1, 10, 2), 60, plays=((m1, 1200),))  # January, 20 min
    signed(s1, p1)
    signed(s1, p2, "late")
    signed(s1, v1)
    signed(s2, p1)
    signed(s2, v1, "absent")
    signed(s3, p2)  # at a missed screening: not counted
    signed(s7, p2)
    s8 = session(a2, utc(2025, 3, 6, 2), 60, plays=((m2, 3600),))
    signed(s8, p3)
    s9 = session(b1, utc(2025, 3, 10, 1), 420, plays=((m1, 25200),))
    signed(s9, p4)
    session(b1, utc(2024, 3, 20, 2), 60)  # before the window
    db.session.add(PlayLog(site_id=b1.id, media_file_id=m3.id, sha256=m3.sha256,  # no screening
                           started_at=utc(2025, 3, 12, 2), played_s=36000, outcome="completed"))

    # Idle detection, against the real clock.
    now = datetime.now(UTC)
    i31 = make.site("I-31", township="新镇", village="新村")
    i29 = make.site("I-29", township="新镇", village="新村")
    make.site("I-00", township="新镇", village="新村")  # never screened
    session(i31, now - timedelta(days=31), 60)
    session(i31, now - timedelta(days=5), 60, "missed")  # missed: not held
    session(i29, now - timedelta(days=29), 60)

    # Holdings: A-1 received a kit of T1 and T2, B-1 one of T3; a scan saw T3 at A-2, and
    # T2 at B-1 once (missing now: not held).
    for titles, site in (((t1, t2), a1), ((t3,), b1)):
        batch = create_batch(f"批次{site.code}", "DVD", [t.id for t in titles])
        for kit in consign(batch, [site]).created:
            kit.status = "received"
    for site, file, missing in ((a2, m3, False), (b1, m2, True)):
        factories.held(site, file, seen=now, missing=missing)
    db.session.commit()

    make.user("admin", "admin")
    make.user("officer-c", "township", township="城关镇")
    make.user("officer-h", "township", township="河口乡")
    make.user("op-a1", "operator", site=a1)
    make.user("kiosk-a1", "kiosk", site=a1)
    return app


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def month_row(rows, month) -> dict:
    return next(r for r in rows if r["Month"] == month)


def test_monthly_counts_for_the_city(net):
    rows = csv_rows(client_of(net, "admin").get(f"/reports/dashboard/monthly.csv?{WINDOW}"))
    assert [r["Month"] for r in rows] == [f"2024-{m:02d}" for m in range(4, 13)] + [
        "2025-01", "2025-02", "2025-03"]
    march = month_row(rows, "2025-03")
    # Held: A-1's s1, s2 and 1 March (local), A-2's and B-1's.
    assert (march["Held"], march["Planned"], march["Missed"], march["Cancelled"]) == (
        "5", "1", "1", "1")
    assert march["Hours played"] == "9.67"  # 60 + 30 + 10 + 60 + 420 minutes
    assert march["Attendance (present or late)"] == "6"  # s1: 3, s2: 1, A-2: 1, B-1: 1
    assert (march["Party members attending"], march["Party members"]) == ("4", "5")
    assert march["Participation rate (%)"] == "80.0"
    january = month_row(rows, "2025-01")
    assert (january["Held"], january["Hours played"], january["Attendance (present or late)"],
            january["Participation rate (%)"]) == ("1", "0.33", "1", "20.0")
    assert month_row(rows, "2025-02")["Held"] == "0"  # 28 Feb 17:00 UTC is 1 March locally
    assert month_row(rows, "2024-04")["Held"] == "0"  # March 2024 is outside the window


def test_a_month_matches_the_roll_up(net):
    client = client_of(net, "admin")
    march = month_row(csv_rows(client.get(f"/reports/dashboard/monthly.csv?{WINDOW}")), "2025-03")
    rollup = client.get("/api/v1/reports/township?month=2025-03").json
    assert (int(march["Held"]), int(march["Planned"]), int(march["Missed"]),
            int(march["Cancelled"]), int(march["Attendance (present or late)"])) == (
        rollup["sessions"], rollup["planned"], rollup["missed"], rollup["cancelled"],
        rollup["attendance"])
    assert abs(float(march["Hours played"]) - rollup["hours"]) < 0.02


def test_a_township_sees_its_own_figures(net):
    client = client_of(net, "officer-c")
    rows = csv_rows(client.get(f"/reports/dashboard/monthly.csv?{WINDOW}"))
    march = month_row(rows, "2025-03")
    assert (march["Held"], march["Hours played"], march["Attendance (present or late)"]) == (
        "4", "2.67", "5")
    assert (march["Party members attending"], march["Party members"],
            march["Participation rate (%)"]) == ("3", "4", "75.0")
    admin = csv_rows(client_of(net, "admin").get(
        f"/reports/dashboard/monthly.csv?{WINDOW}&township=城关镇"))
    assert month_row(admin, "2025-03") == march  # the admin's township filter: the same


def test_most_watched_by_viewers_then_hours(net):
    rows = csv_rows(client_of(net, "admin").get(f"/reports/dashboard/titles.csv?{WINDOW}"))
    got = [(r["Rank"], r["Title"], r["Viewers"], r["Plays"], r["Hours played"]) for r in rows]
    assert got == [
        ("1", "果树修剪技术", "5", "3", "8.17"),  # s1: 3, January: 1, B-1: 1; 29,400 s
        ("2", "家乡的变化", "5", "4", "2.0"),  # s1: 3, s2: 1, A-2: 1; 7,200 s
        ("3", "生猪科学养殖", "0", "1", "10.0"),  # most hours, but played to nobody signed in
    ]


def test_idle_sites(net):
    client = client_of(net, "admin")
    rows = csv_rows(client.get("/reports/dashboard/idle.csv"))
    codes = [r["Site"] for r in rows]
    assert codes == ["I-00", "A-2", "B-1", "A-1", "I-31"]  # never first, then the oldest
    assert "I-29" not in codes  # held 29 days ago: not idle at 30
    never = rows[0]
    assert never["Last screening held"] == "never" and never["Days without a screening"] == ""
    assert rows[-1]["Days without a screening"] == "31"
    assert rows[1]["Last screening held"] == "2025-03-06"
    longer = [r["Site"] for r in csv_rows(client.get("/reports/dashboard/idle.csv?days=40"))]
    assert "I-31" not in longer and "I-00" in longer
    shorter = [r["Site"] for r in csv_rows(client.get("/reports/dashboard/idle.csv?days=28"))]
    assert "I-29" in shorter
    net.config["IDLE_DAYS"] = 40
    assert "I-31" not in [r["Site"] for r in csv_rows(client.get("/reports/dashboard/idle.csv"))]
    html = client.get("/reports/dashboard?township=新镇").get_data(as_text=True)
    assert 'id="table-idle"' in html and 'data-site="I-00"' in html and 'data-site="A-1"' not in html


def test_coverage_per_series(net):
    client = client_of(net, "admin")
    rows = {r["Series"]: r for r in csv_rows(client.get("/reports/dashboard/coverage.csv"))}
    assert set(rows) == {"Local teaching material", "Practical rural technology"}
    tech = rows["Practical rural technology"]  # every playback point must hold every series
    # A-1 (kit of T1), B-1 (kit of T3), A-2 (T3 seen); none holds both T1 and T3.
    assert (tech["Titles"], tech["Sites holding it"], tech["Sites required"], tech["Coverage (%)"],
            tech["Holding every title"]) == ("2", "3", "6", "50.0", "0")
    local = rows["Local teaching material"]  # A-1's kit; B-1's file of it is missing now
    assert (local["Sites holding it"], local["Sites required"], local["Holding every title"]) == (
        "1", "6", "1")
    township = {r["Series"]: r for r in csv_rows(
        client_of(net, "officer-c").get("/reports/dashboard/coverage.csv"))}
    assert (township["Practical rural technology"]["Sites holding it"],
            township["Practical rural technology"]["Sites required"]) == ("2", "2")


def test_the_page_draws_charts_inline(net):
    response = client_of(net, "admin").get(f"/reports/dashboard?{WINDOW}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('class="pygal-chart"') == 3
    # the charts carry no JavaScript (the page loads only the site's own print.js) and no XML
    # declaration inline
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/print.js" defer>']
    assert "<?xml" not in html
    assert "kozea.github.io" not in html  # pygal's default script from a CDN is off
    assert 'id="stat-held">6<' in html  # held in the 12 months: 5 in March, 1 in January
    assert "Screenings by month" in html and "Most watched titles" in html
    assert 'href="/reports/dashboard/idle.xlsx?month=2025-03"' in html


def test_chinese_labels(net):
    client = client_of(net, "admin")
    client.post("/lang/zh", data={"csrf_token": csrf_token(client, "/reports/dashboard")})
    html = client.get(f"/reports/dashboard?{WINDOW}").get_data(as_text=True)
    assert 'lang="zh-CN"' in html
    assert "农村实用科技" in html  # a series name in the coverage chart and table
    assert "Noto Sans CJK SC" in html  # the charts ask for a font with Chinese glyphs


def test_xlsx_opens_with_the_same_rows(net):
    client = client_of(net, "admin")
    response = client.get(f"/reports/dashboard/titles.xlsx?{WINDOW}")
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == ["Rank", "Title", "Series", "Viewers", "Plays", "Hours played"]
    assert values[1] == [1, "果树修剪技术", "Practical rural technology", 5, 3, 8.17]
    assert len(values) == 4
    idle = load_workbook(io.BytesIO(client.get("/reports/dashboard/idle.xlsx").get_data())).active
    assert [row[0] for row in idle.iter_rows(min_row=2, values_only=True)] == [
        "I-00", "A-2", "B-1", "A-1", "I-31"]


def test_a_formula_in_a_name_stays_text(net, make):
    make.site("=1+2", township="新镇", village="新村", name="=HYPERLINK(\"x\")")
    client = client_of(net, "admin")
    rows = csv_rows(client.get("/reports/dashboard/idle.csv"))
    assert {r["Site"] for r in rows} >= {"'=1+2"}
    sheet = load_workbook(io.BytesIO(client.get("/reports/dashboard/idle.xlsx").get_data())).active
    cells = [row for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] == "=1+2"]
    assert cells and cells[0][1] == '=HYPERLINK("x")'


def test_scope(net):
    officer = client_of(net, "officer-h")
    assert officer.get("/reports/dashboard?township=城关镇").status_code == 403
    assert officer.get("/reports/dashboard/idle.csv?township=城关镇").status_code == 403
    own = csv_rows(officer.get("/reports/dashboard/idle.csv"))
    assert [r["Site"] for r in own] == ["B-1"]
    assert officer.get("/reports/dashboard?township=河口乡").status_code == 200
    admin = client_of(net, "admin")
    assert admin.get("/reports/dashboard?township=无此镇").status_code == 404
    assert admin.get("/reports/dashboard/nothing.csv").status_code == 404


def test_an_operator_sees_only_their_site(net):
    operator = client_of(net, "op-a1")
    page = operator.get(f"/reports/dashboard?{WINDOW}")
    assert page.status_code == 200 and "A-1" in page.get_data(as_text=True)
    march = month_row(csv_rows(operator.get(f"/reports/dashboard/monthly.csv?{WINDOW}")), "2025-03")
    assert (march["Held"], march["Hours played"], march["Attendance (present or late)"]) == (
        "3", "1.67", "4")
    assert (march["Party members attending"], march["Party members"]) == ("2", "3")
    assert [r["Site"] for r in csv_rows(operator.get("/reports/dashboard/idle.csv"))] == ["A-1"]
    titles = csv_rows(operator.get(f"/reports/dashboard/titles.csv?{WINDOW}"))
    assert [(r["Title"], r["Viewers"]) for r in titles] == [("果树修剪技术", "4"), ("家乡的变化", "4")]
    for url in ("/reports/dashboard?township=城关镇", "/reports/dashboard/idle.csv?township=河口乡"):
        assert operator.get(url).status_code == 403


def test_a_kiosk_and_a_stranger_get_nothing(net):
    kiosk = client_of(net, "kiosk-a1")
    for url in ("/reports/dashboard", "/reports/dashboard/idle.csv", "/reports/dashboard/idle.xlsx"):
        assert kiosk.get(url).status_code == 403
        response = net.test_client().get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("query", ["days=abc", "days=-1", "days=0", "days=1.5", "days=99999",
                                   "month=2099-01", "month=2025-13", "month=March", "kind=castle"])
def test_bad_input_is_422(net, query):
    client = client_of(net, "admin")
    for url in (f"/reports/dashboard?{query}", f"/reports/dashboard/idle.csv?{query}"):
        response = client.get(url)
        assert response.status_code == 422, url
        assert "<h1" in response.get_data(as_text=True)  # the error page, with the reason


def test_a_future_month_says_why(net):
    nxt = (datetime.now(UTC) + timedelta(days=40)).strftime("%Y-%m")
    html = client_of(net, "admin").get(f"/reports/dashboard?month={nxt}").get_data(as_text=True)
    assert "is in the future" in html

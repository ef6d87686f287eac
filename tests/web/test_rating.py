"""The five-star rating: weighted criteria computed by hand on a small network, the reasons, the
page (sortable by stars), the card and the API, and who may see it.

城关镇: R-1 (东村), R-2 (西村); 河口乡: R-3 (柳树湾村), R-4 (石桥村, a center household) and
R-5 (新村, never used). March 2025; quotas are {"sessions": 2, "attendance": 3} and the weights
the default ones: quotas 0.4, coverage 0.2, attendance 0.2, reporting 0.2.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from app.attendance.services import sign_in
from app.distribution.batches import create_batch
from app.distribution.kits import consign
from app.extensions import db
from app.models import Attendance, Site, Title, User
from app.people.services import create_person
from app.reports.rating import stars_for, weights_from
from app.screenings.single import create_screening
from tests import factories
from tests.conftest import client_of

pytestmark = pytest.mark.both_databases  # see tests/conftest.py

MARCH = "2025-03"


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def held(site, start, *people):
    screening, _warnings = create_screening(site, starts_at=start, topic="学习",
                                            ends_at=start + timedelta(hours=1), force=True)
    screening.status = "done"
    for person in people:
        sign_in(screening, method="paper", person=person, status="present",
                now=start + timedelta(minutes=5))
    db.session.flush()
    return screening


def reported_at(screenings, when):
    """Back-date the sign-ins of these screenings: the site last reported back then."""
    db.session.execute(update(Attendance).where(
        Attendance.screening_id.in_([s.id for s in screenings]))
        .values(created_at=when, updated_at=when))


@pytest.fixture
def net(app, make):
    app.config["REPORT_RULES"] = {"sessions": 2, "attendance": 3}
    r1 = make.site("R-1", township="城关镇", village="东村")
    r2 = make.site("R-2", township="城关镇", village="西村")
    r3 = make.site("R-3", township="河口乡", village="柳树湾村")
    r4 = make.site("R-4", township="河口乡", village="石桥村", kind="center_household")
    make.site("R-5", township="河口乡", village="新村")
    p1 = create_person("党员甲", village=r1.unit, party_member=True, role="member")
    create_person("党员乙", village=r1.unit, party_member=True, role="member")
    v1 = create_person("村民丙", village=r1.unit)
    p3 = create_person("党员丁", village=r2.unit, party_member=True, role="member")
    p4 = create_person("党员己", village=r3.unit, party_member=True, role="member")
    create_person("党员庚", village=r3.unit, party_member=True, role="member")
    v9 = create_person("村民辛", village=r4.unit)
    t1 = make.title("果树修剪技术", series="农村实用科技")
    t2 = make.title("家乡的变化", series="乡土教材")

    held(r1, utc(2025, 3, 6, 2), p1)
    held(r1, utc(2025, 3, 16, 2), p1, v1)
    reported_at([held(r2, utc(2025, 3, 6, 2), p3)], utc(2025, 3, 13, 4))  # 18.5 days before
    late = [held(r3, utc(2025, 3, 6, 2), p4), held(r3, utc(2025, 3, 16, 2), p4)]
    reported_at(late, utc(2025, 2, 1))  # more than 30 days before the month end
    held(r4, utc(2025, 3, 10, 2), v9)
    for titles, site in (((t1,), r1), ((t1, t2), r3)):
        batch = create_batch(f"批次{site.code}", "DVD", [t.id for t in titles])
        for kit in consign(batch, [site]).created:
            kit.status = "received"
    db.session.commit()

    make.user("admin", "admin")
    make.user("officer-c", "township", township="城关镇")
    make.user("officer-h", "township", township="河口乡")
    make.user("op-r1", "operator", site=r1)
    make.user("kiosk-r1", "kiosk", site=r1)
    return app


def ratings(client, query=f"month={MARCH}") -> dict:
    response = client.get(f"/api/v1/reports/rating?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def by_site(body) -> dict:
    return {item["site"]: item for item in body["items"]}


def scores(item) -> dict:
    return {c["criterion"]: (c["weight"], c["score"]) for c in item["criteria"]}


def test_scores_and_stars_by_hand(net):
    # By default a fifth criterion, teaching plans followed, weighs 0.2: none of these sites had a
    # plan's screening due, so it is listed, not counted, and the others are scaled up again.
    default = by_site(ratings(client_of(net, "admin")))
    assert default["R-1"]["criteria"][-1]["criterion"] == "plans"
    assert default["R-1"]["criteria"][-1]["score"] is None
    assert default["R-1"]["score"] == 0.8
    # The hand computation below uses the four other criteria's weights, in tenths.
    net.config["RATING_CRITERIA"] = {"quotas": 0.4, "coverage": 0.2, "attendance": 0.2,
                                     "reporting": 0.2}
    body = ratings(client_of(net, "admin"))
    assert body["total"] == 5
    items = by_site(body)
    # both quotas met; 1 of 2 series held; 1 of 2 party members; reported now.
    assert scores(items["R-1"]) == {"quotas": (0.4, 1.0), "coverage": (0.2, 0.5),
                                    "attendance": (0.2, 0.5), "reporting": (0.2, 1.0)}
    assert (items["R-1"]["score"], items["R-1"]["stars"]) == (0.8, 4)  # 0.4 + 0.1 + 0.1 + 0.2
    # no quota met, no series held, its one party member came, reported 18.5 days early.
    assert scores(items["R-2"]) == {"quotas": (0.4, 0.0), "coverage": (0.2, 0.0),
                                    "attendance": (0.2, 1.0), "reporting": (0.2, 0.5)}
    assert (items["R-2"]["score"], items["R-2"]["stars"]) == (0.3, 2)  # 5 × 0.3 = 1.5 → 2
    # sessions met, attendance (2 of 3) not; both series; 1 of 2 members; 58 days late.
    assert scores(items["R-3"]) == {"quotas": (0.4, 0.5), "coverage": (0.2, 1.0),
                                    "attendance": (0.2, 0.5), "reporting": (0.2, 0.0)}
    assert (items["R-3"]["score"], items["R-3"]["stars"]) == (0.5, 3)  # 2.5 rounds half up
    # a center household need hold no series and has no party members: both left out.
    assert scores(items["R-4"]) == {"quotas": (0.4, 0.0), "coverage": (0.2, None),
                                    "attendance": (0.2, None), "reporting": (0.2, 1.0)}
    assert (items["R-4"]["score"], items["R-4"]["stars"]) == (0.3333, 2)  # 0.2 / 0.6
    # no screening and never any data: not rated.
    assert (items["R-5"]["score"], items["R-5"]["stars"]) == (None, 0)
    assert [i["site"] for i in body["items"]] == ["R-1", "R-3", "R-4", "R-2", "R-5"]
    assert items["R-1"]["township"] == "城关镇" and items["R-1"]["name"]


def test_reasons_are_plain_sentences(net):
    items = by_site(ratings(client_of(net, "admin")))
    reasons = {c["criterion"]: c["reason"] for c in items["R-3"]["criteria"]}
    assert reasons["quotas"] == "Met 1 of 2 quotas; not met: Attendance (present or late) 2 of 3."
    assert reasons["coverage"] == "Holds all 2 series it must hold."
    assert reasons["attendance"] == "1 of 2 party members (50%) attended a held session this month."
    assert reasons["reporting"] == (
        "Latest data received 1 Feb 2025, 58 days before the month end: late.")
    r1 = {c["criterion"]: c["reason"] for c in items["R-1"]["criteria"]}
    assert r1["coverage"] == "Holds 1 of the 2 series it must hold; missing: Local teaching material."
    assert r1["quotas"] == "Met all 2 quotas of the monthly card."
    r4 = {c["criterion"]: c["reason"] for c in items["R-4"]["criteria"]}
    assert "not counted" in r4["coverage"] and "not counted" in r4["attendance"]
    assert "Not rated" in items["R-5"]["summary"]


def test_weights_are_configurable(net):
    net.config["RATING_CRITERIA"] = {"quotas": 1, "reporting": 1}
    items = by_site(ratings(client_of(net, "admin")))
    assert scores(items["R-1"]) == {"quotas": (0.5, 1.0), "reporting": (0.5, 1.0)}
    assert (items["R-1"]["stars"], items["R-2"]["stars"]) == (5, 1)  # 1.0; 0.25 → 1.25 → 1


def test_a_site_that_reported_is_rated_whatever_the_weights(net):
    """"No data ever received" is a fact about the site, not a weight: leaving reporting out of
    RATING_CRITERIA must not turn a site that sent data but held nothing this month into 0 stars."""
    net.config["RATING_CRITERIA"] = {"quotas": 1, "coverage": 1}
    items = by_site(ratings(client_of(net, "admin"), "month=2025-04"))
    assert (items["R-1"]["score"], items["R-1"]["stars"]) == (0.25, 1)  # quotas 0, coverage 0.5
    assert "Not rated" not in items["R-1"]["summary"]
    assert (items["R-5"]["score"], items["R-5"]["stars"]) == (None, 0)  # never any data

def test_stars_and_weights_rules():
    assert [stars_for(s) for s in (0.0, 0.1, 0.3, 0.5, 0.69, 0.7, 0.9, 1.0)] == [
        1, 1, 2, 3, 3, 4, 5, 5]
    assert weights_from({"quotas": 2, "coverage": 2}) == {"quotas": 0.5, "coverage": 0.5}
    from app.errors import Invalid

    for bad in ({"speed": 1}, {"quotas": -1}, {"quotas": 0}, {"quotas": "lots"}):
        with pytest.raises(Invalid):
            weights_from(bad)


def test_sorting_and_paging(net):
    client = client_of(net, "admin")
    worst = ratings(client, f"month={MARCH}&sort=stars_asc")
    assert [i["site"] for i in worst["items"]] == ["R-5", "R-2", "R-4", "R-3", "R-1"]
    page = ratings(client, f"month={MARCH}&limit=2&offset=1")
    assert [i["site"] for i in page["items"]] == ["R-3", "R-4"] and page["total"] == 5
    assert client.get(f"/api/v1/reports/rating?month={MARCH}&sort=speed").status_code == 422


def test_scope(net):
    officer = client_of(net, "officer-c")
    own = ratings(officer)
    assert own["total"] == 2 and set(by_site(own)) == {"R-1", "R-2"}
    assert ratings(officer, f"month={MARCH}&township=城关镇")["total"] == 2
    response = officer.get(f"/api/v1/reports/rating?month={MARCH}&township=河口乡")
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"
    assert officer.get(f"/reports/rating?month={MARCH}&township=河口乡").status_code == 403
    admin = client_of(net, "admin")
    assert set(by_site(ratings(admin, f"month={MARCH}&township=河口乡"))) == {"R-3", "R-4", "R-5"}
    assert admin.get("/api/v1/reports/rating?township=无此镇").status_code == 404
    operator = client_of(net, "op-r1")
    assert operator.get(f"/api/v1/reports/rating?month={MARCH}").status_code == 403
    assert operator.get(f"/reports/rating?month={MARCH}").status_code == 403
    kiosk = client_of(net, "kiosk-r1")
    assert kiosk.get(f"/api/v1/reports/rating?month={MARCH}").status_code == 403
    assert kiosk.get("/reports/rating").status_code == 403
    assert net.test_client().get("/api/v1/reports/rating").status_code == 401


@pytest.mark.parametrize("month", ["2099-01", "2025-13", "March", "next"])
def test_a_bad_or_future_month_is_422(net, month):
    client = client_of(net, "admin")
    for url in (f"/api/v1/reports/rating?month={month}", f"/reports/rating?month={month}",
                f"/reports/rating.csv?month={month}"):
        response = client.get(url)
        assert response.status_code == 422, url
    nxt = (datetime.now(UTC) + timedelta(days=40)).strftime("%Y-%m")
    response = client.get(f"/api/v1/reports/rating?month={nxt}")
    assert response.status_code == 422 and "future" in response.json["error"]["message"]


def test_the_page_lists_sites_by_stars(net):
    client = client_of(net, "officer-h")
    html = client.get(f"/reports/rating?month={MARCH}").get_data(as_text=True)
    order = [code for code in ("R-3", "R-4", "R-5") if f'data-site="{code}"' in html]
    assert order == ["R-3", "R-4", "R-5"]
    assert html.index('data-site="R-3"') < html.index('data-site="R-4"') < html.index(
        'data-site="R-5"')
    assert 'data-site="R-3" data-stars="3"' in html and "3/5" in html and "not rated" in html
    assert "Holds all 2 series it must hold." in html  # the reasons are on the page
    assert "R-1" not in html  # another township's site
    worst = client.get(f"/reports/rating?month={MARCH}&sort=stars_asc").get_data(as_text=True)
    assert worst.index('data-site="R-5"') < worst.index('data-site="R-3"')


def test_the_rating_downloads(net):
    client = client_of(net, "admin")
    response = client.get(f"/reports/rating.xlsx?month={MARCH}")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.get_data())).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("Site", "Name", "Township", "Stars", "Score (%)")
    assert rows[1][0] == "R-1" and rows[1][3] == 4 and rows[1][4] == 80.0
    text = client.get(f"/reports/rating.csv?month={MARCH}&sort=site").get_data().decode("utf-8-sig")
    assert text.splitlines()[1].startswith("R-1,")


def test_the_card_shows_the_rating(net):
    client = client_of(net, "op-r1")  # an operator sees their own site's rating on its card
    html = client.get(f"/reports/monthly?site=R-1&month={MARCH}").get_data(as_text=True)
    assert 'id="rating"' in html and "4/5" in html
    assert "Met all 2 quotas of the monthly card." in html
    assert "1 of 2 party members (50%) attended a held session this month." in html


def test_holdings_agree_with_distribution_coverage(net):
    """The rating counts holdings in one GROUP BY; distribution.coverage is the definition."""
    from app.distribution.coverage import coverage
    from app.reports.rating import series_held, series_title_counts

    now = datetime.now(UTC)
    titles = {t.name: t for t in db.session.scalars(select(Title))}
    for code, name, missing in (("R-2", "家乡的变化", False), ("R-4", "果树修剪技术", True),
                                ("R-5", "果树修剪技术", False)):
        site = db.session.scalar(select(Site).where(Site.code == code))
        file = factories.media_file(titles[name], sha256=code.lower().replace("-", "") * 32)
        factories.held(site, file, seen=now, missing=missing)
    db.session.commit()
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    sites = db.session.scalars(select(Site).where(Site.active.is_(True))).all()
    held = series_held([s.id for s in sites])
    for series, count in series_title_counts().items():
        rows, titles_in = coverage(admin, series)
        assert titles_in == count
        holding = sum(1 for s in sites if held.get(s.id, {}).get(series, 0) > 0)
        complete = sum(1 for s in sites if held.get(s.id, {}).get(series, 0) >= count)
        assert (holding, complete) == (sum(r.holding for r in rows),
                                       sum(r.complete for r in rows)), series
    assert held[sites[[s.code for s in sites].index("R-2")].id] == {"乡土教材": 1}


def test_openapi_describes_the_rating(net):
    document = net.test_client().get("/api/openapi.json").json
    operation = document["paths"]["/api/v1/reports/rating"]["get"]
    names = {p.get("name") for p in operation["parameters"] if "name" in p}
    assert {"month", "township", "sort"} <= names
    item = operation["responses"]["200"]["content"]["application/json"]["schema"]["properties"][
        "items"]["items"]
    assert set(item["required"]) == {"site", "name", "township", "stars", "score", "criteria"}

"""Dates out of the accepted range (2000-01-01 to 2099-12-31) are refused plainly, naming the
field, wherever they come in; a screening stored out of range before that still shows, and can
be cancelled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Batch, Loan, Screening
from tests.conftest import client_of, csrf_token, token_client

pytestmark = pytest.mark.both_databases  # see tests/conftest.py

RANGE = "must be a date from 1 Jan 2000 to 31 Dec 2099"  # in the house date shape (app/i18n.py)
FAR = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)


@pytest.fixture
def site(app, make):
    site = make.site("P-001")
    make.user("admin", "admin")
    return site


@pytest.fixture
def api(app, site):
    return token_client(app, "admin")


@pytest.fixture
def browser(app, site):
    return client_of(app, "admin")


@pytest.fixture
def soon() -> datetime:
    return (datetime.now(UTC) + timedelta(days=3)).replace(second=0, microsecond=0)


def screenings() -> int:
    return db.session.scalar(select(func.count(Screening.id)))


def stored(site, starts_at: datetime, status: str = "planned") -> Screening:
    """A screening written straight into the table, as one planned before dates were checked."""
    row = Screening(site_id=site.id, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=30),
                    topic="远方", status=status)
    db.session.add(row)
    db.session.commit()
    return row


def refused(response, field: str) -> None:
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.json["error"]
    assert error["code"] == "invalid" and error["message"].startswith(field)


@pytest.mark.parametrize("field,start,end", [
    ("starts_at", "0001-01-01T00:10:00Z", "0001-01-01T01:10:00Z"),
    ("starts_at", "9999-12-31T23:00-14:00", "9999-12-31T23:30-14:00"),
    ("starts_at", "2000-01-01T02:00+08:00", "2000-01-01T03:00+08:00"),  # 1999 in UTC
    ("ends_at", "2099-12-31T10:00Z", "2100-01-01T01:00Z"),
], ids=["year-1", "year-9999-west", "1999-in-utc", "ends-2100"])
def test_the_api_refuses_a_screening_out_of_range(api, field, start, end):
    refused(api.post("/api/v1/screenings", json={
        "site": "P-001", "starts_at": start, "ends_at": end, "topic": "果树修剪"}), field)
    assert screenings() == 0


def test_the_api_refuses_moving_a_screening_out_of_range(api, soon):
    made = api.post("/api/v1/screenings", json={
        "site": "P-001", "starts_at": soon.isoformat(),
        "ends_at": (soon + timedelta(hours=1)).isoformat(), "topic": "果树修剪"}).json
    refused(api.patch(f"/api/v1/screenings/{made['id']}",
                      json={"starts_at": "9999-12-31T23:00-14:00"}), "starts_at")
    refused(api.patch(f"/api/v1/screenings/{made['id']}",
                      json={"ends_at": "0001-01-01T00:10:00Z"}), "ends_at")
    assert api.get(f"/api/v1/screenings/{made['id']}").json["starts_at"] == soon.isoformat()


@pytest.mark.parametrize("arg", ["from", "to"])
@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "9999-12-31T23:00-14:00"])
def test_the_api_list_refuses_bounds_out_of_range(api, arg, value):
    refused(api.get(f"/api/v1/screenings?{arg}={value}"), arg)


def test_the_api_refuses_a_batch_made_out_of_range(api, make):
    title = make.title()
    refused(api.post("/api/v1/batches", json={
        "name": "第一批", "form": "DVD", "made_on": "0001-01-01", "titles": [str(title.id)]}),
        "made_on")
    assert db.session.scalar(select(func.count(Batch.id))) == 0


def test_the_planning_form_says_which_field(browser):
    token = csrf_token(browser, "/sites/P-001/screenings/new")
    page = browser.post("/sites/P-001/screenings/new", data={
        "day": "0001-01-01", "start": "00:10", "end": "01:10", "topic": "党课",
        "audience": "all", "repeat": "", "action": "save", "csrf_token": token})
    assert page.status_code == 422
    assert "Date: Give a date from 1 Jan 2000 to 31 Dec 2099." in page.get_data(as_text=True)
    assert screenings() == 0


def test_the_loan_and_batch_forms_refuse_dates_out_of_range(app, make, site, browser):
    make.user("op-a", "operator", site=site)
    operator = client_of(app, "op-a")
    token = csrf_token(operator, "/sites/P-001/loans")
    page = operator.post("/sites/P-001/loans", data={
        "item": "投影仪", "kind": "equipment", "borrower": "张三", "lent_on": "9999-12-31",
        "due_on": "9999-12-31", "csrf_token": token})
    assert page.status_code == 422 and "Give a date from 1 Jan 2000" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Loan.id))) == 0
    title = make.title()
    token = csrf_token(browser, "/distribution/batches/new")
    page = browser.post("/distribution/batches/new", data={
        "name": "第一批", "form": "DVD", "made_on": "0001-01-01", "titles": [str(title.id)],
        "csrf_token": token})
    assert "Give a date from 1 Jan 2000" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Batch.id))) == 0


@pytest.mark.parametrize("path", [
    "/sites/P-001/screenings?date=9999-12-31",
    "/sites/P-001/screenings?view=month&date=9999-12-31",
    "/sites/P-001/screenings?date=0001-01-01",
    "/sites/P-001/screenings?view=month&date=0001-01-01",
    "/sites/P-001/screenings/new?date=9999-12-31",
    "/townships/城关镇/screenings?date=9999-12-31",
    "/townships/城关镇/screenings?date=0001-01-01",
])
def test_calendar_pages_refuse_a_day_out_of_range_plainly(browser, path):
    page = browser.get(path)
    assert page.status_code == 422
    assert f"date {RANGE}" in page.get_data(as_text=True)


def test_calendar_pages_at_the_ends_of_the_range_render(browser):
    for day in ("2000-01-01", "2099-12-31"):
        assert browser.get(f"/sites/P-001/screenings?date={day}").status_code == 200
        assert browser.get(f"/sites/P-001/screenings?view=month&date={day}").status_code == 200
        assert browser.get(f"/townships/城关镇/screenings?date={day}").status_code == 200


@pytest.mark.parametrize("month", ["0001-01", "1999-12", "2100-01", "9999-12"])
def test_report_pages_refuse_months_out_of_range(browser, api, month):
    for path in (f"/reports/monthly?site=P-001&month={month}", f"/reports/township?month={month}",
                 f"/reports/dashboard?month={month}", f"/reports/rating?month={month}"):
        assert browser.get(path).status_code == 422, path
    for path in (f"/api/v1/reports/monthly?site=P-001&month={month}",
                 f"/api/v1/reports/township?month={month}", f"/api/v1/reports/rating?month={month}"):
        assert api.get(path).status_code == 422, path
    page = browser.get(f"/people/below-target?month={month}")
    assert page.status_code == 400


def test_a_screening_stored_out_of_range_still_shows(app, site, browser, api):
    app.config["PLAYER_SITE"] = "P-001"
    far = stored(site, FAR)
    detail = browser.get(f"/screenings/{far.id}")
    assert detail.status_code == 200 and "31 Dec 9999, 23:00 UTC" in detail.get_data(as_text=True)
    edit = browser.get(f"/screenings/{far.id}/edit")
    assert edit.status_code == 200 and 'value="9999-12-31"' in edit.get_data(as_text=True)
    assert browser.get("/sites/P-001/screenings?date=2099-12-31").status_code == 200
    assert browser.get("/sites/P-001/screenings?view=month").status_code == 200
    assert browser.get("/townships/城关镇/screenings?date=2099-12-28").status_code == 200
    status = api.get("/api/v1/player/status")
    assert status.status_code == 200
    assert status.json["next_screening"]["starts_local"] == "31 Dec 9999, 23:00 UTC"
    token = csrf_token(browser, f"/screenings/{far.id}/edit")
    saved = browser.post(f"/screenings/{far.id}/edit", data={
        "day": "9999-12-31", "start": "23:00", "end": "23:30", "topic": "远方", "audience": "all",
        "action": "save", "csrf_token": token})
    assert saved.status_code == 422 and "Give a date from 1 Jan 2000" in saved.get_data(as_text=True)


@pytest.mark.parametrize("starts_at", [FAR, datetime(1, 1, 1, 0, 10, tzinfo=UTC)],
                         ids=["year-9999", "year-1"])
def test_a_screening_stored_out_of_range_can_be_cancelled(site, api, browser, starts_at):
    """Even once the runner marked it missed: only a planned one could be cancelled."""
    by_api, by_page = stored(site, starts_at, "missed"), stored(site, starts_at, "missed")
    assert "Cancel this screening" in browser.get(f"/screenings/{by_page.id}").get_data(as_text=True)
    reply = api.patch(f"/api/v1/screenings/{by_api.id}", json={"status": "cancelled"})
    assert reply.status_code == 200 and reply.json["status"] == "cancelled"
    token = csrf_token(browser, f"/screenings/{by_page.id}")
    browser.post(f"/screenings/{by_page.id}/cancel", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Screening, by_page.id).status == "cancelled"
    again = api.patch(f"/api/v1/screenings/{by_api.id}", json={"status": "cancelled"})
    assert again.status_code == 409

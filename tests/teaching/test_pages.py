"""The teaching plan pages: issue from the form, the plan's progress page and its downloads,
the operator's screening page, and the menu."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import Screening
from tests.conftest import client_of, csrf_token
from tests.teaching.conftest import month_after


def test_issue_from_the_form_and_see_progress(app, net, now):
    town = client_of(app, "town")
    assert "/teaching-plans/" in town.get("/").get_data(as_text=True)
    first, last = month_after(now)
    page = town.post("/teaching-plans/new", data={
        "csrf_token": csrf_token(town, "/teaching-plans/new"), "name": "页面计划",
        "starts_on": first, "ends_on": last, "kind": "playback_point", "townships": "城关镇",
        "topic-0": "果树春季管理", "rule-0": "six_days", "minutes-0": "90",
        "titles-0": [str(net["lacking"].id)]})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "生猪养殖: P-001, P-002" in html
    assert "/distribution/batches/new?" in html
    listing = town.get("/teaching-plans/").get_data(as_text=True)
    assert "页面计划" in listing
    plan_url = re.search(r'href="/teaching-plans/([0-9a-f-]{36})"', listing).group(1)
    progress = town.get(f"/teaching-plans/{plan_url}")
    assert progress.status_code == 200 and "P-002" in progress.get_data(as_text=True)
    text = progress.get_data(as_text=True)  # planned times in the house shape, local time
    assert re.search(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}", text)
    assert not re.search(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}", text)
    csv = town.get(f"/teaching-plans/{plan_url}/progress.csv")
    assert csv.status_code == 200 and "P-001" in csv.get_data(as_text=True)
    xlsx = town.get(f"/teaching-plans/{plan_url}/progress.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_bad_form_input_is_422(app, net):
    town = client_of(app, "town")
    page = town.post("/teaching-plans/new", data={
        "csrf_token": csrf_token(town, "/teaching-plans/new"), "name": "x",
        "starts_on": "2027-03-01", "ends_on": "2027-03-31", "topic-0": "x"})
    assert page.status_code == 422


def test_the_operator_sees_the_plan_and_cancels_with_a_reason(app, net, now):
    from tests.conftest import token_client

    first, last = month_after(now)
    token_client(app, "town").post("/api/v1/teaching-plans", json={
        "name": "计划", "starts_on": first, "ends_on": last, "sites": {"codes": ["P-001"]},
        "sessions": [{"topic": "果树春季管理", "rule": "six_days"}]})
    row = db.session.scalars(select(Screening).order_by(Screening.starts_at)).first()
    op = client_of(app, "op-a")
    url = f"/screenings/{row.id}"
    html = op.get(url).get_data(as_text=True)
    assert 'id="teaching-plan"' in html and 'name="reason"' in html
    op.post(f"{url}/cancel", data={"csrf_token": csrf_token(op, url), "reason": "停电"})
    db.session.expire_all()
    assert (row.status, row.status_reason) == ("cancelled", "停电")

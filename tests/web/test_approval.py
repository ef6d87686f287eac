"""Approval as a gate: a title not approved for a site (by the city, or the site's township) is
not planned there, issued to it in bulk, or queued on its player; DIANJIAO_APPROVAL=warn makes
the refusals warnings; a withdrawn approval leaves planned screenings, and the checks say so."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.catalog.approval import (
    approve_township,
    approved_for,
    require_approved,
    require_approved_all,
    unapproved,
)
from app.errors import Invalid
from app.extensions import db
from app.models import Site, Title, TitleApproval, User
from app.screenings.plans import create_series
from app.screenings.readiness import check_screening
from tests.conftest import csrf_token, token_client
from tests.factories import PASSWORD


@pytest.fixture
def area(app, make):
    """P-001 and P-002 in 城关镇, P-003 in 河口乡; an admin, 城关镇's officer, 河口乡's officer,
    P-001's operator; a title the city approved and one nobody approved yet."""
    p1 = make.site("P-001", township="城关镇", village="东村")
    make.site("P-002", township="城关镇", village="西村")
    p3 = make.site("P-003", township="河口乡", village="石桥村")
    make.user("admin", "admin")
    make.user("chengguan", "township", township="城关镇")
    make.user("hekou", "township", township="河口乡")
    make.user("op-a", "operator", site=p1)
    city = make.title("果树修剪技术")
    draft = make.title("农产品加工与保鲜", approved=False)
    return {"p1": p1, "p3": p3, "city": city, "draft": draft}


def officer(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def plan(api, site: str, start, title: Title, **extra):
    return api.post("/api/v1/screenings", json={
        "site": site, "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(), "topic": "农产品加工",
        "items": [{"title_id": str(title.id)}], **extra})


def test_a_title_not_approved_is_refused_where_no_approval_reaches(app, area, now):
    admin = token_client(app, "admin")
    start = now + timedelta(days=2)
    refused = plan(admin, "P-001", start, area["draft"])
    assert refused.status_code == 422
    message = refused.json["error"]["message"]
    assert "农产品加工与保鲜" in message and "P-001" in message
    assert plan(admin, "P-001", start, area["city"]).status_code == 201

    approve_township(area["draft"], officer("chengguan"))
    db.session.commit()
    assert plan(admin, "P-001", start + timedelta(days=1), area["draft"]).status_code == 201
    other = plan(admin, "P-003", start, area["draft"])  # 河口乡: 城关镇's approval is not its own
    assert other.status_code == 422 and "P-003" in other.json["error"]["message"]


def test_changing_a_playlist_to_an_unapproved_title_is_refused(app, area, now):
    admin = token_client(app, "admin")
    made = plan(admin, "P-001", now + timedelta(days=2), area["city"]).json
    response = admin.patch(f"/api/v1/screenings/{made['id']}",
                           json={"items": [{"title_id": str(area["draft"].id)}]})
    assert response.status_code == 422
    assert "农产品加工与保鲜" in response.json["error"]["message"]
    again = admin.get(f"/api/v1/screenings/{made['id']}").json
    assert [i["name"] for i in again["items"]] == ["果树修剪技术"]


def test_a_recurring_plan_with_an_unapproved_title_is_refused(area, now):
    with pytest.raises(Invalid, match="农产品加工与保鲜"):
        create_series(area["p1"], rule="FREQ=WEEKLY", first=now + timedelta(days=1),
                      duration_min=60, topic="每周学习",
                      playlist=[{"title_id": str(area["draft"].id)}], now=now)


def test_the_bulk_form_names_the_titles_and_the_sites(area):
    """The function a teaching plan calls when it is issued to many sites at once."""
    approve_township(area["draft"], officer("chengguan"))
    db.session.flush()
    sites = db.session.scalars(select(Site).order_by(Site.code)).all()
    missing = unapproved([area["city"], area["draft"]], sites)
    assert {s.code for s in sites if s.id in missing} == {"P-003"}
    assert missing[area["p3"].id] == [area["draft"]]
    with pytest.raises(Invalid) as refused:
        require_approved_all([area["city"], area["draft"]], sites)
    assert "P-003" in refused.value.message and "农产品加工与保鲜" in refused.value.message
    assert "P-001" not in refused.value.message
    assert refused.value.details == [{"code": "not_approved", "site": "P-003",
                                      "title_id": str(area["draft"].id), "name": "农产品加工与保鲜"}]
    assert approved_for(area["draft"], area["p1"]) and not approved_for(area["draft"], area["p3"])


def test_warn_mode_plans_with_a_warning(app, area, now):
    app.config["APPROVAL"] = "warn"
    admin = token_client(app, "admin")
    response = plan(admin, "P-003", now + timedelta(days=2), area["draft"])
    assert response.status_code == 201
    warning = next(w for w in response.json["warnings"] if w["code"] == "not_approved")
    assert warning["message"] == "农产品加工与保鲜 is not approved for this site."
    assert require_approved([area["draft"]], area["p3"]) == [area["draft"]]


def test_a_withdrawn_approval_leaves_the_screening_planned_and_the_checks_say_so(
        app, area, now, make, tmp_path):
    make.library_root(area["p1"], str(tmp_path))  # P-001's library is on this machine
    approve_township(area["draft"], officer("chengguan"))
    db.session.commit()
    screening = make.screening(area["p1"], start=now + timedelta(days=2),
                               playlist=[{"title_id": str(area["draft"].id)}])
    assert "not approved for this site" not in {
        p["problem"] for p in check_screening(screening, now=now).problems}

    approve_township(area["draft"], officer("chengguan"), approved=False)
    db.session.commit()
    admin = token_client(app, "admin")
    kept = admin.get(f"/api/v1/screenings/{screening.id}").json
    assert kept["status"] == "planned"
    check = admin.post(f"/api/v1/screenings/{screening.id}/readiness").json
    assert check["status"] == "at_risk"
    assert {"position": 0, "problem": "not approved for this site"} in [
        {k: p[k] for k in ("position", "problem")} for p in check["problems"]]
    moved = admin.patch(f"/api/v1/screenings/{screening.id}",
                        json={"starts_at": (now + timedelta(days=3)).isoformat(),
                              "ends_at": (now + timedelta(days=3, hours=1)).isoformat()})
    assert moved.status_code == 200  # its playlist is as planned: it keeps working
    assert "not_approved" in {w["code"] for w in moved.json["warnings"]}


# --- the title page: who approves for whom -----------------------------------------------------

def signed_in(app, username: str):
    """A browser of its own, logged in as `username`."""
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    return client


def approve_on_page(client, title: Title, **form):
    url = f"/titles/{title.id}"
    return client.post(f"{url}/approve", data={"csrf_token": csrf_token(client, url), **form})


def approvals(title: Title) -> dict[str, bool]:
    db.session.expire_all()
    return {row.unit.name: row.withdrawn_at is None for row in db.session.scalars(
        select(TitleApproval).where(TitleApproval.title_id == title.id))}


def test_a_township_officer_approves_and_withdraws_for_their_township_only(
        app, area, client, login):
    draft = area["draft"]
    login("chengguan")
    page = client.get(f"/titles/{draft.id}").get_data(as_text=True)
    assert "Approve for the sites of 城关镇" in page and "Not approved" in page
    assert approve_on_page(client, draft).status_code == 302
    assert approvals(draft) == {"城关镇": True}
    assert db.session.get(Title, draft.id).approved is False  # not the city's approval
    page = client.get(f"/titles/{draft.id}").get_data(as_text=True)
    assert "Approved in 城关镇" in page and "城关镇: approved for its sites" in page
    hekou = db.session.scalar(select(User).where(User.username == "hekou")).unit
    assert approve_on_page(client, draft, unit=str(hekou.id)).status_code == 403
    assert approve_on_page(client, draft, approved="0").status_code == 302
    assert approvals(draft) == {"城关镇": False}

    client = signed_in(app, "hekou")
    assert approve_on_page(client, draft).status_code == 302
    assert approvals(draft) == {"城关镇": False, "河口乡": True}
    page = client.get(f"/titles/{draft.id}").get_data(as_text=True)
    assert "Approve for screening" not in page  # the city's button is the admin's


def test_the_admin_approves_for_the_city_and_may_withdraw_a_townships(app, area, client, login):
    draft = area["draft"]
    approve_township(draft, officer("hekou"))
    db.session.commit()
    login("admin")
    hekou = officer("hekou").unit
    assert approve_on_page(client, draft, approved="0", unit=str(hekou.id)).status_code == 302
    assert approvals(draft) == {"河口乡": False}
    assert approve_on_page(client, draft).status_code == 302
    assert db.session.get(Title, draft.id).approved is True
    assert approved_for(db.session.get(Title, draft.id), area["p3"])
    client = signed_in(app, "op-a")
    assert approve_on_page(client, draft, approved="0").status_code == 403


def test_a_township_officer_creating_an_approved_title_approves_it_for_their_township(
        app, area):
    officer_api = token_client(app, "chengguan")
    made = officer_api.post("/api/v1/titles", json={"name": "乡村振兴政策", "approved": True})
    assert made.status_code == 201 and made.json["approved"] is False  # `approved`: the city's
    title = db.session.get(Title, uuid.UUID(made.json["id"]))
    assert approvals(title) == {"城关镇": True}

"""Loan register: lend, list, overdue flag, return, edit, validation, scope, escaping, API."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Loan, Person
from tests import factories
from tests.conftest import csrf_token


def local_today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


@pytest.fixture
def site(make):
    return make.site("P-001")


@pytest.fixture
def operator(make, site, login):
    make.user("op-a", "operator", site=site)
    return login("op-a")


def lend(client, code="P-001", **fields):
    today = local_today()
    data = {"item": "投影仪 A", "kind": "equipment", "borrower": "王大山", "person": "",
            "lent_on": today.isoformat(), "due_on": (today + timedelta(days=7)).isoformat(),
            "notes": "", **fields}
    data["csrf_token"] = csrf_token(client, f"/sites/{code}/loans")
    return client.post(f"/sites/{code}/loans", data=data)


def tables(client) -> tuple[str, str]:
    """The open-loans table and the returned-loans table of the register page."""
    page = client.get("/sites/P-001/loans").get_data(as_text=True)
    open_part, returned_part = page.split('id="open-loans"')[1].split('id="returned-loans"')
    return open_part, returned_part


def count() -> int:
    return db.session.scalar(select(func.count(Loan.id)))


def add_loan(site, *, item="农村实用科技 DVD 第3辑", lent_ago=30, due_ago=10, returned=None):
    today = local_today()
    return factories.loan(site, item=item, lent_on=today - timedelta(days=lent_ago),
                          due_on=today - timedelta(days=due_ago), returned_on=returned)


def test_lend_list_and_return(operator, site):
    response = lend(operator)
    assert response.status_code == 302
    loan = db.session.scalar(select(Loan))
    assert (loan.item, loan.borrower, loan.kind, loan.returned_on) == ("投影仪 A", "王大山",
                                                                        "equipment", None)
    assert loan.origin_site == "HUB" and loan.site_id == site.id
    open_part, returned_part = tables(operator)
    assert "投影仪 A" in open_part and "王大山" in open_part
    assert "overdue" not in open_part
    token = csrf_token(operator, "/sites/P-001/loans")
    response = operator.post(f"/sites/P-001/loans/{loan.id}/return", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Loan, loan.id).returned_on == local_today()
    open_part, returned_part = tables(operator)
    assert "投影仪 A" not in open_part and "投影仪 A" in returned_part


def test_site_page_links_to_the_register(operator):
    assert "/sites/P-001/loans" in operator.get("/sites/P-001").get_data(as_text=True)


def test_overdue_loans_are_flagged_in_words_and_listed_first(operator, site):
    add_loan(site, item="按时的光盘", lent_ago=3, due_ago=0)
    add_loan(site, item="逾期的投影仪", lent_ago=30, due_ago=10)
    add_loan(site, item="已还的音箱", lent_ago=40, due_ago=20, returned=local_today())
    open_part, returned_part = tables(operator)
    assert open_part.index("逾期的投影仪") < open_part.index("按时的光盘")
    assert "overdue 10 days" in open_part
    assert open_part.count("overdue-flag") == 1  # due today is not overdue yet
    assert "已还的音箱" in returned_part and "已还的音箱" not in open_part


@pytest.mark.parametrize("fields", [
    {"item": ""},
    {"item": "   "},
    {"item": "x" * 201},
    {"borrower": ""},
    {"borrower": "名" * 61},
    {"kind": "car"},
    {"lent_on": ""},
    {"due_on": "not a date"},
    {"due_on": -20},  # a number is days from the test's local today (not the import's)
    {"lent_on": 3, "due_on": 9},
    {"lent_on": "1990-01-01", "due_on": "1990-02-01"},
    {"due_on": "2999-01-01"},
    {"person": "00000000-0000-0000-0000-000000000000"},
], ids=["no-item", "blank-item", "long-item", "no-borrower", "long-borrower", "bad-kind",
        "no-lent", "bad-due", "due-before-lent", "lent-in-future", "lent-1990", "due-2999",
        "unknown-person"])
def test_bad_loans_keep_nothing(operator, fields):
    today = local_today()
    fields = {name: (today + timedelta(days=value)).isoformat() if isinstance(value, int) else value
              for name, value in fields.items()}
    response = lend(operator, **fields)
    assert response.status_code == 422
    assert count() == 0


def test_borrower_from_the_roster(operator, site):
    person = Person(name="张三", village_id=site.unit_id)
    db.session.add(person)
    db.session.commit()
    page = operator.get("/sites/P-001/loans").get_data(as_text=True)
    assert str(person.id) in page
    assert lend(operator, borrower="", person=str(person.id)).status_code == 302
    loan = db.session.scalar(select(Loan))
    assert (loan.borrower, loan.person_id) == ("张三", person.id)


def test_a_borrower_from_another_villages_roster_is_refused(operator, site, make):
    """The roster offered is the site's village: a person of another township, posted by id,
    was taken, and the register then showed their name to this site's operator."""
    elsewhere = make.site("P-009", township="河口乡", village="柳树湾村")
    stranger = Person(name="欧阳娜娜", village_id=elsewhere.unit_id)
    db.session.add(stranger)
    db.session.commit()
    assert str(stranger.id) not in operator.get("/sites/P-001/loans").get_data(as_text=True)
    response = lend(operator, borrower="", person=str(stranger.id))
    assert response.status_code == 422
    assert "No such person in the roster." in response.get_data(as_text=True)
    assert count() == 0
    loan = add_loan(site)
    url = f"/sites/P-001/loans/{loan.id}/edit"
    data = {"item": loan.item, "kind": loan.kind, "borrower": "", "person": str(stranger.id),
            "lent_on": loan.lent_on.isoformat(), "due_on": loan.due_on.isoformat(),
            "returned_on": "", "notes": "", "csrf_token": csrf_token(operator, url)}
    assert operator.post(url, data=data).status_code == 422
    db.session.expire_all()
    assert db.session.get(Loan, loan.id).person_id is None


def test_edit_and_bad_return_date(operator, site):
    loan = add_loan(site, lent_ago=5, due_ago=-5)
    url = f"/sites/P-001/loans/{loan.id}/edit"
    page = operator.get(url).get_data(as_text=True)
    assert loan.item in page
    data = {"item": "新投影仪", "kind": "equipment", "borrower": "李明", "person": "",
            "lent_on": loan.lent_on.isoformat(), "due_on": loan.due_on.isoformat(),
            "returned_on": (loan.lent_on - timedelta(days=1)).isoformat(), "notes": "",
            "csrf_token": csrf_token(operator, url)}
    assert operator.post(url, data=data).status_code == 422
    db.session.expire_all()
    assert db.session.get(Loan, loan.id).item != "新投影仪"
    data["returned_on"] = ""
    assert operator.post(url, data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Loan, loan.id).item == "新投影仪"


def test_operator_of_another_site_is_refused(make, site, login, client):
    loan = add_loan(site)
    make.user("op-b", "operator", site=make.site("P-002"))
    login("op-b")
    token = csrf_token(client, "/sites/P-002/loans")
    assert client.get("/sites/P-001/loans").status_code == 403
    assert client.post("/sites/P-001/loans", data={
        "item": "x", "kind": "equipment", "borrower": "y", "lent_on": local_today().isoformat(),
        "due_on": local_today().isoformat(), "csrf_token": token}).status_code == 403
    assert client.post(f"/sites/P-001/loans/{loan.id}/return",
                       data={"csrf_token": token}).status_code == 403
    assert client.get(f"/sites/P-001/loans/{loan.id}/edit").status_code == 403
    assert client.get("/api/v1/loans?site=P-001").status_code == 403
    # a loan of another site under one's own code is not found
    assert client.post(f"/sites/P-002/loans/{loan.id}/return",
                       data={"csrf_token": token}).status_code == 404
    db.session.expire_all()
    assert count() == 1 and db.session.get(Loan, loan.id).returned_on is None


def test_township_sees_its_own_sites_only(make, site, login, client):
    make.site("D-009", township="河口乡", village="石桥村")
    make.user("town", "township", township="城关镇")
    login("town")
    assert client.get("/sites/P-001/loans").status_code == 200
    assert lend(client).status_code == 302
    assert client.get("/sites/D-009/loans").status_code == 403


def test_kiosk_and_anonymous_are_refused(make, site, login, client):
    assert client.get("/sites/P-001/loans").status_code in (302, 401)
    make.user("kiosk", "kiosk", site=site)
    login("kiosk")
    assert client.get("/sites/P-001/loans").status_code == 403


def test_unknown_site_is_404(operator):
    assert operator.get("/sites/NOPE/loans").status_code == 404


def test_html_is_escaped(operator):
    assert lend(operator, item="<script>alert(1)</script>", borrower="<b>王</b>").status_code == 302
    page = operator.get("/sites/P-001/loans").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "<b>王</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_api_lists_loans_and_overdue_ones(operator, site):
    add_loan(site, item="逾期的投影仪", lent_ago=30, due_ago=10)
    add_loan(site, item="按时的光盘", lent_ago=3, due_ago=-4)
    body = operator.get("/api/v1/loans?site=P-001").json
    assert body["total"] == 2 and body["items"][0]["item"] == "逾期的投影仪"
    assert body["items"][0]["days_overdue"] == 10
    body = operator.get("/api/v1/loans?site=P-001&overdue=1").json
    assert body["total"] == 1 and body["items"][0]["kind"] == "courseware"
    assert operator.get("/api/v1/loans").status_code == 422


def test_api_lists_returned_loans_latest_back_first(operator, site):
    """As on the page: after the open loans, the one back most recently comes first, whatever
    their dates due (they were in order of date due)."""
    today = local_today()
    add_loan(site, item="早该还的", lent_ago=60, due_ago=50, returned=today - timedelta(days=15))
    add_loan(site, item="晚该还的", lent_ago=20, due_ago=10, returned=today - timedelta(days=1))
    add_loan(site, item="还在外面", lent_ago=3, due_ago=-4)
    items = [loan["item"] for loan in operator.get("/api/v1/loans?site=P-001").json["items"]]
    assert items == ["还在外面", "晚该还的", "早该还的"]
    _open_part, returned_part = tables(operator)
    assert returned_part.index("晚该还的") < returned_part.index("早该还的")

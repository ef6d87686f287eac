"""Sign-in through the API: 201 new, 200 already signed (one row, ever), unknown people, the
window for kiosk and phone, walk-ins, and simultaneous sign-ins of one person."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attendance, Person
from app.people.services import create_person, village_named
from app.screenings.single import create_screening
from tests.conftest import at_once, token_client

pytestmark = pytest.mark.both_databases  # see tests/conftest.py


@pytest.fixture
def world(app, make):
    site = make.site("P-001", township="城关镇", village="东村")
    make.site("P-002", township="城关镇", village="西村")
    make.user("admin", "admin")
    make.user("kiosk-a", "kiosk", site=site)
    east = village_named("东村")
    people = {name: create_person(name, village=east, party_member=pm, role=role)
              for name, pm, role in (("张三", True, "member"), ("欧阳娜娜", False, "villager"),
                                     ("曾小明", True, "cadre"))}
    now = datetime.now(UTC)
    open_now, _ = create_screening(site, starts_at=now - timedelta(minutes=20),
                                   ends_at=now + timedelta(minutes=40), topic="党课")
    later, _ = create_screening(site, starts_at=now + timedelta(days=2),
                                ends_at=now + timedelta(days=2, hours=1), topic="以后")
    db.session.commit()
    return {"site": site, "people": people, "open": open_now, "later": later}


@pytest.mark.parametrize("q", ["张三", "zhangsan", "zs", "张s", "ZS"])
def test_people_search_any_mix(app, world, q):
    api = token_client(app, "admin")
    assert [p["name"] for p in api.get(f"/api/v1/people?q={q}").json["items"]] == ["张三"]


def test_two_reading_surname_matches_both_readings(app, world):
    api = token_client(app, "admin")
    for q in ("zxm", "cxm", "zengxiaoming", "cengx"):
        assert [p["name"] for p in api.get(f"/api/v1/people?q={q}").json["items"]] == ["曾小明"], q
    assert [p["name"] for p in api.get("/api/v1/people?q=oynn").json["items"]] == ["欧阳娜娜"]


def test_sign_in_201_then_200_and_one_row(app, world):
    api = token_client(app, "kiosk-a")
    url = f"/api/v1/screenings/{world['open'].id}/attendance"
    person = str(world["people"]["张三"].id)
    first = api.post(url, json={"person_id": person})
    assert first.status_code == 201 and first.json["method"] == "kiosk"
    assert first.json["status"] == "late"  # 20 min after the start, past the 10 min margin
    again = api.post(url, json={"person_id": person})
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    assert db.session.scalar(select(func.count(Attendance.id))) == 1


def test_unknown_person_and_bad_ids(app, world):
    api = token_client(app, "admin")
    url = f"/api/v1/screenings/{world['open'].id}/attendance"
    assert api.post(url, json={"person_id": "00000000-0000-0000-0000-000000000000"}).status_code == 404
    assert api.post(url, json={"person_id": "zhangsan"}).status_code == 422
    assert api.post(url, json={}).status_code == 422
    assert api.post(url, json={"walkin_name": "x" * 500, "village": "东村"}).status_code == 422
    assert api.post(url, json={"walkin_name": "  ", "village": "东村"}).status_code == 422
    assert api.post(url, json={"person_id": str(world["people"]["张三"].id),
                               "method": "telepathy"}).status_code == 422
    assert api.post("/api/v1/screenings/nope/attendance", json={}).status_code == 404


def test_kiosk_and_phone_outside_the_window_are_409_operator_and_paper_are_fine(app, world):
    kiosk = token_client(app, "kiosk-a")
    url = f"/api/v1/screenings/{world['later'].id}/attendance"
    person = str(world["people"]["张三"].id)
    assert kiosk.post(url, json={"person_id": person}).status_code == 409
    admin = token_client(app, "admin")
    assert admin.post(url, json={"person_id": person, "method": "phone"}).status_code == 409
    assert admin.post(url, json={"person_id": person, "method": "paper"}).status_code == 201


def test_walkin_becomes_a_roster_person_to_review(app, world):
    api = token_client(app, "kiosk-a")
    url = f"/api/v1/screenings/{world['open'].id}/attendance"
    response = api.post(url, json={"walkin_name": "<b>王五</b>", "village": "东村"})
    assert response.status_code == 201
    walkin = db.session.scalar(select(Person).where(Person.walkin.is_(True)))
    assert walkin.name == "<b>王五</b>" and walkin.village.name == "东村"
    again = api.post(url, json={"walkin_name": "<b>王五</b>", "village": "东村"})
    assert again.status_code == 200
    assert api.post(url, json={"walkin_name": "李四", "village": "没有这个村"}).status_code == 422


def test_kiosk_may_not_use_other_methods_or_other_sites(app, make, world):
    api = token_client(app, "kiosk-a")
    url = f"/api/v1/screenings/{world['open'].id}/attendance"
    person = str(world["people"]["张三"].id)
    assert api.post(url, json={"person_id": person, "method": "paper"}).status_code == 403
    other = make.site("P-003", township="河口乡", village="石桥村")
    now = datetime.now(UTC)
    there, _ = create_screening(other, starts_at=now, ends_at=now + timedelta(hours=1), topic="x")
    db.session.commit()
    assert api.post(f"/api/v1/screenings/{there.id}/attendance",
                    json={"person_id": person}).status_code == 403
    assert api.get("/api/v1/sites").status_code == 403


def test_simultaneous_sign_ins_of_one_person_store_one_row(app, world, backend):
    url = f"/api/v1/screenings/{world['open'].id}/attendance"
    person = str(world["people"]["欧阳娜娜"].id)
    codes = at_once(app, 8, lambda client: client.post(
        url, json={"person_id": person, "method": "operator"}).status_code)
    assert sorted(codes) == [200] * 7 + [201]
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Attendance.id))) == 1


def test_search_wildcards_are_literal_and_typed_characters_must_match(app, world):
    east = village_named("东村")
    create_person("周山", village=east)
    create_person("张_三", village=east)
    db.session.commit()
    api = token_client(app, "admin")

    def names(q):
        return [p["name"] for p in api.get("/api/v1/people", query_string={"q": q}).json["items"]]

    assert set(names("zs")) == {"张_三", "张三", "周山"}
    assert "周山" not in names("张s")
    assert names("%") == [] and names("_") == ["张_三"]


def test_simultaneous_walkins_of_one_new_name_make_one_person(app, world, backend):
    """Two devices sign in the same newcomer at once: one roster person, one row (on PostgreSQL
    nothing but a lock keeps two requests from each making the person)."""
    url = f"/api/v1/screenings/{world['open'].id}/attendance"

    def walk_in(client):
        response = client.post(url, json={"walkin_name": "新来的", "village": "东村",
                                          "method": "operator"})
        return response.status_code, response.get_json()["person_id"]

    answers = at_once(app, 8, walk_in)
    assert sorted(code for code, _ in answers) == [200] * 7 + [201]
    assert len({person for _, person in answers}) == 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Person.id)).where(Person.name == "新来的")) == 1
    assert db.session.scalar(select(func.count(Attendance.id))) == 1

"""The roster API and scope: who sees whom (and whose phone), where a new person may be put,
and bad JSON fields answered with 422, never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.errors import Invalid
from app.extensions import db
from app.models import Person
from app.people.services import create_person, village_named
from tests.conftest import token_client


@pytest.fixture
def world(app, make):
    a, c = make.three_sites()
    make.user("town-cg", "township", township="城关镇")
    for name, village in (("张三", "东村"), ("李四", "西村"), ("王五", "石桥村")):
        make.person(name, village=village, phone="13800138000")
    return {"a": a, "c": c}


def listed(api, **args) -> dict:
    response = api.get("/api/v1/people", query_string=args)
    assert response.status_code == 200, response.json
    return response.json


def count_people() -> int:
    return db.session.scalar(select(func.count(Person.id)))


# --- who sees whom -------------------------------------------------------------------------

@pytest.mark.parametrize(("user", "names"), [
    ("admin", {"张三", "李四", "王五"}),
    ("town-cg", {"张三", "李四"}),
    ("op-a", {"张三"}),
    ("kiosk-a", {"张三"}),  # its site's villages; the township's on request, see below
])
def test_people_list_keeps_to_the_callers_area(app, world, user, names):
    found = listed(token_client(app, user))
    assert {p["name"] for p in found["items"]} == names
    assert found["total"] == len(names)


def test_search_stays_in_the_area(app, world):
    api = token_client(app, "op-a")
    assert listed(api, q="ww")["items"] == []  # 王五 of another township
    assert [p["name"] for p in listed(api, q="zs")["items"]] == ["张三"]


def test_a_kiosk_gets_the_township_on_request_and_what_the_sign_in_page_shows_only(app, world):
    kiosk = token_client(app, "kiosk-a")
    assert {p["name"] for p in listed(kiosk, scope="township")["items"]} == {"张三", "李四"}
    for person in listed(kiosk, scope="township")["items"]:
        assert set(person) == {"id", "name", "village", "township"}  # no party, role or phone
    operator = listed(token_client(app, "op-a"))["items"]
    assert [(p["name"], p["phone"]) for p in operator] == [("张三", "13800138000")]


def test_deactivated_people_are_not_listed_as_on_the_page(app, world):
    db.session.scalar(select(Person).where(Person.name == "张三")).active = False
    db.session.commit()
    for user in ("admin", "op-a", "kiosk-a"):
        assert "张三" not in {p["name"] for p in listed(token_client(app, user))["items"]}, user


# --- adding a person -----------------------------------------------------------------------

def test_an_operator_adds_only_to_the_villages_of_their_site(app, world):
    api = token_client(app, "op-a")
    before = count_people()
    outside = api.post("/api/v1/people", json={"name": "越权测试", "village": "石桥村",
                                                "township": "河口乡"})
    assert outside.status_code == 403 and outside.json["error"]["code"] == "forbidden"
    assert "石桥村" in outside.json["error"]["message"]
    assert api.post("/api/v1/people", json={"name": "越权测试", "village": "西村"}
                    ).status_code == 403  # the same township, another site's village
    assert count_people() == before
    inside = api.post("/api/v1/people", json={"name": "赵六", "village": "东村"})
    assert inside.status_code == 201 and inside.json["village"] == "东村"
    assert api.get(f"/people/{inside.json['id']}").status_code == 200


def test_a_township_officer_adds_only_in_their_township(app, world):
    api = token_client(app, "town-cg")
    assert api.post("/api/v1/people", json={"name": "甲", "village": "石桥村"}).status_code == 403
    assert api.post("/api/v1/people", json={"name": "乙", "village": "西村"}).status_code == 201
    admin = token_client(app, "admin")
    assert admin.post("/api/v1/people", json={"name": "丙", "village": "石桥村"}).status_code == 201


@pytest.mark.parametrize("user", ["admin", "town-cg", "op-a"])
@pytest.mark.parametrize("village", [None, "", "  "])
def test_a_village_is_required_as_on_the_form(app, world, user, village):
    api = token_client(app, user)
    before = count_people()
    body = {"name": "无村测试"} if village is None else {"name": "无村测试", "village": village}
    response = api.post("/api/v1/people", json=body)
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "invalid"
    assert "village" in response.json["error"]["message"]
    assert count_people() == before


@pytest.mark.parametrize("phone", ["<b>x</b>", "138abc", "1" * 21, "１３８"])
def test_a_phone_has_digits_only(app, world, phone):
    api = token_client(app, "op-a")
    response = api.post("/api/v1/people", json={"name": "赵六", "village": "东村", "phone": phone})
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "invalid"
    assert count_people() == 3


def test_a_phone_is_stored_as_its_digits(app, world):
    api = token_client(app, "op-a")
    response = api.post("/api/v1/people", json={"name": "赵六", "village": "东村",
                                                 "phone": "138 0013-8000"})
    assert response.status_code == 201 and response.json["phone"] == "13800138000"
    empty = api.post("/api/v1/people", json={"name": "钱七", "village": "东村", "phone": ""})
    assert empty.status_code == 201 and empty.json["phone"] is None


@pytest.mark.both_databases
@pytest.mark.parametrize(("field", "value"), [
    ("phone", 123), ("phone", ["1"]), ("village", 123), ("village", ["东村"]),
    ("township", 1), ("name", ["a"]), ("name", 7), ("name", {"a": 1}), ("role", ["cadre"]),
])
def test_wrongly_typed_fields_are_422(app, world, field, value):
    api = token_client(app, "admin")
    body = {"name": "x", "village": "东村", field: value}
    response = api.post("/api/v1/people", json=body)
    assert response.status_code == 422, response.json
    assert response.json["error"] == {
        "code": "invalid", "message": f"Field {field} has the wrong type."}
    assert count_people() == 3


def test_a_kiosk_still_may_not_add_people(app, world):
    api = token_client(app, "kiosk-a")
    assert api.post("/api/v1/people", json={"name": "赵六", "village": "东村"}).status_code == 403


# --- the services the walk-in code shares --------------------------------------------------

@pytest.mark.parametrize("value", [123, ["东村"], {"v": 1}])
def test_village_named_refuses_a_non_string(app, world, value):
    with pytest.raises(Invalid):
        village_named(value)
    with pytest.raises(Invalid):
        village_named("东村", township=value)


@pytest.mark.parametrize(("name", "phone"), [(["a"], None), (7, None), ("赵六", 123)])
def test_create_person_refuses_non_strings(app, world, name, phone):
    with pytest.raises(Invalid):
        create_person(name, village=village_named("东村"), phone=phone)


def test_valid_input_to_the_services_is_unchanged(app, world):
    assert village_named(" 东村 ").name == "东村" and village_named("") is None
    walkin = create_person(" 赵  六 ", village=None, phone="  ", walkin=True)
    assert (walkin.name, walkin.village, walkin.phone, walkin.walkin) == ("赵 六", None, None, True)

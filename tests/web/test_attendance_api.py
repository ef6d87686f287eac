"""Sign-in through the API: 201 new, 200 already signed (one row, ever), unknown people, the
window for kiosk and phone, walk-ins (and their villages), simultaneous sign-ins of one person,
a sign-in over an earlier mark, statuses a kiosk or a phone may not set, wrongly typed fields and
deactivated people."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.attendance.services import sign_in
from app.extensions import db
from app.models import Attendance, Person
from app.places.services import get_or_make_unit
from tests.conftest import at_once, client_of, csrf_token, token_client
from tests.web.conftest import api_url, marks, walkin

pytestmark = pytest.mark.both_databases  # see tests/conftest.py


@pytest.fixture
def world(app, make, now):
    site = make.site("P-001", township="城关镇", village="东村")
    make.site("P-002", township="城关镇", village="西村")
    make.user("admin", "admin")
    make.user("kiosk-a", "kiosk", site=site)
    people = make.people("东村", ("张三", {"party_member": True, "role": "member"}), "欧阳娜娜",
                         ("曾小明", {"party_member": True, "role": "cadre"}))
    open_now = make.screening(site, start=now - timedelta(minutes=20), topic="党课", force=False)
    later = make.screening(site, start=now + timedelta(days=2), topic="以后", force=False)
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
    there = make.screening(other, start=datetime.now(UTC), topic="x")
    assert api.post(f"/api/v1/screenings/{there.id}/attendance",
                    json={"person_id": person}).status_code == 403
    assert api.get("/api/v1/sites").status_code == 403


def test_staff_sign_in_only_people_of_their_area(app, make, world):
    """An operator reaches the people of the site's township, a township officer those of its
    own; a person beyond is unknown, as one who does not exist, and nothing is written."""
    make.user("op-a", "operator", site=world["site"])
    other = make.site("P-003", township="河口乡", village="石桥村")
    make.user("town-b", "township", township="河口乡")
    (stranger,) = make.people("石桥村", "李四").values()
    url = f"/api/v1/screenings/{world['open'].id}/attendance"
    operator = token_client(app, "op-a")
    refused = operator.post(url, json={"person_id": str(stranger.id), "method": "operator"})
    assert refused.status_code == 404
    assert refused.json == operator.post(url, json={"person_id": str(uuid.uuid4()),
                                                    "method": "operator"}).json
    neighbour = str(world["people"]["张三"].id)
    assert operator.post(url, json={"person_id": neighbour, "method": "operator"}).status_code == 201
    there = make.screening(other, start=datetime.now(UTC), topic="x")
    officer = token_client(app, "town-b")
    assert officer.post(f"/api/v1/screenings/{there.id}/attendance",
                        json={"person_id": neighbour, "method": "operator"}).status_code == 404
    assert officer.post(f"/api/v1/screenings/{there.id}/attendance",
                        json={"person_id": str(stranger.id), "method": "operator"}).status_code == 201
    assert db.session.scalar(select(func.count(Attendance.id))) == 2


def test_simultaneous_sign_ins_of_one_person_store_one_row(app, world, backend):
    url = f"/api/v1/screenings/{world['open'].id}/attendance"
    person = str(world["people"]["欧阳娜娜"].id)
    codes = at_once(app, 8, lambda client: client.post(
        url, json={"person_id": person, "method": "operator"}).status_code)
    assert sorted(codes) == [200] * 7 + [201]
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Attendance.id))) == 1


def test_search_wildcards_are_literal_and_typed_characters_must_match(app, world, make):
    make.person("周山", village="东村")
    make.person("张_三", village="东村")
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


# --- a mark set before; walk-ins' villages; statuses; typed fields; deactivated people ------------

def test_api_sign_in_over_an_absent_mark_is_201_with_the_same_row(app, open_sheet):
    s, li = open_sheet["open"], open_sheet["people"]["李四"]
    first = sign_in(s, method="operator", person=li, status="absent", recorded_by="op-a")
    db.session.commit()
    row_id = str(first.attendance.id)
    kiosk = token_client(app, "kiosk-a")
    response = kiosk.post(api_url(s), json={"person_id": str(li.id)})
    assert response.status_code == 201
    assert (response.json["id"], response.json["status"], response.json["method"]) == (
        row_id, "present", "kiosk")
    assert response.json["replaced"] == "absent"  # the kiosk's page offers no undo for it
    again = kiosk.post(api_url(s), json={"person_id": str(li.id)})
    assert again.status_code == 200 and again.json["id"] == row_id
    assert again.json["replaced"] is None
    browser = client_of(app, "kiosk-a")
    undo = browser.post(f"/kiosk/undo/{row_id}", headers={"Accept": "application/json"},
                        data={"csrf_token": csrf_token(browser, "/kiosk")})
    assert undo.status_code == 409 and marks(s)["李四"].status == "present"
    assert db.session.scalar(select(func.count(Attendance.id))) == 1


def test_phone_sign_in_over_an_absent_mark_is_late_by_the_usual_rule(app, now, open_sheet, make):
    s = make.screening(open_sheet["site"], start=now - timedelta(minutes=30), audience="party_members")
    wang = open_sheet["people"]["王五"]
    sign_in(s, method="operator", person=wang, status="absent", recorded_by="op-a")
    result = sign_in(s, method="phone", person=wang, device="d" * 32)
    assert result.replaced == "absent" and not result.created
    assert (result.attendance.status, result.attendance.method) == ("late", "phone")


def test_api_walkin_outside_the_screenings_villages_is_refused(app, open_sheet):
    api = token_client(app, "kiosk-a")
    response = api.post(api_url(open_sheet["open"]), json={"walkin_name": "远村来客",
                                                      "village": "蒋家营村"})
    assert response.status_code == 422
    assert response.json["error"]["message"] == "蒋家营村 is not one of this screening's villages."
    assert walkin("远村来客") is None


def test_api_walkin_without_a_village_takes_the_screenings_only_village(app, open_sheet):
    api = token_client(app, "kiosk-a")
    response = api.post(api_url(open_sheet["open"]), json={"walkin_name": "没写村的"})
    assert response.status_code == 201
    person = walkin("没写村的")
    assert person.village_id == open_sheet["east"].id and person.walkin
    operator = client_of(app, "op-a")  # the operator can review them
    assert operator.get(f"/people/{person.id}").status_code == 200
    assert "没写村的" in operator.get("/people?walkins=1").get_data(as_text=True)


def test_walkin_without_a_village_at_a_screening_of_several_villages_is_refused(app, now, open_sheet, make):
    station = make.site("S-001", township="城关镇", village=None, kind="station")
    get_or_make_unit("西村", "village", station.unit)
    s = make.screening(station, start=now - timedelta(minutes=5), audience="party_members")
    api = token_client(app, "admin")
    response = api.post(api_url(s), json={"walkin_name": "没写村的", "method": "operator"})
    assert response.status_code == 422 and response.json["error"]["message"] == "Choose the village."
    assert api.post(api_url(s), json={"walkin_name": "西村人", "village": "西村",
                                      "method": "operator"}).status_code == 201
    assert walkin("西村人").village.name == "西村"


@pytest.mark.both_databases
@pytest.mark.parametrize("body, field", [
    ({"walkin_name": "x", "village": 5}, "village"),
    ({"walkin_name": "x", "village": "东村", "device": 5}, "device"),
    ({"walkin_name": "x", "village": "东村", "device": ["a"]}, "device"),
    ({"walkin_name": 5, "village": "东村"}, "walkin_name"),
    ({"walkin_name": "x", "village": "东村", "method": ["operator"]}, "method"),
    ({"walkin_name": "x", "village": "东村", "status": {"a": 1}}, "status"),
])
def test_wrongly_typed_fields_are_422(app, open_sheet, body, field):
    api = token_client(app, "admin")
    response = api.post(api_url(open_sheet["open"]), json=body)
    assert response.status_code == 422
    assert response.json["error"]["message"] == f"Field {field} has the wrong type."
    assert db.session.scalar(select(func.count(Attendance.id))) == 0


@pytest.mark.parametrize("status", ["excused", "present"])
def test_kiosk_may_not_send_a_status(app, now, open_sheet, status, make):
    late = make.screening(open_sheet["site"], start=now - timedelta(minutes=20), audience="party_members")
    api = token_client(app, "kiosk-a")
    response = api.post(api_url(late), json={"walkin_name": "来客", "village": "东村",
                                             "status": status})
    assert response.status_code == 403
    assert response.json["error"]["message"] == (
        "A kiosk does not set the status: it follows from the time of sign-in.")
    assert marks(late) == {}
    response = api.post(api_url(late), json={"person_id": str(open_sheet["people"]["张三"].id)})
    assert response.status_code == 201 and response.json["status"] == "late"


def test_staff_may_not_set_the_status_of_a_phone_sign_in(app, open_sheet):
    api = token_client(app, "admin")
    response = api.post(api_url(open_sheet["open"]), json={
        "person_id": str(open_sheet["people"]["张三"].id), "method": "phone", "status": "excused"})
    assert response.status_code == 422 and marks(open_sheet["open"]) == {}


def test_api_refuses_a_deactivated_person_like_the_kiosk(app, open_sheet):
    zhang = open_sheet["people"]["张三"]
    zhang.active = False
    db.session.commit()
    for username in ("kiosk-a", "admin"):
        response = token_client(app, username).post(api_url(open_sheet["open"]),
                                                    json={"person_id": str(zhang.id)})
        assert response.status_code == 404, username
    assert marks(open_sheet["open"]) == {}


def test_walkin_matching_only_a_deactivated_person_is_a_new_walkin_to_review(app, open_sheet):
    zhang = open_sheet["people"]["张三"]
    zhang.active = False
    db.session.commit()
    response = token_client(app, "kiosk-a").post(api_url(open_sheet["open"]),
                                                 json={"walkin_name": "张三", "village": "东村"})
    assert response.status_code == 201 and response.json["person_id"] != str(zhang.id)
    db.session.expire_all()
    new = db.session.get(Person, uuid.UUID(response.json["person_id"]))
    assert new.walkin and new.active and new.village_id == open_sheet["east"].id
    assert db.session.get(Person, zhang.id).active is False


def test_walkin_matching_an_active_roster_person_signs_them_in(app, open_sheet):
    li = open_sheet["people"]["李四"]
    response = token_client(app, "kiosk-a").post(api_url(open_sheet["open"]),
                                                 json={"walkin_name": "李四", "village": "东村"})
    assert response.status_code == 201 and response.json["person_id"] == str(li.id)

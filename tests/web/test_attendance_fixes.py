"""Sign-in cases found wanting in review: a person marked absent who comes after all, walk-ins'
villages (shared names, outside the area, none given), wrongly typed JSON, the hub leaving an
enrolled site's sheet alone, statuses a kiosk may not set, paper entry's errors and limits,
deactivated people, and who corrected a mark."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.attendance.services import sign_in
from app.extensions import db
from app.models import Attendance, Person, Screening
from app.models.sync import SyncPeer
from app.people.services import create_person
from app.places.services import get_or_make_unit
from app.screenings.single import create_screening
from tests.conftest import client_of, csrf_token, token_client


@pytest.fixture
def world(app, now, make):
    """P-001 in 城关镇/东村 with an open screening; another 东村 in 河口乡 (P-900) and 蒋家营村."""
    site = make.site("P-001", township="城关镇", village="东村")
    make.site("P-900", township="河口乡", village="东村", name="河口东村点")
    make.site("P-901", township="河口乡", village="蒋家营村")
    make.user("admin", "admin")
    make.user("op-a", "operator", site=site)
    make.user("kiosk-a", "kiosk", site=site)
    east = site.unit
    people = {name: create_person(name, village=east, party_member=True, role="member")
              for name in ("张三", "李四", "王五")}
    open_now = screening(site, start=now - timedelta(minutes=5))
    db.session.commit()
    return {"site": site, "east": east, "people": people, "open": open_now}


def screening(site, *, start: datetime, minutes: int = 60) -> Screening:
    row, _ = create_screening(site, starts_at=start, ends_at=start + timedelta(minutes=minutes),
                              topic="党课", audience="party_members", force=True)
    db.session.commit()
    return row


def api_url(s: Screening) -> str:
    return f"/api/v1/screenings/{s.id}/attendance"


def marks(s: Screening) -> dict[str, Attendance]:
    db.session.expire_all()
    found = db.session.scalars(select(Attendance).where(Attendance.screening_id == s.id)).all()
    return {a.person.name: a for a in found}


def mark_at_rollcall(client, s: Screening, person: Person, status: str):
    url = f"/screenings/{s.id}/rollcall"
    response = client.post(url, data={"csrf_token": csrf_token(client, url),
                                      f"status-{person.id}": status})
    assert response.status_code == 302


def kiosk_sign(client, s: Screening, **form):
    return client.post("/kiosk/sign", data={"csrf_token": csrf_token(client, "/kiosk"),
                                            "screening_id": str(s.id), **form})


def paper_entry(client, s: Screening, lines: list[tuple[str, str]], **extra):
    url = f"/screenings/{s.id}/paper/entry"
    data = {"csrf_token": csrf_token(client, url), **extra}
    for n, (name, village) in enumerate(lines):
        data[f"walkins-{n}-name"], data[f"walkins-{n}-village"] = name, village
    return client.post(url, data=data)


def walkin(name: str) -> Person | None:
    db.session.expire_all()
    return db.session.scalar(select(Person).where(Person.name == name))


# --- 3: someone marked absent or excused who comes after all ------------------------------------

@pytest.mark.parametrize("mark", ["absent", "excused"])
def test_kiosk_turns_an_absent_or_excused_mark_into_the_sign_in(app, world, mark):
    s, zhang = world["open"], world["people"]["张三"]
    mark_at_rollcall(client_of(app, "op-a"), s, zhang, mark)
    kiosk = client_of(app, "kiosk-a")
    response = kiosk_sign(kiosk, s, person_id=str(zhang.id))
    assert response.status_code == 303 and "new=1" in response.headers["Location"]
    html = kiosk.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'id="kiosk-state">Signed in<', html)
    assert 'id="kiosk-undo" action=""' in html  # it replaced a mark: the operator changes it
    row = marks(s)["张三"]
    assert (row.status, row.method, row.recorded_by) == ("present", "kiosk", "kiosk-a")
    assert kiosk.get("/kiosk/count").json["count"] == 1
    assert db.session.scalar(select(func.count(Attendance.id))) == 1


def test_api_sign_in_over_an_absent_mark_is_201_with_the_same_row(app, world):
    s, li = world["open"], world["people"]["李四"]
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


def test_phone_sign_in_over_an_absent_mark_is_late_by_the_usual_rule(app, now, world):
    s = screening(world["site"], start=now - timedelta(minutes=30))
    wang = world["people"]["王五"]
    sign_in(s, method="operator", person=wang, status="absent", recorded_by="op-a")
    result = sign_in(s, method="phone", person=wang, device="d" * 32)
    assert result.replaced == "absent" and not result.created
    assert (result.attendance.status, result.attendance.method) == ("late", "phone")


# --- 4 and 5: a walk-in's village is one of the screening's villages --------------------------

def test_kiosk_walkin_with_a_village_name_shared_across_the_network(app, world):
    kiosk = client_of(app, "kiosk-a")
    response = kiosk_sign(kiosk, world["open"], walkin_name="新来的", village="东村")
    assert response.status_code == 303
    assert walkin("新来的").village_id == world["east"].id
    api = token_client(app, "kiosk-a")
    response = api.post(api_url(world["open"]), json={"walkin_name": "又来的", "village": "东村"})
    assert response.status_code == 201
    assert walkin("又来的").village_id == world["east"].id


def test_paper_walkin_with_a_village_name_shared_across_the_network(app, world):
    operator = client_of(app, "op-a")
    response = paper_entry(operator, world["open"], [("纸上来的", "东村")])
    assert response.status_code == 302
    assert walkin("纸上来的").village_id == world["east"].id


def test_api_walkin_outside_the_screenings_villages_is_refused(app, world):
    api = token_client(app, "kiosk-a")
    response = api.post(api_url(world["open"]), json={"walkin_name": "远村来客",
                                                      "village": "蒋家营村"})
    assert response.status_code == 422
    assert response.json["error"]["message"] == "蒋家营村 is not one of this screening's villages."
    assert walkin("远村来客") is None


def test_api_walkin_without_a_village_takes_the_screenings_only_village(app, world):
    api = token_client(app, "kiosk-a")
    response = api.post(api_url(world["open"]), json={"walkin_name": "没写村的"})
    assert response.status_code == 201
    person = walkin("没写村的")
    assert person.village_id == world["east"].id and person.walkin
    operator = client_of(app, "op-a")  # the operator can review them
    assert operator.get(f"/people/{person.id}").status_code == 200
    assert "没写村的" in operator.get("/people?walkins=1").get_data(as_text=True)


def test_walkin_without_a_village_at_a_screening_of_several_villages_is_refused(app, now, world, make):
    station = make.site("S-001", township="城关镇", village=None, kind="station")
    get_or_make_unit("西村", "village", station.unit)
    s = screening(station, start=now - timedelta(minutes=5))
    api = token_client(app, "admin")
    response = api.post(api_url(s), json={"walkin_name": "没写村的", "method": "operator"})
    assert response.status_code == 422 and response.json["error"]["message"] == "Choose the village."
    assert api.post(api_url(s), json={"walkin_name": "西村人", "village": "西村",
                                      "method": "operator"}).status_code == 201
    assert walkin("西村人").village.name == "西村"


@pytest.mark.parametrize("village", ["蒋家营村", ""])
def test_paper_walkin_outside_the_area_or_without_a_village(app, now, world, make, village):
    station = make.site("S-001", township="城关镇", village=None, kind="station")
    get_or_make_unit("西村", "village", station.unit)
    make.user("op-s", "operator", site=station)
    s = screening(station, start=now - timedelta(minutes=5))
    operator = client_of(app, "op-s")
    response = paper_entry(operator, s, [("纸上来的", village)],
                           present=[str(world["people"]["张三"].id)])
    assert response.status_code == 422
    assert "Nothing was saved" in response.get_data(as_text=True)
    assert marks(s) == {} and walkin("纸上来的") is None


def test_paper_walkin_without_a_village_takes_the_only_village(app, world):
    operator = client_of(app, "op-a")
    assert paper_entry(operator, world["open"], [("纸上来的", "")]).status_code == 302
    assert walkin("纸上来的").village_id == world["east"].id


# --- 6: wrongly typed JSON -----------------------------------------------------------------------

@pytest.mark.both_databases
@pytest.mark.parametrize("body, field", [
    ({"walkin_name": "x", "village": 5}, "village"),
    ({"walkin_name": "x", "village": "东村", "device": 5}, "device"),
    ({"walkin_name": "x", "village": "东村", "device": ["a"]}, "device"),
    ({"walkin_name": 5, "village": "东村"}, "walkin_name"),
    ({"walkin_name": "x", "village": "东村", "method": ["operator"]}, "method"),
    ({"walkin_name": "x", "village": "东村", "status": {"a": 1}}, "status"),
])
def test_wrongly_typed_fields_are_422(app, world, body, field):
    api = token_client(app, "admin")
    response = api.post(api_url(world["open"]), json=body)
    assert response.status_code == 422
    assert response.json["error"]["message"] == f"Field {field} has the wrong type."
    assert db.session.scalar(select(func.count(Attendance.id))) == 0


# --- 7: the hub leaves an enrolled site's sheet to the site --------------------------------------

@pytest.mark.parametrize("page", ["rollcall", "record"])
def test_viewing_at_the_hub_does_not_close_an_enrolled_sites_screening(app, now, world, page):
    past = screening(world["site"], start=now - timedelta(hours=3))
    db.session.add(SyncPeer(code="P-001", kind="site", key="ab" * 32))
    db.session.commit()
    operator = client_of(app, "op-a")
    assert operator.get(f"/screenings/{past.id}/{page}").status_code == 200
    assert marks(past) == {}
    assert db.session.get(Screening, past.id).attendance_closed is False


def test_viewing_still_closes_a_screening_of_a_site_not_enrolled(app, now, world):
    past = screening(world["site"], start=now - timedelta(hours=3))
    client_of(app, "op-a").get(f"/screenings/{past.id}/rollcall")
    assert {a.status for a in marks(past).values()} == {"absent"} and len(marks(past)) == 3


# --- 8: a kiosk or phone sign-in's status is worked out, never sent ------------------------------

@pytest.mark.parametrize("status", ["excused", "present"])
def test_kiosk_may_not_send_a_status(app, now, world, status):
    late = screening(world["site"], start=now - timedelta(minutes=20))
    api = token_client(app, "kiosk-a")
    response = api.post(api_url(late), json={"walkin_name": "来客", "village": "东村",
                                             "status": status})
    assert response.status_code == 403
    assert response.json["error"]["message"] == (
        "A kiosk does not set the status: it follows from the time of sign-in.")
    assert marks(late) == {}
    response = api.post(api_url(late), json={"person_id": str(world["people"]["张三"].id)})
    assert response.status_code == 201 and response.json["status"] == "late"


def test_staff_may_not_set_the_status_of_a_phone_sign_in(app, world):
    api = token_client(app, "admin")
    response = api.post(api_url(world["open"]), json={
        "person_id": str(world["people"]["张三"].id), "method": "phone", "status": "excused"})
    assert response.status_code == 422 and marks(world["open"]) == {}


# --- 9 and 11: paper entry's errors speak the page's language; too many lines save nothing ---------

def test_paper_walkin_errors_are_translated_and_inputs_have_maxlength(app, world):
    operator = client_of(app, "op-a")
    operator.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN,zh;q=0.9"
    url = f"/screenings/{world['open'].id}/paper/entry"
    page = operator.get(url).get_data(as_text=True)
    inputs = re.findall(r'<input id="walkins-\d+-(\w+)"[^>]*maxlength="(\d+)"', page)
    assert sorted(inputs) == [("name", "40")] * 5 + [("village", "100")] * 5
    response = paper_entry(operator, world["open"], [("来客", "村" * 101)])
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Field cannot be longer" not in html and "100" in html
    assert re.search(r'class="error">村: [^<]*\u5b57[^<]*100', html)  # 字段长度…100
    assert marks(world["open"]) == {}


def test_paper_entry_with_more_lines_than_it_takes_saves_nothing(app, world):
    operator = client_of(app, "op-a")
    response = paper_entry(operator, world["open"], [(f"来客{n}", "东村") for n in range(60)],
                           present=[str(world["people"]["张三"].id)])
    assert response.status_code == 422
    assert "A sheet takes at most 50 walk-in lines" in response.get_data(as_text=True)
    assert marks(world["open"]) == {}
    assert db.session.scalar(select(func.count(Person.id)).where(Person.walkin.is_(True))) == 0


# --- (a) deactivated people ------------------------------------------------------------------------

def test_api_refuses_a_deactivated_person_like_the_kiosk(app, world):
    zhang = world["people"]["张三"]
    zhang.active = False
    db.session.commit()
    for username in ("kiosk-a", "admin"):
        response = token_client(app, username).post(api_url(world["open"]),
                                                    json={"person_id": str(zhang.id)})
        assert response.status_code == 404, username
    assert marks(world["open"]) == {}


def test_walkin_matching_only_a_deactivated_person_is_a_new_walkin_to_review(app, world):
    zhang = world["people"]["张三"]
    zhang.active = False
    db.session.commit()
    response = token_client(app, "kiosk-a").post(api_url(world["open"]),
                                                 json={"walkin_name": "张三", "village": "东村"})
    assert response.status_code == 201 and response.json["person_id"] != str(zhang.id)
    db.session.expire_all()
    new = db.session.get(Person, uuid.UUID(response.json["person_id"]))
    assert new.walkin and new.active and new.village_id == world["east"].id
    assert db.session.get(Person, zhang.id).active is False


def test_walkin_matching_an_active_roster_person_signs_them_in(app, world):
    li = world["people"]["李四"]
    response = token_client(app, "kiosk-a").post(api_url(world["open"]),
                                                 json={"walkin_name": "李四", "village": "东村"})
    assert response.status_code == 201 and response.json["person_id"] == str(li.id)


# --- (b) a roll-call correction keeps who signed in and says who corrected it -------------------

def test_rollcall_correction_of_a_kiosk_sign_in_keeps_both_names(app, world):
    s, zhang = world["open"], world["people"]["张三"]
    kiosk_sign(client_of(app, "kiosk-a"), s, person_id=str(zhang.id))
    operator = client_of(app, "op-a")
    mark_at_rollcall(operator, s, zhang, "late")
    row = marks(s)["张三"]
    assert (row.status, row.method, row.recorded_by) == ("late", "kiosk", "kiosk-a → op-a")
    page = operator.get(f"/screenings/{s.id}/rollcall").get_data(as_text=True)
    assert "kiosk-a · corrected by op-a" in page
    mark_at_rollcall(client_of(app, "admin"), s, zhang, "present")  # a second correction
    assert marks(s)["张三"].recorded_by == "kiosk-a → admin"


def test_rollcall_correction_of_an_operator_mark_is_the_operators(app, world):
    s, zhang = world["open"], world["people"]["张三"]
    operator = client_of(app, "op-a")
    mark_at_rollcall(operator, s, zhang, "absent")
    mark_at_rollcall(client_of(app, "admin"), s, zhang, "excused")
    row = marks(s)["张三"]
    assert (row.status, row.method, row.recorded_by) == ("excused", "operator", "admin")


# --- second review ----------------------------------------------------------------------------

def test_a_villagers_screening_expects_neither_party_members_nor_cadres(app, now, world):
    """东村: 张三 李四 王五 (party members, from the fixture), a cadre who is no party member, an
    activist and a villager: a villagers' screening expects the last two only, and its closed
    sheet marks only them absent."""
    from app.attendance.services import close_if_due, expected_people

    east = world["east"]
    create_person("赵干部", village=east, role="cadre")
    create_person("钱积极", village=east, role="activist")
    create_person("孙群众", village=east)
    row, _ = create_screening(world["site"], starts_at=now - timedelta(hours=3),
                              ends_at=now - timedelta(hours=2), topic="果树修剪",
                              audience="villagers", force=True)
    db.session.commit()
    assert [p.name for p in expected_people(row)] == ["钱积极", "孙群众"]
    assert close_if_due(row) == 2
    assert set(marks(row)) == {"钱积极", "孙群众"}


@pytest.mark.parametrize("mark", ["late", "excused"])
def test_a_paper_line_leaves_a_late_or_excused_mark_alone(app, world, mark):
    operator = client_of(app, "op-a")
    zhang = world["people"]["张三"]
    mark_at_rollcall(operator, world["open"], zhang, mark)
    response = paper_entry(operator, world["open"], [("张三", "东村")])
    assert response.status_code == 302
    assert marks(world["open"])["张三"].status == mark


def test_a_paper_line_over_an_absent_mark_signs_in_and_is_counted(app, world):
    operator = client_of(app, "op-a")
    zhang, li = world["people"]["张三"], world["people"]["李四"]
    mark_at_rollcall(operator, world["open"], zhang, "absent")
    mark_at_rollcall(operator, world["open"], li, "absent")
    response = paper_entry(operator, world["open"], [("张三", "东村")], present=str(li.id))
    assert response.status_code == 302
    rows = marks(world["open"])
    assert (rows["张三"].status, rows["张三"].method) == ("present", "paper")
    assert (rows["李四"].status, rows["李四"].method) == ("present", "paper")
    page = operator.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r"(Saved: 2 sign-ins from the sheet|已保存.*2)", page), page[:2000]


def test_moving_a_closed_screening_takes_back_its_automatic_absences(app, now, world):
    """A date typed wrong in the past: the sheet closed by itself (three absent). Moved to next
    week, it has no absences and closes again only after its new end; a mark an operator set
    by hand stays."""
    from app.attendance.services import close_if_due
    from app.screenings.single import update_screening

    past = screening(world["site"], start=now - timedelta(hours=3))
    sign_in(past, method="operator", person=world["people"]["张三"], status="excused",
            recorded_by="op-a")
    assert close_if_due(past) == 2
    later = now + timedelta(days=7)
    update_screening(past, {"starts_at": later.isoformat(),
                            "ends_at": (later + timedelta(hours=1)).isoformat()}, force=True)
    db.session.commit()
    assert {name: a.status for name, a in marks(past).items()} == {"张三": "excused"}
    assert db.session.get(Screening, past.id).attendance_closed is False
    assert close_if_due(past) == 0  # not over yet


def test_hours_just_under_the_target_do_not_show_as_the_target(app):
    with app.test_request_context():
        hours = app.jinja_env.get_template("people/_person.html").module.hours
        assert [str(hours(v)) for v in (19.96, 7.2, 4.3, 0.0, 20.0)] == [
            "19.9", "7.2", "4.3", "0.0", "20.0"]

"""The kiosk and the phone sign-in: the open screening, search, sign, already, undo for 30 s,
walk-ins (and their village when its name is shared), the kiosk fence, the rotating QR code, one
person per phone, and a kiosk sign-in over an absent or excused mark."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock as app_clock
from app.attendance import kiosk, qr
from app.extensions import db
from app.models import Attendance, Person
from app.qrcodes import svg as qr_svg
from tests.conftest import client_of, csrf_token, token_client
from tests.web.conftest import api_url, kiosk_sign, mark_at_rollcall, marks, walkin


@pytest.fixture
def world(app, make, now):
    site = make.site("P-001", township="城关镇", village="东村")
    other = make.site("P-002", township="城关镇", village="西村")
    make.user("admin", "admin")
    make.user("op-a", "operator", site=site)
    make.user("kiosk-a", "kiosk", site=site)
    make.user("kiosk-b", "kiosk", site=other)
    people = make.people("东村", ("张三", {"party_member": True}), "欧阳娜娜",
                         ("曾小明", {"party_member": True}))
    people["周顺"] = make.person("周顺", village="西村")
    open_now = make.screening(site, start=now - timedelta(minutes=5), topic="党员学习", force=False)
    later = make.screening(site, start=now + timedelta(days=2), topic="以后的放映", force=False)
    return {"site": site, "people": people, "open": open_now, "later": later}


@pytest.fixture
def afar(world, make):
    """Two people the kiosk's search must keep apart from: 张山 (zs) of another township, and
    a second 张三, of 西村 (P-001's township, not its village)."""
    make.site("P-009", township="河口乡", village="石桥村")
    world["people"]["张山"] = make.person("张山", village="石桥村")
    world["people"]["西村张三"] = make.person("张三", village="西村")
    return world


def rows() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Attendance.id)))


def sign(client, world, **form):
    form = {"csrf_token": csrf_token(client, "/kiosk"), "screening_id": str(world["open"].id),
            **form}
    return client.post("/kiosk/sign", data=form)


def test_kiosk_shows_the_open_screening(client, world, login):
    login("kiosk-a")
    html = client.get("/kiosk").get_data(as_text=True)
    assert "党员学习" in html and "以后的放映" not in html
    assert re.search(r'id="kiosk-count">0<', html)
    assert f'/screenings/{world["open"].id}/qr.svg' in html
    assert client.get("/kiosk/count").json == {"screening_id": str(world["open"].id), "count": 0}


def test_no_open_screening_says_when_the_next_opens(client, world, login):
    world["open"].status = "cancelled"
    db.session.commit()
    login("kiosk-a")
    html = client.get("/kiosk").get_data(as_text=True)
    assert "No screening is open for sign-in right now." in html
    assert "Sign-in for 以后的放映 opens at" in html
    assert client.get("/kiosk/count").json == {"screening_id": None, "count": 0}


def test_of_several_open_screenings_the_next_to_start(app, world, clock, make):

    soon = make.screening(world["site"], start=clock.now + timedelta(minutes=70), minutes=30,
                          topic="接着放", force=False)
    assert kiosk.current_screening(world["site"], clock.now) == world["open"]
    clock.now += timedelta(minutes=60)  # the first has ended, the second opened 20 minutes ago
    assert kiosk.current_screening(world["site"], clock.now) == soon


@pytest.mark.parametrize("q, first", [("zs", "张三"), ("oynn", "欧阳娜娜"), ("张三", "张三"),
                                      ("zengxiaoming", "曾小明")])
def test_search_without_javascript(client, world, login, q, first):
    login("kiosk-a")
    html = client.get(f"/kiosk?q={q}").get_data(as_text=True)
    names = re.findall(r'<button class="person"><b>([^<]+)</b>', html)
    assert names[0] == first
    if q == "zs":  # the screening's villages only (周顺 of 西村 on an explicit search, below)
        assert names == ["张三"]


def test_sign_in_by_form_then_already(client, world, login):
    login("kiosk-a")
    zhang = world["people"]["张三"]
    response = sign(client, world, person_id=str(zhang.id))
    assert response.status_code == 303
    assert "new=1" in response.headers["Location"]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'id="kiosk-name">张三<', html)
    assert "Signed in" in html and 'id="kiosk-undo" action="/kiosk/undo/' in html
    assert client.get("/kiosk/count").json["count"] == 1
    row = db.session.scalar(select(Attendance))
    assert (row.method, row.status, row.recorded_by) == ("kiosk", "present", "kiosk-a")

    again = sign(client, world, person_id=str(zhang.id))
    assert "new=0" in again.headers["Location"]
    html = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "Already signed in" in html
    assert re.search(r'id="kiosk-undo" action=""\s+hidden', html)  # no undo for the old row
    assert rows() == 1


def test_sign_in_by_the_api_counts_too(client, world, login):
    login("kiosk-a")
    token = csrf_token(client, "/kiosk")
    url = f"/api/v1/screenings/{world['open'].id}/attendance"
    body = {"person_id": str(world["people"]["欧阳娜娜"].id)}
    assert client.post(url, json=body, headers={"X-CSRFToken": token}).status_code == 201
    assert client.post(url, json=body, headers={"X-CSRFToken": token}).status_code == 200
    assert client.get("/kiosk/count").json["count"] == 1


def test_undo_within_30_seconds(client, world, login, clock):
    login("kiosk-a")
    sign(client, world, person_id=str(world["people"]["张三"].id))
    row_id = db.session.scalar(select(Attendance.id))
    clock.now += timedelta(seconds=29)
    response = client.post(f"/kiosk/undo/{row_id}", data={"csrf_token": csrf_token(client, "/kiosk")})
    assert response.status_code == 303
    assert "Sign-in of 张三 undone." in client.get("/kiosk").get_data(as_text=True)
    assert rows() == 0
    assert client.get("/kiosk/count").json["count"] == 0
    # and signs in again
    assert "new=1" in sign(client, world, person_id=str(world["people"]["张三"].id)).headers["Location"]


def test_undo_after_30_seconds_is_refused(client, world, login, clock):
    login("kiosk-a")
    sign(client, world, person_id=str(world["people"]["张三"].id))
    row_id = db.session.scalar(select(Attendance.id))
    clock.now += timedelta(seconds=31)
    token = csrf_token(client, "/kiosk")
    response = client.post(f"/kiosk/undo/{row_id}",
                           headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert response.status_code == 409
    assert response.json["error"]["message"] == "Too late to undo; ask the operator."
    response = client.post(f"/kiosk/undo/{row_id}", data={"csrf_token": token})
    assert "Too late to undo" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert rows() == 1


def test_undo_only_own_site_and_kiosk_rows(app, client, world, login, clock):
    from app.attendance.services import sign_in

    by_operator = sign_in(world["open"], method="operator", person=world["people"]["曾小明"],
                          recorded_by="op-a", now=clock.now).attendance
    by_kiosk = sign_in(world["open"], method="kiosk", person=world["people"]["张三"],
                       recorded_by="kiosk-a", now=clock.now).attendance
    db.session.commit()
    headers = {"Accept": "application/json"}
    login("kiosk-a")
    token = csrf_token(client, "/kiosk")
    assert client.post(f"/kiosk/undo/{by_operator.id}", data={"csrf_token": token},
                       headers=headers).status_code == 403
    assert client.post("/kiosk/undo/nope", data={"csrf_token": token},
                       headers=headers).status_code == 404
    other = app.test_client()
    other.post("/login", data={"username": "kiosk-b", "password": "secret-pass-1",
                               "csrf_token": csrf_token(other)})
    assert other.post(f"/kiosk/undo/{by_kiosk.id}", data={"csrf_token": csrf_token(other, "/kiosk")},
                      headers=headers).status_code == 403
    assert other.post("/kiosk/sign", data={"csrf_token": csrf_token(other, "/kiosk"),
                                           "screening_id": str(world["open"].id),
                                           "person_id": str(world["people"]["张三"].id)}
                      ).status_code == 403
    assert rows() == 2


def test_walk_in(client, world, login):
    login("kiosk-a")
    html = client.get("/kiosk").get_data(as_text=True)
    assert re.findall(r"<option( selected)?>([^<]+)</option>", html) == [(" selected", "东村")]
    response = sign(client, world, walkin_name="  新 来的 ", village="东村")
    assert response.status_code == 303
    person = db.session.scalar(select(Person).where(Person.walkin.is_(True)))
    assert (person.name, person.village.name) == ("新 来的", "东村")
    assert client.get("/kiosk/count").json["count"] == 1
    for name, village, message in (("", "东村", "A name is required."),
                                   ("x" * 500, "东村", "A name has at most 40 characters."),
                                   ("老王", "西村", "Choose the village.")):
        response = sign(client, world, walkin_name=name, village=village)
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    assert rows() == 1


def test_html_in_a_name_is_escaped(client, world, login):
    login("kiosk-a")
    response = sign(client, world, walkin_name="<b>x</b>", village="东村")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html


def test_kiosk_is_refused_everywhere_else(client, world, login):
    login("kiosk-a")
    sid = world["open"].id
    for url in ("/sites/P-001", f"/screenings/{sid}", f"/screenings/{sid}/qr", "/titles",
                f"/s/{sid}", f"/s/{sid}/{qr.current_code(sid)}", f"/screenings/{sid}/attendance"):
        assert client.get(url).status_code == 403, url
    assert client.get(f"/screenings/{sid}/qr.svg").status_code == 200


def test_qr_page_and_svg_for_staff(client, world, login, clock):
    login("op-a")
    sid = world["open"].id
    html = client.get(f"/screenings/{sid}/qr").get_data(as_text=True)
    assert f'src="/screenings/{sid}/qr.svg"' in html
    response = client.get(f"/screenings/{sid}/qr.svg")
    assert response.mimetype == "image/svg+xml" and response.headers["Cache-Control"] == "no-store"
    expected = f"http://localhost/s/{sid}/{qr.current_code(sid, clock.now)}"
    assert response.get_data(as_text=True) == qr_svg(expected)


def test_qr_code_current_and_previous_slot_only(app, world, clock):
    phone = app.test_client()
    sid = world["open"].id
    now_slot = qr.slot(clock.now)
    for n in (now_slot, now_slot - 1):
        response = phone.get(f"/s/{sid}/{qr.code_for(sid, n)}")
        assert response.status_code == 303, n
        assert response.headers["Location"] == f"/s/{sid}"
    fresh = app.test_client()
    for code in (qr.code_for(sid, now_slot - 2), qr.code_for(sid, now_slot + 1), "0" * 12,
                 qr.code_for(world["later"].id, now_slot), "forged", ""):
        response = fresh.get(f"/s/{sid}/{code}")
        if code:
            assert response.status_code == 403, code
            assert "The code has expired, scan again." in response.get_data(as_text=True)
    assert fresh.get(f"/s/{sid}").status_code == 403  # no valid scan: no way in
    assert fresh.get(f"/s/nope/{qr.code_for(sid, now_slot)}").status_code == 403
    # a slot later, the first code is the previous one (still good), then it is too old
    first = qr.code_for(sid, now_slot)
    clock.now += timedelta(seconds=app.config["QR_ROTATE_S"])
    assert fresh.get(f"/s/{sid}/{first}").status_code == 303
    clock.now += timedelta(seconds=app.config["QR_ROTATE_S"])
    assert fresh.get(f"/s/{sid}/{first}").status_code == 403


def scan(phone, screening_id):
    response = phone.get(f"/s/{screening_id}/{qr.current_code(screening_id, app_clock.now())}")
    assert response.status_code == 303
    return response


def phone_sign(phone, world, name):
    sid = world["open"].id
    token = csrf_token(phone, f"/s/{sid}")
    return phone.post(f"/s/{sid}", data={"csrf_token": token,
                                         "person_id": str(world["people"][name].id)})


def test_phone_flow(app, world):
    phone = app.test_client()
    sid = world["open"].id
    response = scan(phone, sid)
    device = re.search(r"dianjiao_device=(\w+);", response.headers["Set-Cookie"]).group(1)
    assert "Max-Age=" in response.headers["Set-Cookie"]
    html = phone.get(f"/s/{sid}?q=zs").get_data(as_text=True)
    assert re.findall(r"<button><b>([^<]+)</b>", html) == ["张三"]  # only this screening's villages
    assert "周顺" not in html

    response = phone_sign(phone, world, "张三")
    assert response.status_code == 200
    assert 'data-state="signed"' in response.get_data(as_text=True)
    row = db.session.scalar(select(Attendance))
    assert (row.method, row.device, row.person.name) == ("phone", device, "张三")

    again = phone_sign(phone, world, "张三")
    assert again.status_code == 200 and 'data-state="already"' in again.get_data(as_text=True)

    other = phone_sign(phone, world, "欧阳娜娜")
    assert other.status_code == 409
    assert "This phone already signed in 张三." in other.get_data(as_text=True)
    assert "This phone signed in 张三." in phone.get(f"/s/{sid}").get_data(as_text=True)
    assert rows() == 1

    second_phone = app.test_client()
    scan(second_phone, sid)
    assert 'data-state="signed"' in phone_sign(second_phone, world, "欧阳娜娜").get_data(as_text=True)
    assert rows() == 2


def test_operator_lets_one_phone_sign_in_a_family(app, world, client, login):
    phone = app.test_client()
    sid = world["open"].id
    scan(phone, sid)
    phone_sign(phone, world, "张三")
    assert phone_sign(phone, world, "欧阳娜娜").status_code == 409
    login("op-a")
    url = f"/screenings/{sid}/phone-shared"
    token = csrf_token(client, f"/screenings/{sid}/qr")
    assert client.post(url, data={"shared": "1", "csrf_token": token}).status_code == 302
    assert 'data-state="signed"' in phone_sign(phone, world, "欧阳娜娜").get_data(as_text=True)
    assert rows() == 2
    client.post(url, data={"shared": "0", "csrf_token": token})
    assert phone_sign(phone, world, "曾小明").status_code == 409
    kiosk = app.test_client()
    kiosk.post("/login", data={"username": "kiosk-a", "password": "secret-pass-1",
                               "csrf_token": csrf_token(kiosk)})
    assert kiosk.post(url, data={"shared": "1", "csrf_token": csrf_token(kiosk, "/kiosk")}
                      ).status_code == 403


def test_phone_refuses_people_of_other_townships_and_forms_without_csrf(app, world, afar):
    phone = app.test_client()
    sid = world["open"].id
    scan(phone, sid)
    assert phone_sign(phone, world, "张山").status_code == 404
    response = phone.post(f"/s/{sid}", data={"person_id": str(world["people"]["张三"].id)})
    assert response.status_code == 400
    assert rows() == 0


def test_a_scan_lets_the_phone_in_for_15_minutes(app, world, clock):
    phone = app.test_client()
    sid = world["open"].id
    scan(phone, sid)
    clock.now += timedelta(minutes=14)
    assert phone.get(f"/s/{sid}?q=zs").status_code == 200
    clock.now += timedelta(minutes=2)
    response = phone.get(f"/s/{sid}?q=zs")
    assert response.status_code == 403 and "scan again" in response.get_data(as_text=True)
    scan(phone, sid)  # a new scan lets it in again
    assert phone.get(f"/s/{sid}?q=zs").status_code == 200


def test_phone_outside_the_window(app, world, clock):
    phone = app.test_client()
    later = world["later"].id
    response = phone.get(f"/s/{later}/{qr.current_code(later, clock.now)}")
    assert response.status_code == 409
    assert "Sign-in for this screening is closed." in response.get_data(as_text=True)
    # let in while open; the window closes before the tap
    sid = world["open"].id
    scan(phone, sid)
    token = csrf_token(phone, f"/s/{sid}")
    clock.now += timedelta(minutes=55 + 31)
    response = phone.post(f"/s/{sid}", data={"csrf_token": token,
                                             "person_id": str(world["people"]["张三"].id)})
    assert response.status_code == 409
    assert rows() == 0


def test_kiosk_form_outside_the_window(client, world, login, clock):
    login("kiosk-a")
    token = csrf_token(client, "/kiosk")
    clock.now += timedelta(hours=2)
    response = client.post("/kiosk/sign", data={"csrf_token": token,
                                                "screening_id": str(world["open"].id),
                                                "person_id": str(world["people"]["张三"].id)})
    assert response.status_code == 409
    assert rows() == 0


def test_phone_pages_are_rate_limited(app, world):
    phone = app.test_client()
    codes = [phone.get(f"/s/{world['open'].id}/forged").status_code for _ in range(31)]
    assert codes[:30] == [403] * 30 and codes[30] == 429


# --- how far the kiosk and the phone search ------------------------------------------------

def kiosk_names(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<button class="person"><b>([^<]+)</b> <small>([^<]*)</small>', html)


def phone_names(html: str) -> list[tuple[str, str]]:
    return re.findall(r"<button><b>([^<]+)</b> <small>([^<]*)</small>", html)


def test_kiosk_offers_its_villages_then_the_township_on_request_never_the_network(
        client, world, afar, login):
    login("kiosk-a")
    page = client.get("/kiosk?q=zs").get_data(as_text=True)
    assert kiosk_names(page) == [("张三", "东村")]
    assert re.search(r'<input type="checkbox" name="other" value="1" id="kiosk-other">\s*'
                     r"Someone from another village of the township</label>", page)
    wider = client.get("/kiosk?q=zs&other=1").get_data(as_text=True)
    # the screening's own village first; two of one name told apart by their village
    assert kiosk_names(wider) == [("张三", "东村"), ("周顺", "西村"), ("张三", "西村")]
    assert "张山" not in wider  # another township
    assert 'id="kiosk-other" checked' in wider


def test_a_kiosk_signs_in_nobody_from_another_township(client, world, afar, login):
    login("kiosk-a")
    assert sign(client, world, person_id=str(world["people"]["张山"].id)).status_code == 404
    token = csrf_token(client, "/kiosk")
    url = f"/api/v1/screenings/{world['open'].id}/attendance"
    refused = client.post(url, json={"person_id": str(world["people"]["张山"].id)},
                          headers={"X-CSRFToken": token})
    assert refused.status_code == 404 and refused.json["error"]["message"] == "No such person."
    assert rows() == 0
    assert sign(client, world, person_id=str(world["people"]["周顺"].id)).status_code == 303
    assert client.post(url, json={"person_id": str(world["people"]["西村张三"].id)},
                       headers={"X-CSRFToken": token}).status_code == 201
    assert rows() == 2


def test_the_kiosk_api_keeps_to_the_site_and_says_no_more_than_the_page(client, world, afar,
                                                                       login):
    login("kiosk-a")
    found = client.get("/api/v1/people?q=zs").json
    assert [(p["name"], p["village"]) for p in found["items"]] == [("张三", "东村")]
    assert found["items"][0] == {"id": str(world["people"]["张三"].id), "name": "张三",
                                 "village": "东村", "township": "城关镇"}  # no party, role, phone
    wider = client.get(f"/api/v1/people?q=zs&scope=township&screening={world['open'].id}").json
    assert [(p["name"], p["village"]) for p in wider["items"]] == [
        ("张三", "东村"), ("周顺", "西村"), ("张三", "西村")]
    assert client.get("/api/v1/people?q=zs&scope=network").status_code == 422
    assert client.get("/api/v1/people?q=zs&scope=").json["total"] == 1


def test_the_phone_offers_its_villages_then_the_township_on_request(app, world, afar):
    phone = app.test_client()
    sid = world["open"].id
    scan(phone, sid)
    page = phone.get(f"/s/{sid}?q=zs").get_data(as_text=True)
    assert phone_names(page) == [("张三", "东村")]
    assert "Someone from another village of the township" in page
    wider = phone.get(f"/s/{sid}?q=zs&other=1").get_data(as_text=True)
    assert phone_names(wider) == [("张三", "东村"), ("周顺", "西村"), ("张三", "西村")]
    nobody = phone.get(f"/s/{sid}?q=张山&other=1").get_data(as_text=True)
    assert phone_names(nobody) == []
    assert "Nobody of this township has that name. Sign in at the kiosk." in nobody
    signed = phone_sign(phone, world, "周顺")
    assert signed.status_code == 200 and 'data-state="signed"' in signed.get_data(as_text=True)


@pytest.mark.parametrize("secure", [False, True])
def test_behind_https_the_phones_device_cookie_is_secure(app, world, secure):
    app.config["SESSION_COOKIE_SECURE"] = secure  # what DIANJIAO_SECURE_COOKIES sets
    cookies = scan(app.test_client(), world["open"].id).headers.getlist("Set-Cookie")
    device = next(c for c in cookies if c.startswith("dianjiao_device="))
    assert ("; Secure" in device) == secure


# --- a mark set before the kiosk; a walk-in's village ---------------------------------------------

@pytest.mark.parametrize("mark", ["absent", "excused"])
def test_kiosk_turns_an_absent_or_excused_mark_into_the_sign_in(app, open_sheet, mark):
    s, zhang = open_sheet["open"], open_sheet["people"]["张三"]
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


def test_kiosk_walkin_with_a_village_name_shared_across_the_network(app, open_sheet):
    kiosk = client_of(app, "kiosk-a")
    response = kiosk_sign(kiosk, open_sheet["open"], walkin_name="新来的", village="东村")
    assert response.status_code == 303
    assert walkin("新来的").village_id == open_sheet["east"].id
    api = token_client(app, "kiosk-a")
    response = api.post(api_url(open_sheet["open"]), json={"walkin_name": "又来的", "village": "东村"})
    assert response.status_code == 201
    assert walkin("又来的").village_id == open_sheet["east"].id


def test_the_favicon_is_found_also_by_a_kiosk(client, world, login):
    """Browsers ask for /favicon.ico on their first page: it leads to the SVG mark, not a 404 or
    the kiosk fence's 403."""
    for who in (None, "kiosk-a"):
        if who:
            login(who)
        response = client.get("/favicon.ico")
        assert response.status_code == 301
        svg = client.get(response.headers["Location"])
        assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
        assert b"<svg" in svg.data
    assert 'rel="icon"' in client.get("/kiosk").get_data(as_text=True)


def test_kiosk_mode_hides_log_out_and_the_language_switch_from_villagers(client, world, login):
    """A kiosk's header has no Log out and no language switch (villagers pressed them); both
    are folded away at the bottom of the page for staff, and still work there."""
    login("kiosk-a")
    html = client.get("/kiosk").get_data(as_text=True)
    header, main = html.split("</header>", 1)
    assert "Log out" not in header and 'id="lang-switch"' not in header
    fold = main.split('id="kiosk-staff"', 1)[1].split("</details>", 1)[0]
    assert "Log out" in fold and 'id="lang-switch"' in fold
    client.post("/logout", data={"csrf_token": csrf_token(client, "/kiosk")})
    login("op-a")
    header = client.get("/people").get_data(as_text=True).split("</header>", 1)[0]
    assert "Log out" in header and 'id="lang-switch"' in header and "kiosk-staff" not in header

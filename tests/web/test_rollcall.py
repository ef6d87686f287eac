"""The operator's roll-call, the paper sign-in sheet and its entry, and the screening record
(学用登记): marks and who recorded them, scope, auto-absent when the window closes (with
hand-computed expectations; never at the hub for an enrolled site; taken back when the screening
moves), corrections and who made them, idempotent paper entry (walk-ins' villages, limits, the
marks a line leaves alone), played minutes and the discussion notes."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.attendance.services import sign_in
from app.extensions import db
from app.models import Attendance, Person, PlayLog, Screening
from app.models.sync import SyncPeer
from app.places.services import get_or_make_unit
from tests import factories
from tests.conftest import client_of, csrf_token
from tests.web.conftest import kiosk_sign, mark_at_rollcall, marks, paper_entry, walkin


@pytest.fixture
def world(app, make):
    """P-001 in 东村 with three party members and a villager; P-002 in 西村 with its operator."""
    site = make.site("P-001", township="城关镇", village="东村")
    other = make.site("P-002", township="城关镇", village="西村")
    make.user("admin", "admin")
    make.user("op-a", "operator", site=site)
    make.user("op-b", "operator", site=other)
    make.user("chengguan", "township", township="城关镇")
    make.site("P-009", township="河口乡", village="石桥村")
    make.user("hekou", "township", township="河口乡")
    members = {"party_member": True, "role": "member"}
    people = make.people("东村", ("张三", members), ("李四", members),
                         ("王五", {"party_member": True, "role": "cadre"}), "赵六")
    make.person("孙七", village="西村", party_member=True)  # another village
    return {"site": site, "people": people}


def screening(site, *, start: datetime, audience: str = "party_members", **fields) -> Screening:
    """A screening for the party members (whom the roll-call then expects) unless told."""
    return factories.screening(site, start=start, audience=audience, **fields)


def rows(s: Screening) -> dict[str, Attendance]:
    db.session.expire_all()
    found = db.session.scalars(select(Attendance).where(Attendance.screening_id == s.id)).all()
    return {a.person.name: a for a in found}


def post_marks(client, s: Screening, marks: dict[Person, str]):
    url = f"/screenings/{s.id}/rollcall"
    data = {"csrf_token": csrf_token(client, url)}
    data.update({f"status-{p.id}": status for p, status in marks.items()})
    return client.post(url, data=data)


def test_rollcall_marks_every_status_and_shows_them(app, now, world, login, client):
    s = screening(world["site"], start=now - timedelta(minutes=5))
    people = world["people"]
    login("op-a")
    page = client.get(f"/screenings/{s.id}/rollcall").get_data(as_text=True)
    for name in ("张三", "李四", "王五"):
        assert name in page
    assert "赵六" not in page and "孙七" not in page  # a villager; another village
    assert re.search(r'id="count-expected"><b>3</b>', page)
    response = post_marks(client, s, {people["张三"]: "present", people["李四"]: "late",
                                      people["王五"]: "excused"})
    assert response.status_code == 302
    found = rows(s)
    assert {n: a.status for n, a in found.items()} == {"张三": "present", "李四": "late",
                                                       "王五": "excused"}
    assert {a.method for a in found.values()} == {"operator"}
    assert {a.recorded_by for a in found.values()} == {"op-a"}
    page = client.get(f"/screenings/{s.id}/rollcall").get_data(as_text=True)
    for person, status in ((people["张三"], "present"), (people["李四"], "late"),
                           (people["王五"], "excused")):
        assert f'name="status-{person.id}" value="{status}" checked' in page
    assert re.search(r'id="count-late"><b>1</b>', page)
    assert re.search(r'id="count-unmarked"><b>0</b>', page)
    # A correction changes the one row; the absent mark is set by hand too.
    post_marks(client, s, {people["王五"]: "absent", people["张三"]: "present"})
    found = rows(s)
    assert found["王五"].status == "absent" and len(found) == 3
    assert db.session.scalar(select(func.count(Attendance.id))) == 3


def test_before_the_start_only_excused_and_early_arrivals_can_be_marked(
        app, now, world, login, client):
    """Nobody is late or absent from a screening that has not started: the roll-call refuses
    those marks (and saves none of the form) until it starts; excused can be marked any day,
    present once sign-in opens (SIGNIN_OPENS_MIN before the start). A paper sheet is typed in
    only once sign-in has opened."""
    people = world["people"]
    tomorrow = screening(world["site"], start=now + timedelta(days=1))
    login("op-a")
    for status in ("present", "late", "absent"):
        response = post_marks(client, tomorrow, {people["王五"]: "excused", people["张三"]: status})
        assert response.status_code == 302
        assert rows(tomorrow) == {}
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "has not started yet" in page
    post_marks(client, tomorrow, {people["王五"]: "excused"})
    assert {n: a.status for n, a in rows(tomorrow).items()} == {"王五": "excused"}
    response = paper_entry(client, tomorrow, [("周八", "东村")])
    assert "周八" not in rows(tomorrow)

    opens = app.config["SIGNIN_OPENS_MIN"]
    soon = screening(world["site"], start=now + timedelta(minutes=opens // 2 or 1), topic="soon")
    post_marks(client, soon, {people["张三"]: "present"})
    assert {n: a.status for n, a in rows(soon).items()} == {"张三": "present"}
    post_marks(client, soon, {people["李四"]: "late"})
    assert "李四" not in rows(soon)


def test_rollcall_lists_someone_else_who_signed_in(app, now, world, login, client):
    from app.attendance.services import sign_in

    s = screening(world["site"], start=now - timedelta(minutes=30))
    sign_in(s, method="kiosk", person=world["people"]["赵六"])  # not expected, came anyway
    db.session.commit()
    assert rows(s)["赵六"].status == "late"  # 30 min after the start, past the 10 min margin
    login("op-a")
    page = client.get(f"/screenings/{s.id}/rollcall").get_data(as_text=True)
    assert "赵六" in page and f'name="status-{world["people"]["赵六"].id}" value="late" checked' in page
    post_marks(client, s, {world["people"]["赵六"]: "present"})
    assert rows(s)["赵六"].status == "present" and rows(s)["赵六"].method == "kiosk"


def test_scope_other_operator_township_and_kiosk(app, now, world, make, login, client):
    s = screening(world["site"], start=now - timedelta(minutes=5))
    make.user("kiosk-a", "kiosk", site=world["site"])
    login("op-b")
    for path in ("rollcall", "paper", "paper/entry", "record"):
        assert client.get(f"/screenings/{s.id}/{path}").status_code == 403, path
    token = csrf_token(client, "/titles")
    assert client.post(f"/screenings/{s.id}/rollcall", data={
        "csrf_token": token, f"status-{world['people']['张三'].id}": "present"}).status_code == 403
    assert client.post(f"/screenings/{s.id}/record", data={
        "csrf_token": token, "discussion": "x"}).status_code == 403
    assert rows(s) == {}
    assert client.get("/screenings/nope/rollcall").status_code == 404
    client.post("/logout", data={"csrf_token": token})
    login("hekou")
    assert client.get(f"/screenings/{s.id}/rollcall").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/titles")})
    login("chengguan")
    assert client.get(f"/screenings/{s.id}/rollcall").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/titles")})
    login("kiosk-a")
    assert client.get(f"/screenings/{s.id}/rollcall").status_code == 403


def test_post_without_csrf_is_refused(app, now, world, login, client):
    s = screening(world["site"], start=now - timedelta(minutes=5))
    login("op-a")
    response = client.post(f"/screenings/{s.id}/rollcall",
                           data={f"status-{world['people']['张三'].id}": "present"})
    assert response.status_code == 400 and rows(s) == {}


def test_auto_absent_when_the_window_has_closed(app, now, world, login, client):
    """3 party members expected; 1 signed present, 1 marked excused → exactly 1 absent after the
    window (end + 30 min) closes; the villager is not expected at a party-members screening."""
    from app.attendance.services import sign_in

    people = world["people"]
    s = screening(world["site"], start=now - timedelta(hours=3))  # ended 2 h ago
    sign_in(s, method="paper", person=people["张三"], status="present", recorded_by="op-a")
    sign_in(s, method="operator", person=people["李四"], status="excused", recorded_by="op-a")
    db.session.commit()
    login("op-a")
    page = client.get(f"/screenings/{s.id}/rollcall").get_data(as_text=True)
    found = rows(s)
    assert {n: a.status for n, a in found.items()} == {"张三": "present", "李四": "excused",
                                                       "王五": "absent"}
    assert found["王五"].recorded_by == "auto" and found["王五"].method == "operator"
    assert "赵六" not in found
    assert 'id="closed"' in page and re.search(r'id="count-absent"><b>1</b>', page)
    assert db.session.get(Screening, s.id).attendance_closed is True
    # Viewing again adds nobody; the operator can still correct a mark afterwards.
    client.get(f"/screenings/{s.id}/rollcall")
    post_marks(client, s, {people["王五"]: "excused"})
    found = rows(s)
    assert len(found) == 3 and found["王五"].status == "excused"


def test_no_auto_absent_while_the_window_is_open(app, now, world, login, client):
    s = screening(world["site"], start=now - timedelta(minutes=70))  # ended 10 min ago
    login("op-a")
    page = client.get(f"/screenings/{s.id}/rollcall").get_data(as_text=True)
    assert rows(s) == {} and 'id="closed"' not in page
    assert re.search(r'id="count-unmarked"><b>3</b>', page)


def test_everyone_audience_expects_the_villager_too(app, now, world, login, client):
    s = screening(world["site"], start=now - timedelta(hours=3), audience="all")
    login("op-a")
    client.get(f"/screenings/{s.id}/rollcall")
    assert sorted(rows(s)) == sorted(["张三", "李四", "王五", "赵六"])
    assert {a.status for a in rows(s).values()} == {"absent"}


# --- corrections, and who closes the sheet --------------------------------------------------------

def test_rollcall_correction_of_a_kiosk_sign_in_keeps_both_names(app, open_sheet):
    s, zhang = open_sheet["open"], open_sheet["people"]["张三"]
    kiosk_sign(client_of(app, "kiosk-a"), s, person_id=str(zhang.id))
    operator = client_of(app, "op-a")
    mark_at_rollcall(operator, s, zhang, "late")
    row = marks(s)["张三"]
    assert (row.status, row.method, row.recorded_by) == ("late", "kiosk", "kiosk-a → op-a")
    page = operator.get(f"/screenings/{s.id}/rollcall").get_data(as_text=True)
    assert "kiosk-a · corrected by op-a" in page
    mark_at_rollcall(client_of(app, "admin"), s, zhang, "present")  # a second correction
    assert marks(s)["张三"].recorded_by == "kiosk-a → admin"


def test_rollcall_correction_of_an_operator_mark_is_the_operators(app, open_sheet):
    s, zhang = open_sheet["open"], open_sheet["people"]["张三"]
    operator = client_of(app, "op-a")
    mark_at_rollcall(operator, s, zhang, "absent")
    mark_at_rollcall(client_of(app, "admin"), s, zhang, "excused")
    row = marks(s)["张三"]
    assert (row.status, row.method, row.recorded_by) == ("excused", "operator", "admin")


@pytest.mark.parametrize("page", ["rollcall", "record"])
def test_viewing_at_the_hub_does_not_close_an_enrolled_sites_screening(app, now, open_sheet, page, make):
    past = make.screening(open_sheet["site"], start=now - timedelta(hours=3), audience="party_members")
    db.session.add(SyncPeer(code="P-001", kind="site", key="ab" * 32))
    db.session.commit()
    operator = client_of(app, "op-a")
    assert operator.get(f"/screenings/{past.id}/{page}").status_code == 200
    assert marks(past) == {}
    assert db.session.get(Screening, past.id).attendance_closed is False


def test_viewing_still_closes_a_screening_of_a_site_not_enrolled(app, now, open_sheet, make):
    past = make.screening(open_sheet["site"], start=now - timedelta(hours=3), audience="party_members")
    client_of(app, "op-a").get(f"/screenings/{past.id}/rollcall")
    assert {a.status for a in marks(past).values()} == {"absent"} and len(marks(past)) == 3


def test_a_villagers_screening_expects_neither_party_members_nor_cadres(app, now, open_sheet, make):
    """东村: 张三 李四 王五 (party members, from the fixture), a cadre who is no party member, an
    activist and a villager: a villagers' screening expects the last two only, and its closed
    sheet marks only them absent."""
    from app.attendance.services import close_if_due, expected_people

    east = open_sheet["east"]
    make.person("赵干部", village=east, role="cadre")
    make.person("钱积极", village=east, role="activist")
    make.person("孙群众", village=east)
    row = make.screening(open_sheet["site"], start=now - timedelta(hours=3), topic="果树修剪",
                         audience="villagers")
    assert [p.name for p in expected_people(row)] == ["钱积极", "孙群众"]
    assert close_if_due(row) == 2
    assert set(marks(row)) == {"钱积极", "孙群众"}


def test_moving_a_closed_screening_takes_back_its_automatic_absences(app, now, open_sheet, make):
    """A date typed wrong in the past: the sheet closed by itself (three absent). Moved to next
    week, it has no absences and closes again only after its new end; a mark an operator set
    by hand stays."""
    from app.attendance.services import close_if_due
    from app.screenings.single import update_screening

    past = make.screening(open_sheet["site"], start=now - timedelta(hours=3), audience="party_members")
    sign_in(past, method="operator", person=open_sheet["people"]["张三"], status="excused",
            recorded_by="op-a")
    assert close_if_due(past) == 2
    later = now + timedelta(days=7)
    update_screening(past, {"starts_at": later.isoformat(),
                            "ends_at": (later + timedelta(hours=1)).isoformat()}, force=True)
    db.session.commit()
    assert {name: a.status for name, a in marks(past).items()} == {"张三": "excused"}
    assert db.session.get(Screening, past.id).attendance_closed is False
    assert close_if_due(past) == 0  # not over yet


def test_paper_sheet_lists_the_roster_blank_lines_and_the_qr_pointer(app, now, world, login, client):
    s = screening(world["site"], start=now + timedelta(days=1), topic="<b>学习</b>")
    login("op-a")
    page = client.get(f"/screenings/{s.id}/paper").get_data(as_text=True)
    assert page.count('<tr class="expected">') == 3 and page.count('<tr class="blank">') == 10
    assert "&lt;b&gt;学习&lt;/b&gt;" in page and "<b>学习</b>" not in page
    assert f"/screenings/{s.id}/qr" in page
    assert 'href="/static/app.css"' in page


def test_paper_entry_is_idempotent_and_recorded_as_paper(app, now, world, login, client):
    people = world["people"]
    s = screening(world["site"], start=now - timedelta(hours=3))
    login("op-a")
    url = f"/screenings/{s.id}/paper/entry"
    page = client.get(url).get_data(as_text=True)
    assert 'name="present"' in page and "checked" not in page
    assert page.count('name="walkins-') == 10  # 5 walk-in lines, a name and a village each

    def submit():
        return client.post(url, data={
            "csrf_token": csrf_token(client, url), "present": [str(people["张三"].id),
                                                             str(people["李四"].id)],
            "walkins-0-name": "新来的", "walkins-0-village": "东村",
            "walkins-1-name": "", "walkins-1-village": "东村"})

    assert submit().status_code == 302
    found = rows(s)
    assert sorted(found) == ["张三", "新来的", "李四"]
    assert {(a.method, a.status, a.recorded_by) for a in found.values()} == {
        ("paper", "present", "op-a")}
    assert submit().status_code == 302  # the same sheet again
    assert db.session.scalar(select(func.count(Attendance.id))) == 3
    assert db.session.scalar(select(func.count(Person.id)).where(Person.name == "新来的")) == 1
    walkin = db.session.scalar(select(Person).where(Person.name == "新来的"))
    assert walkin.walkin is True and walkin.village.name == "东村"


def test_paper_entry_turns_an_auto_absent_into_present_and_keeps_kiosk_marks(
        app, now, world, login, client):
    from app.attendance.services import sign_in

    people = world["people"]
    s = screening(world["site"], start=now - timedelta(hours=3))
    sign_in(s, method="operator", person=people["李四"], status="late", recorded_by="op-a")
    db.session.commit()
    login("op-a")
    client.get(f"/screenings/{s.id}/rollcall")  # closes: 张三 and 王五 absent
    assert rows(s)["张三"].status == "absent"
    url = f"/screenings/{s.id}/paper/entry"
    client.post(url, data={"csrf_token": csrf_token(client, url),
                           "present": [str(people["张三"].id), str(people["李四"].id)]})
    found = rows(s)
    assert found["张三"].status == "present" and found["张三"].recorded_by == "op-a"
    assert found["李四"].status == "late"  # the sheet does not undo a late mark
    assert found["王五"].status == "absent"


def test_paper_entry_with_a_bad_line_saves_nothing(app, now, world, login, client):
    s = screening(world["site"], start=now - timedelta(minutes=5))
    login("op-a")
    url = f"/screenings/{s.id}/paper/entry"
    response = client.post(url, data={
        "csrf_token": csrf_token(client, url), "present": [str(world["people"]["张三"].id)],
        "walkins-0-name": "x" * 500, "walkins-0-village": "东村"})
    assert response.status_code == 422 and rows(s) == {}
    response = client.post(url, data={
        "csrf_token": csrf_token(client, url), "present": [str(world["people"]["张三"].id)],
        "walkins-0-name": "<i>李</i>", "walkins-0-village": "没有这个村"})
    assert response.status_code == 422 and rows(s) == {}
    assert "没有这个村" in response.get_data(as_text=True)


# --- paper entry: walk-ins' villages, limits, the marks it leaves ---------------------------------

def test_paper_walkin_with_a_village_name_shared_across_the_network(app, open_sheet):
    operator = client_of(app, "op-a")
    response = paper_entry(operator, open_sheet["open"], [("纸上来的", "东村")])
    assert response.status_code == 302
    assert walkin("纸上来的").village_id == open_sheet["east"].id


@pytest.mark.parametrize("village", ["蒋家营村", ""])
def test_paper_walkin_outside_the_area_or_without_a_village(app, now, open_sheet, make, village):
    station = make.site("S-001", township="城关镇", village=None, kind="station")
    get_or_make_unit("西村", "village", station.unit)
    make.user("op-s", "operator", site=station)
    s = make.screening(station, start=now - timedelta(minutes=5), audience="party_members")
    operator = client_of(app, "op-s")
    response = paper_entry(operator, s, [("纸上来的", village)],
                           present=[str(open_sheet["people"]["张三"].id)])
    assert response.status_code == 422
    assert "Nothing was saved" in response.get_data(as_text=True)
    assert marks(s) == {} and walkin("纸上来的") is None


def test_paper_walkin_without_a_village_takes_the_only_village(app, open_sheet):
    operator = client_of(app, "op-a")
    assert paper_entry(operator, open_sheet["open"], [("纸上来的", "")]).status_code == 302
    assert walkin("纸上来的").village_id == open_sheet["east"].id


def test_paper_walkin_errors_are_translated_and_inputs_have_maxlength(app, open_sheet):
    operator = client_of(app, "op-a")
    operator.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN,zh;q=0.9"
    url = f"/screenings/{open_sheet['open'].id}/paper/entry"
    page = operator.get(url).get_data(as_text=True)
    inputs = re.findall(r'<input id="walkins-\d+-(\w+)"[^>]*maxlength="(\d+)"', page)
    assert sorted(inputs) == [("name", "40")] * 5 + [("village", "100")] * 5
    response = paper_entry(operator, open_sheet["open"], [("来客", "村" * 101)])
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Field cannot be longer" not in html and "100" in html
    assert re.search(r'class="error">村: [^<]*\u5b57[^<]*100', html)  # 字段长度…100
    assert marks(open_sheet["open"]) == {}


def test_paper_entry_with_more_lines_than_it_takes_saves_nothing(app, open_sheet):
    operator = client_of(app, "op-a")
    response = paper_entry(operator, open_sheet["open"], [(f"来客{n}", "东村") for n in range(60)],
                           present=[str(open_sheet["people"]["张三"].id)])
    assert response.status_code == 422
    assert "A sheet takes at most 50 walk-in lines" in response.get_data(as_text=True)
    assert marks(open_sheet["open"]) == {}
    assert db.session.scalar(select(func.count(Person.id)).where(Person.walkin.is_(True))) == 0


@pytest.mark.parametrize("mark", ["late", "excused"])
def test_a_paper_line_leaves_a_late_or_excused_mark_alone(app, open_sheet, mark):
    operator = client_of(app, "op-a")
    zhang = open_sheet["people"]["张三"]
    mark_at_rollcall(operator, open_sheet["open"], zhang, mark)
    response = paper_entry(operator, open_sheet["open"], [("张三", "东村")])
    assert response.status_code == 302
    assert marks(open_sheet["open"])["张三"].status == mark


def test_a_paper_line_over_an_absent_mark_signs_in_and_is_counted(app, open_sheet):
    operator = client_of(app, "op-a")
    zhang, li = open_sheet["people"]["张三"], open_sheet["people"]["李四"]
    mark_at_rollcall(operator, open_sheet["open"], zhang, "absent")
    mark_at_rollcall(operator, open_sheet["open"], li, "absent")
    response = paper_entry(operator, open_sheet["open"], [("张三", "东村")], present=str(li.id))
    assert response.status_code == 302
    rows = marks(open_sheet["open"])
    assert (rows["张三"].status, rows["张三"].method) == ("present", "paper")
    assert (rows["李四"].status, rows["李四"].method) == ("present", "paper")
    page = operator.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r"(Saved: 2 sign-ins from the sheet|已保存.*2)", page), page[:2000]


def test_record_page_played_minutes_attendance_and_discussion(app, now, world, login, client):
    """Slot 60 min; logs 1500 s + 1230.6 s + 0 s = 2730.6 s → 45.51 min, shown as 45.5."""
    from app.attendance.services import sign_in

    site = world["site"]
    s = screening(site, start=now - timedelta(hours=3))
    for offset, played, outcome in ((0, 1500.0, "completed"), (26, 1230.6, "stopped"),
                                    (50, 0.0, "error")):
        db.session.add(PlayLog(site_id=site.id, screening_id=s.id, sha256="ab" * 32,
                               started_at=s.starts_at + timedelta(minutes=offset),
                               played_s=played, outcome=outcome))
    sign_in(s, method="kiosk", person=world["people"]["张三"], now=s.starts_at)
    db.session.commit()
    login("op-a")
    page = client.get(f"/screenings/{s.id}/record").get_data(as_text=True)
    assert "45.5" in page and re.search(r'id="played-minutes">[^<]*45\.5', page)
    assert "25.0" in page and "20.5" in page  # per row: 1500 s, 1230.6 s
    assert 'id="count-present">1<' in page
    assert 'id="count-absent">2<' in page  # closed on view: 李四, 王五
    assert "张三" in page and "王五" in page
    assert 'data-print' in page and 'src="/static/print.js"' in page and 'href="/static/app.css"' in page
    url = f"/screenings/{s.id}/record"
    notes = "大家认为修剪要趁早。\n<script>alert(1)</script>"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "discussion": notes})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Screening, s.id).discussion == notes
    page = client.get(url).get_data(as_text=True)
    assert "大家认为修剪要趁早。" in page and "<script>alert(1)</script>" not in page
    too_long = client.post(url, data={"csrf_token": csrf_token(client, url),
                                      "discussion": "x" * 20001})
    assert too_long.status_code == 422
    db.session.expire_all()
    assert db.session.get(Screening, s.id).discussion == notes


def test_record_played_minutes_are_capped_by_the_slot(app, now, world, login, client):
    """Slot 30 min; logs 1500 s + 900 s = 2400 s = 40 min → capped at 30.0."""
    site = world["site"]
    s = screening(site, start=now - timedelta(hours=3), minutes=30)
    for played in (1500.0, 900.0):
        db.session.add(PlayLog(site_id=site.id, screening_id=s.id, started_at=s.starts_at,
                               played_s=played, outcome="completed"))
    db.session.commit()
    login("op-a")
    page = client.get(f"/screenings/{s.id}/record").get_data(as_text=True)
    assert re.search(r'id="played-minutes">[^<]*30\.0 [^<]*30 ', page)


def test_detail_page_links_and_the_print_stylesheet(app, now, world, login, client):
    s = screening(world["site"], start=now + timedelta(days=1))
    login("op-a")
    page = client.get(f"/screenings/{s.id}").get_data(as_text=True)
    for path in ("rollcall", "paper", "record"):
        assert f'href="/screenings/{s.id}/{path}"' in page
    assert 'href="/static/app.css"' in page
    css = client.get("/static/app.css").get_data(as_text=True)
    block = css[css.index("/* print */"):]
    assert "@media print" in block
    assert re.search(r"header\.top, nav[^{]*\{ display: none", block)
    assert "break-inside: avoid" in block

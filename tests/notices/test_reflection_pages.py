"""Reflections (心得): written on the phone right after signing in, or typed by the operator;
shown on the screening record and the person's page, and downloaded with the report card."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock as app_clock
from app.attendance import qr
from app.extensions import db
from app.models import Reflection
from tests.conftest import client_of, csrf_token

WORDS = "要把学到的修剪技术用到自家果园。"


@pytest.fixture
def world(app, make, clock):
    site = make.site("P-001", township="城关镇", village="东村")
    far = make.site("P-003", township="河口乡", village="石桥村")
    make.user("op-a", "operator", site=site)
    make.user("op-c", "operator", site=far)
    people = make.people("东村", ("张三", {"party_member": True}), "李四", "王五")
    screening = make.screening(site, start=clock.now - timedelta(minutes=5), topic="果树修剪")
    return {"site": site, "people": people, "open": screening}


def scan(phone, sid):
    assert phone.get(f"/s/{sid}/{qr.current_code(sid, app_clock.now())}").status_code == 303


def phone_sign(phone, sid, person):
    return phone.post(f"/s/{sid}", data={"csrf_token": csrf_token(phone, f"/s/{sid}"),
                                         "person_id": str(person.id)})


def reflect(phone, sid, person, text):
    return phone.post(f"/s/{sid}/reflection", data={
        "csrf_token": csrf_token(phone, f"/s/{sid}"), "person_id": str(person.id), "text": text})


def test_a_member_writes_a_reflection_on_the_phone_after_signing_in(app, world):
    sid, zhang = world["open"].id, world["people"]["张三"]
    phone = app.test_client()
    scan(phone, sid)
    signed = phone_sign(phone, sid, zhang).get_data(as_text=True)
    assert 'id="phone-reflection"' in signed
    response = reflect(phone, sid, zhang, f"  {WORDS}  ")
    assert response.status_code == 200 and "张三" in response.get_data(as_text=True)
    row = db.session.scalar(select(Reflection))
    assert (row.text, row.method, row.person.name) == (WORDS, "phone", "张三")
    # Come back while the scan lasts: the box is there, and a second word replaces the first.
    assert 'id="phone-reflection"' in phone.get(f"/s/{sid}").get_data(as_text=True)
    reflect(phone, sid, zhang, "第二次写的心得")
    db.session.expire_all()
    assert [r.text for r in db.session.scalars(select(Reflection))] == ["第二次写的心得"]


def test_a_phone_cannot_write_for_someone_it_did_not_sign_in(app, world):
    sid, people = world["open"].id, world["people"]
    phone = app.test_client()
    scan(phone, sid)
    phone_sign(phone, sid, people["张三"])
    refused = reflect(phone, sid, people["李四"], WORDS)
    assert refused.status_code == 403 and "Only the person this phone signed in" in refused.get_data(True)
    stranger = app.test_client()  # no scan at all
    assert reflect(stranger, sid, people["张三"], WORDS).status_code == 403
    assert db.session.scalar(select(Reflection)) is None


def test_an_empty_or_over_long_reflection_is_refused_plainly(app, world):
    sid, zhang = world["open"].id, world["people"]["张三"]
    phone = app.test_client()
    scan(phone, sid)
    phone_sign(phone, sid, zhang)
    empty = reflect(phone, sid, zhang, "   ")
    assert empty.status_code == 422 and "Write a few words" in empty.get_data(True)
    long = reflect(phone, sid, zhang, "长" * 1001)
    assert long.status_code == 422 and "at most 1000 characters" in long.get_data(True)
    assert db.session.scalar(select(Reflection)) is None


def _type(client, screening, texts: dict):
    sid = screening.id
    data = {"csrf_token": csrf_token(client, f"/screenings/{sid}/reflections")}
    data.update({f"text-{p.id}": t for p, t in texts.items()})
    return client.post(f"/screenings/{sid}/reflections", data=data)


def test_the_operator_types_reflections_shown_on_the_record_and_the_person(app, world, make):
    people, screening = world["people"], world["open"]
    make.attendance(screening, people["张三"])
    make.attendance(screening, people["李四"])
    op = client_of(app, "op-a")
    page = op.get(f"/screenings/{screening.id}/reflections").get_data(True)
    assert len(re.findall(r'<textarea name="text-', page)) == 2  # only those who attended
    response = _type(op, screening, {people["张三"]: WORDS, people["李四"]: ""})
    assert response.status_code == 302
    row = db.session.scalar(select(Reflection))
    assert (row.method, row.written_by) == ("operator", "op-a")
    record = op.get(f"/screenings/{screening.id}/record").get_data(True)
    assert WORDS in record
    person = op.get(f"/people/{people['张三'].id}").get_data(True)
    assert 'id="person-reflections"' in person and WORDS in person and "果树修剪" in person
    assert 'id="person-reflections-none"' in op.get(f"/people/{people['李四'].id}").get_data(True)


def test_the_operator_cannot_write_for_someone_absent_or_at_another_site(app, world, make):
    people, screening = world["people"], world["open"]
    make.attendance(screening, people["张三"], status="absent")
    op = client_of(app, "op-a")
    _type(op, screening, {people["张三"]: WORDS})  # not a box of the page: ignored
    assert db.session.scalar(select(Reflection)) is None
    other = client_of(app, "op-c")
    assert other.get(f"/screenings/{screening.id}/reflections").status_code in (403, 404)
    make.attendance(screening, people["李四"])
    long = _type(op, screening, {people["李四"]: "长" * 1001})
    assert long.status_code == 422 and "at most 1000 characters" in long.get_data(True)
    assert "长" * 1001 in long.get_data(True)  # the typed words are kept on the page
    assert db.session.scalar(select(Reflection)) is None


def test_the_month_reflections_download_with_the_card(app, world, make, clock):
    people, screening = world["people"], world["open"]
    make.attendance(screening, people["张三"])
    from app.notices.reflections import write_reflection

    write_reflection(screening, people["张三"], "=HYPERLINK(1)" + WORDS, method="operator")
    db.session.commit()
    month = app_clock.local(screening.starts_at, "Asia/Shanghai").strftime("%Y-%m")
    op = client_of(app, "op-a")
    card = op.get(f"/reports/monthly?site=P-001&month={month}").get_data(True)
    assert 'id="card-reflections"' in card
    response = op.get(f"/reports/monthly/reflections.csv?site=P-001&month={month}")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["Date", "Topic", "Name", "Village", "Reflection"]
    assert rows[1][1:5] == ["果树修剪", "张三", "东村", "'=HYPERLINK(1)" + WORDS]
    xlsx = op.get(f"/reports/monthly/reflections.xlsx?site=P-001&month={month}")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert client_of(app, "op-c").get(
        f"/reports/monthly/reflections.csv?site=P-001&month={month}").status_code == 403

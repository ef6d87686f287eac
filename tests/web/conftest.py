"""A sign-in sheet shared by the kiosk, roll-call, paper and attendance API tests, and the ways
each of them signs someone in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Attendance, Person, Screening
from tests.conftest import csrf_token


@pytest.fixture
def open_sheet(app, now, make) -> dict:
    """P-001 in 城关镇/东村 with a party members' screening open since 5 minutes and three party
    members (张三 李四 王五); users admin, op-a and kiosk-a. Another 东村 lies in 河口乡 (P-900)
    and 蒋家营村 too (P-901): villages outside P-001's area, one of a shared name."""
    site = make.site("P-001", township="城关镇", village="东村")
    make.site("P-900", township="河口乡", village="东村", name="河口东村点")
    make.site("P-901", township="河口乡", village="蒋家营村")
    make.user("admin", "admin")
    make.user("op-a", "operator", site=site)
    make.user("kiosk-a", "kiosk", site=site)
    east = site.unit
    people = make.people(east, "张三", "李四", "王五", party_member=True, role="member")
    open_now = make.screening(site, start=now - timedelta(minutes=5), audience="party_members")
    return {"site": site, "east": east, "people": people, "open": open_now}


def api_url(s: Screening) -> str:
    return f"/api/v1/screenings/{s.id}/attendance"


def marks(s: Screening) -> dict[str, Attendance]:
    """The screening's marks by person name, read afresh."""
    db.session.expire_all()
    found = db.session.scalars(select(Attendance).where(Attendance.screening_id == s.id)).all()
    return {a.person.name: a for a in found}


def walkin(name: str) -> Person | None:
    db.session.expire_all()
    return db.session.scalar(select(Person).where(Person.name == name))


def mark_at_rollcall(client, s: Screening, person: Person, status: str):
    url = f"/screenings/{s.id}/rollcall"
    response = client.post(url, data={"csrf_token": csrf_token(client, url),
                                      f"status-{person.id}": status})
    assert response.status_code == 302


def kiosk_sign(client, s: Screening, **form):
    return client.post("/kiosk/sign", data={"csrf_token": csrf_token(client, "/kiosk"),
                                            "screening_id": str(s.id), **form})


def paper_entry(client, s: Screening, lines: list[tuple[str, str]], **extra):
    """Type a paper sheet in: walk-in lines of (name, village), and form fields such as present."""
    url = f"/screenings/{s.id}/paper/entry"
    data = {"csrf_token": csrf_token(client, url), **extra}
    for n, (name, village) in enumerate(lines):
        data[f"walkins-{n}-name"], data[f"walkins-{n}-village"] = name, village
    return client.post(url, data=data)

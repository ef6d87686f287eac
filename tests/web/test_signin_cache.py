"""The lean sign-in's caches (app/hotcache.py) are never stale: a token removed, a user
deactivated or moved, a person deactivated or moved away, a screening cancelled or moved out of
its window: the very next sign-in sees it, whichever way the change was written (the ORM, a Core
statement as the sync import writes, another connection). And a first sign-in from warm caches
is one statement."""

from __future__ import annotations

import sqlite3
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import delete, event, func, select, update

from app.extensions import db
from app.models import ApiToken, Attendance, Person, Screening, User
from tests.conftest import token_client

pytestmark = pytest.mark.both_databases  # see tests/conftest.py


@pytest.fixture
def world(app, make, now):
    site = make.site("P-001", township="城关镇", village="东村")
    far = make.site("P-009", township="河口乡", village="石桥村")
    make.user("admin", "admin")
    make.user("kiosk-a", "kiosk", site=site)
    people = make.people("东村", "张三", "李四", "王五", "赵六")
    open_now = make.screening(site, start=now - timedelta(minutes=5), topic="党课", force=False)
    return {"site": site, "far": far, "far_village": far.unit_id, "people": people,
            "ids": {name: str(p.id) for name, p in people.items()}, "open": open_now,
            "open_id": open_now.id, "url": f"/api/v1/screenings/{open_now.id}/attendance"}


def sign(api, world, name: str):
    return api.post(world["url"], json={"person_id": world["ids"][name]})


def test_a_removed_token_is_refused_at_once(app, world):
    api = token_client(app, "kiosk-a")
    assert sign(api, world, "张三").status_code == 201  # the token is cached now
    db.session.execute(delete(ApiToken))
    db.session.commit()
    assert sign(api, world, "李四").status_code == 401


def test_a_deactivated_user_is_refused_at_once(app, world):
    api = token_client(app, "kiosk-a")
    assert sign(api, world, "张三").status_code == 201
    user = db.session.scalar(select(User).where(User.username == "kiosk-a"))
    user.active = False
    db.session.commit()
    db.session.expunge_all()  # the requests share this session: it must not hold the user
    assert sign(api, world, "李四").status_code == 401


def test_a_kiosk_moved_to_another_site_no_longer_signs_in_here(app, world):
    api = token_client(app, "kiosk-a")
    assert sign(api, world, "张三").status_code == 201
    db.session.execute(update(User).where(User.username == "kiosk-a")
                       .values(site_id=world["far"].id))  # a Core statement, as sync writes
    db.session.commit()
    assert sign(api, world, "李四").status_code == 403


def test_a_deactivated_or_moved_person_is_refused_at_once(app, world, make, now):
    api = token_client(app, "kiosk-a")
    other = make.screening(world["site"], start=now - timedelta(minutes=5), topic="夜校")
    for name in ("王五", "赵六"):  # both people, the screening and the villages are cached now
        assert api.post(f"/api/v1/screenings/{other.id}/attendance",
                        json={"person_id": world["ids"][name]}).status_code == 201
    world["people"]["王五"].active = False
    db.session.commit()
    db.session.expunge_all()  # the requests share this session: it must not hold the person
    assert sign(api, world, "王五").status_code == 404
    db.session.execute(update(Person).where(Person.id == uuid.UUID(world["ids"]["赵六"]))
                       .values(village_id=world["far_village"]))  # another township's village
    db.session.commit()
    assert sign(api, world, "赵六").status_code == 404
    assert db.session.scalar(select(func.count(Attendance.id)).where(
        Attendance.screening_id == world["open_id"])) == 0


def test_a_cancelled_or_moved_screening_is_refused_at_once(app, world, now):
    api = token_client(app, "kiosk-a")
    assert sign(api, world, "张三").status_code == 201
    screening = db.session.get(Screening, world["open"].id)
    screening.starts_at, screening.ends_at = now + timedelta(days=2), now + timedelta(days=2, hours=1)
    db.session.commit()
    assert sign(api, world, "李四").status_code == 409  # out of the sign-in window now
    screening.starts_at, screening.ends_at = now - timedelta(minutes=5), now + timedelta(hours=1)
    db.session.commit()
    assert sign(api, world, "李四").status_code == 201
    screening.status = "cancelled"
    db.session.commit()
    answer = sign(api, world, "王五")
    assert answer.status_code == 409 and "cancelled" in answer.json["error"]["message"]


def test_a_change_by_another_process_is_seen_within_the_ttl(app, world, backend):
    if backend != "sqlite":
        pytest.skip("another process's write is shown on the SQLite file")
    app.config["HOT_CACHE_TTL_S"] = 0.2
    api = token_client(app, "kiosk-a")
    assert sign(api, world, "张三").status_code == 201
    other = sqlite3.connect(db.engine.url.database)  # not through this app: no hook sees it
    other.execute("UPDATE people SET active = 0 WHERE name = '李四'")
    other.commit()
    other.close()
    time.sleep(0.3)
    assert sign(api, world, "李四").status_code == 404


def test_a_first_sign_in_from_warm_caches_is_one_statement(app, world, make, now):
    api = token_client(app, "kiosk-a")
    second = make.screening(world["site"], start=now - timedelta(minutes=5), topic="夜校")
    there = f"/api/v1/screenings/{second.id}/attendance"
    zhang, li = (str(world["people"][name].id) for name in ("张三", "李四"))
    assert sign(api, world, "张三").status_code == 201  # screening, villages read; token used
    assert sign(api, world, "张三").status_code == 200  # the token read since it was used
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement.split()[0].upper())

    def sent(url: str, person: str) -> list[str]:
        statements.clear()
        assert api.post(url, json={"person_id": person}).status_code == 201
        return list(statements)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        assert sent(world["url"], li) == ["SELECT", "INSERT"]  # 李四 read once
        assert sent(there, zhang) == ["SELECT", "INSERT"]  # the second screening read once
        assert sent(there, li) == ["INSERT"]  # nothing read: one statement
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert db.session.scalar(select(func.count(Attendance.id))) == 4


def test_a_second_tap_is_answered_by_a_read_and_a_removed_mark_signs_in_again(app, world):
    api = token_client(app, "kiosk-a")
    first = sign(api, world, "张三")
    assert first.status_code == 201
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement.split()[0].upper())

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        again = sign(api, world, "张三")
        assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
        assert "INSERT" not in statements  # read, no write: nothing waits for the writer
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    # The mark deleted by another path (a Core statement: no hook sees an attendance write):
    # the hint is stale, the read finds nothing, and the person is signed in anew.
    db.session.execute(delete(Attendance))
    db.session.commit()
    anew = sign(api, world, "张三")
    assert anew.status_code == 201 and anew.get_json()["id"] != first.get_json()["id"]
    assert db.session.scalar(select(func.count(Attendance.id))) == 1

"""Sign-ins waiting for SQLite's writer share one transaction and one commit
(app/attendance/group_commit.py); each is still answered with its own row, and one that cannot
be written fails alone."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine.url import make_url

from app.attendance import group_commit
from app.attendance.fast import seen_person
from app.extensions import db, one_writer
from app.models import Attendance
from tests.conftest import token_client


@pytest.fixture
def room(app, make, now):
    site = make.site("P-001", township="城关镇", village="东村")
    make.user("kiosk-a", "kiosk", site=site)
    people = make.people("东村", *[f"村民{n}" for n in range(8)])
    screening = make.screening(site, start=now - timedelta(minutes=5), topic="党课")
    url = f"/api/v1/screenings/{screening.id}/attendance"
    clients = [token_client(app, "kiosk-a") for _ in people]
    for client in clients:  # each token's first use is written now, not while the writer is held
        assert client.get(url).status_code == 200
    return {"people": list(people.values()), "url": url, "clients": clients}


def sign_in_held(app, room, people) -> tuple[list, int]:
    """Sign `people` in from threads of their own while the writer is held, until all of them
    wait for it; then let it go. Returns each answer (status code, or what was raised) in the
    order of `people`, and how many commits the database saw meanwhile."""
    url, clients = room["url"], room["clients"]
    answers: list = [None] * len(people)
    commits = []

    def commit(_connection):
        commits.append(1)

    def one(n):
        with app.app_context():
            try:
                response = clients[n].post(url, json={"person_id": str(people[n].id)})
                answers[n] = (response.status_code, response.get_json()["person_id"])
            except Exception as error:  # a 500 is raised under TESTING
                answers[n] = type(error).__name__
            finally:
                db.session.remove()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(len(people))]
    with one_writer():
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while group_commit.queued() < len(people) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert group_commit.queued() == len(people)
        event.listen(db.engine, "commit", commit)
    for thread in threads:
        thread.join()
    event.remove(db.engine, "commit", commit)
    return answers, len(commits)


def test_sign_ins_waiting_for_the_writer_share_one_commit(app, room):
    answers, commits = sign_in_held(app, room, room["people"])
    assert answers == [(201, str(person.id)) for person in room["people"]]
    assert commits == 1
    db.session.expire_all()
    rows = db.session.execute(select(Attendance.person_id, func.count()).group_by(
        Attendance.person_id)).all()
    assert dict(rows) == {person.id: 1 for person in room["people"]}


def test_one_sign_in_that_cannot_be_written_fails_alone(app, room):
    """The person of one sign-in is deleted by another program after the sign-in found them
    (their row is cached here): the group's transaction fails on that row, and every other
    sign-in of the group is written and answered all the same."""
    app.config["HOT_CACHE_TTL_S"] = 600  # the cached person outlives the test, however slow
    gone = room["people"][3]
    assert seen_person(gone.id) is not None
    path = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    with sqlite3.connect(path) as other_program:
        other_program.execute("DELETE FROM people WHERE id = ?", (gone.id.hex,))
    answers, _commits = sign_in_held(app, room, room["people"])
    assert answers[3] == "IntegrityError"
    assert [a for n, a in enumerate(answers) if n != 3] == [
        (201, str(person.id)) for n, person in enumerate(room["people"]) if n != 3]
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Attendance.id))) == 7

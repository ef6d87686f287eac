"""The server killed with -9 in the middle of a burst of sign-ins: every sign-in it acknowledged
is there afterwards, once."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attendance
from app.people.services import create_person, village_named
from app.screenings.single import create_screening

pytestmark = pytest.mark.both_databases  # see tests/conftest.py


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_every_acknowledged_sign_in_survives_a_kill_9(app, make, tmp_path):
    site = make.site("P-001", village="东村")
    make.user("admin", "admin")
    east = village_named("东村")
    people = [create_person(f"村民{i:03d}", village=east) for i in range(400)]
    now = datetime.now(UTC)
    screening, _ = create_screening(site, starts_at=now, ends_at=now + timedelta(hours=1),
                                    topic="党课")
    db.session.commit()
    ids = [str(p.id) for p in people]
    url = f"/api/v1/screenings/{screening.id}/attendance"  # read here: threads have no app context
    token = app.test_cli_runner().invoke(args=["users", "token", "admin"]).stdout.split()[-1]
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIANJIAO_")}
    env.update(DIANJIAO_INSTANCE=app.instance_path, DIANJIAO_SECRET_KEY="x",
               DIANJIAO_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"])
    dianjiao = os.path.join(os.path.dirname(sys.executable), "dianjiao")
    with open(tmp_path / "serve.log", "w") as log:
        server = subprocess.Popen([dianjiao, "serve", "--port", str(port)], env=env, stdout=log,
                                  stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        acknowledged: list[str] = []
        lock = threading.Lock()

        def client(chunk: list[str]) -> None:
            for person_id in chunk:
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    conn.request("POST", url,
                                 body=json.dumps({"person_id": person_id}),
                                 headers={"Authorization": f"Bearer {token}",
                                          "Content-Type": "application/json"})
                    response = conn.getresponse()
                    response.read()
                    conn.close()
                except (OSError, http.client.HTTPException):
                    return  # the server is gone (mid-answer: not acknowledged)
                if response.status in (200, 201):
                    with lock:
                        acknowledged.append(person_id)

        threads = [threading.Thread(target=client, args=(ids[i::8],)) for i in range(8)]
        for t in threads:
            t.start()
        while len(acknowledged) < 60 and any(t.is_alive() for t in threads):
            time.sleep(0.01)
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        for t in threads:
            t.join(timeout=10)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert 60 <= len(acknowledged) < len(ids), "the kill should land mid-burst"
    db.session.remove()
    stored = set(db.session.scalars(select(Attendance.person_id)))
    assert {str(i) for i in stored} >= set(acknowledged)
    assert db.session.scalar(select(func.count(Attendance.id))) == len(stored)

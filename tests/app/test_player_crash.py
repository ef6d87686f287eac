"""`dianjiao serve` with the player in its own process: a player killed by SIGSEGV mid-film, or
no screen at all, ends the item with its reason while the server goes on answering."""

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
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attendance, PlayLog, Screening
from app.people.services import create_person, village_named
from tests.app.test_playing import DUMMY, plan, wait_for
from tests.app.test_playing import site as site  # noqa: F401 (the fixture)
from tests.components import need_libvlc

DIANJIAO = os.path.join(os.path.dirname(sys.executable), "dianjiao")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(app, log, **env):
    port = _free_port()
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith("DIANJIAO_") and k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    environment.update(DIANJIAO_INSTANCE=app.instance_path, DIANJIAO_SECRET_KEY="x",
                       DIANJIAO_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
                       DIANJIAO_PLAYER_SITE="P-001", **env)
    server = subprocess.Popen([DIANJIAO, "serve", "--port", str(port)], env=environment,
                              stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server, port
        except OSError:
            assert time.monotonic() < deadline and server.poll() is None, "serve did not start"
            time.sleep(0.1)


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(c) for c in text]
    return found


def _stop(server) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_player_killed_mid_film_while_people_sign_in(app, site, make, tmp_path):  # noqa: F811
    need_libvlc()
    make.user("admin", "admin")
    east = village_named("东村")
    people = [create_person(f"村民{i:03d}", village=east) for i in range(60)]
    screening = plan(app, site, datetime.now(UTC) + timedelta(seconds=3),
                     "film.mp4", "lesson.mkv")
    db.session.commit()
    ids = [str(p.id) for p in people]
    url = f"/api/v1/screenings/{screening.id}/attendance"
    token = app.test_cli_runner().invoke(args=["users", "token", "admin"]).stdout.split()[-1]
    with open(tmp_path / "serve.log", "w") as log:
        server, port = _serve(app, log, DIANJIAO_VLC_ARGS=DUMMY)
    try:
        wait_for(screening.id, {"running"}, seconds=30)
        answers: list[int] = []
        lock = threading.Lock()

        def client(chunk: list[str]) -> None:
            for person_id in chunk:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("POST", url, body=json.dumps({"person_id": person_id,
                                                           "method": "operator"}),
                             headers={"Authorization": f"Bearer {token}",
                                      "Content-Type": "application/json"})
                status = conn.getresponse().status
                conn.close()
                with lock:
                    answers.append(status)
                time.sleep(0.02)

        threads = [threading.Thread(target=client, args=(ids[i::4],)) for i in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.5)  # into the first film, sign-ins under way
        players = _children(server.pid)
        assert len(players) == 1, "one player process, the server's child"
        os.kill(players[0], signal.SIGSEGV)
        for t in threads:
            t.join(timeout=60)
        row = wait_for(screening.id, {"done", "partial"}, seconds=30)
        assert server.poll() is None, "the server never stopped"
    finally:
        _stop(server)
    assert sorted(set(answers)) == [201] and len(answers) == len(ids)
    db.session.remove()
    assert db.session.scalar(select(func.count(Attendance.id))) == len(ids)
    played = db.session.scalars(select(PlayLog).where(PlayLog.screening_id == row.id)
                                .order_by(PlayLog.started_at)).all()
    assert [(p.outcome, p.error) for p in played] == [
        ("error", "the player stopped unexpectedly (signal 11)"), ("completed", None)]
    assert db.session.get(Screening, row.id).status == "partial"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_no_screen_is_logged_and_the_server_stays_up(app, site, tmp_path):  # noqa: F811
    """The README's set-up on a machine with no screen: no DISPLAY, no DIANJIAO_VLC_ARGS."""
    screening = plan(app, site, datetime.now(UTC) + timedelta(seconds=2), "film.mp4")
    app.config["VLC_ARGS"] = ""
    with open(tmp_path / "serve.log", "w") as log:
        server, port = _serve(app, log)
    try:
        row = wait_for(screening.id, {"done", "partial"}, seconds=30)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/login")
        assert conn.getresponse().status == 200
        assert server.poll() is None
        assert _children(server.pid) == []  # nothing started libvlc
    finally:
        _stop(server)
    played = db.session.scalars(select(PlayLog).where(PlayLog.screening_id == row.id)).all()
    assert [p.outcome for p in played] == ["error"]
    assert played[0].error.startswith("no screen")
    assert row.status == "partial" and row.status_reason.startswith("no screen")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_two_serve_processes_on_one_instance_start_one_player(app, site, make, tmp_path):  # noqa: F811
    need_libvlc()
    make.user("admin", "admin")
    token = app.test_cli_runner().invoke(args=["users", "token", "admin"]).stdout.split()[-1]
    servers = []
    try:
        with open(tmp_path / "serve.log", "w") as log:
            servers = [_serve(app, log, DIANJIAO_VLC_ARGS=DUMMY) for _ in range(2)]
        answers = []
        for _server, port in servers:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/api/v1/player/status",
                         headers={"Authorization": f"Bearer {token}"})
            answers.append(json.loads(conn.getresponse().read()))
        assert sorted(a["available"] for a in answers) == [False, True]
        second = next(a for a in answers if not a["available"])
        assert second["reason"] == "another dianjiao serve on this instance drives the player"
        players = [len(_children(server.pid)) for server, _port in servers]
        assert sorted(players) == [0, 1]
    finally:
        for server, _port in servers:
            _stop(server)

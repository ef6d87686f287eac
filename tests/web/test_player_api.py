"""The player API on real libvlc (dummy outputs): the queue, the transport, status, the right
people only, and proof of play written for ad-hoc playing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import PlayLog, QueueEntry
from app.player.services import close_player
from tests.components import need_libvlc
from tests.conftest import csrf_token


@pytest.fixture
def api(app, make, corpus):
    need_libvlc()
    app.config.update(VLC_ARGS="--vout=dummy --aout=dummy", PLAYER_SITE="P-001")
    make.site("P-001")
    make.user("admin", "admin")
    make.user("town", "township", township="城关镇")
    make.user("op-b", "operator", site=make.site("P-002", township="河口乡", village="石桥村"))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["scan", corpus[0], "--site", "P-001"]).exit_code == 0
    token = runner.invoke(args=["users", "token", "admin"]).stdout.strip().splitlines()[-1]
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    yield client
    close_player(app)


def sha(relpath: str) -> str:
    from app.models import FileEntry

    return db.session.scalar(select(FileEntry).where(FileEntry.relpath == relpath)).media_file.sha256


def wait(api, predicate, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = api.get("/api/v1/player/status").json
        if predicate(status):
            return status
        time.sleep(0.1)
    raise AssertionError(status)


def test_queue_play_next_stop_and_proof_of_play(api):
    status = api.post("/api/v1/player/queue", json={"items": [
        {"sha256": sha("lesson.avi")}, {"sha256": sha("film.mp4")}]}).json
    assert [q["duration_s"] for q in status["queue"]] == [pytest.approx(2, abs=0.5),
                                                          pytest.approx(3, abs=0.5)]
    status = api.post("/api/v1/player/queue", json={"move": {"from": 1, "to": 0}}).json
    assert status["queue"][0]["key"] != status["queue"][1]["key"]
    first = status["queue"][0]["name"]
    assert db.session.scalar(select(db.func.count(QueueEntry.id))) == 2  # kept for a restart
    api.post("/api/v1/player/play")
    playing = wait(api, lambda s: s["state"] == "playing" and s["current"]
                   and (s["current"]["position_s"] or 0) > 0.3)
    assert playing["current"]["name"] == first
    api.post("/api/v1/player/next")
    wait(api, lambda s: s["current"] and s["current"]["name"] != first)
    api.post("/api/v1/player/stop")
    wait(api, lambda s: s["state"] == "idle")
    outcomes = [log.outcome for log in db.session.scalars(
        select(PlayLog).order_by(PlayLog.started_at))]
    assert outcomes == ["skipped", "stopped"]
    assert api.post("/api/v1/player/volume", json={"volume": 40}).json["volume"] == 40
    status = api.post("/api/v1/player/queue", json={"remove": 0}).json
    assert len(status["queue"]) == 1
    assert api.post("/api/v1/player/queue", json={"clear": True}).json["queue"] == []


def test_a_dvd_item_shows_the_length_and_time_of_all_its_parts(api):
    status = api.post("/api/v1/player/queue", json={"items": [
        {"sha256": sha("DVD/VIDEO_TS/VTS_01")}]}).json
    assert status["queue"][0]["duration_s"] == pytest.approx(3, abs=0.5)
    api.post("/api/v1/player/play")
    playing = wait(api, lambda s: s["state"] == "playing" and s["current"]
                   and (s["current"]["position_s"] or 0) > 0.3)
    assert playing["current"]["length_s"] == pytest.approx(3, abs=0.5)
    later = wait(api, lambda s: s["current"] and (s["current"]["position_s"] or 0) > 2.0)  # second part
    assert later["current"]["key"] == playing["current"]["key"]
    assert later["current"]["length_s"] == playing["current"]["length_s"]
    wait(api, lambda s: s["state"] == "idle")
    (log,) = db.session.scalars(select(PlayLog)).all()
    assert (log.sha256, log.outcome) == (sha("DVD/VIDEO_TS/VTS_01"), "completed")


@pytest.mark.parametrize("body", [
    {}, {"remove": 5}, {"move": {"from": 0, "to": 9}}, {"items": "film"},
    {"items": [{"sha256": "0" * 64}]}, {"items": [{"file_id": "nope"}]},
])
def test_bad_queue_requests_are_4xx(api, body):
    response = api.post("/api/v1/player/queue", json=body)
    assert response.status_code in (404, 422)
    assert response.json["error"]["message"]


def test_a_file_held_only_at_another_site_answers_as_unknown(app, api, corpus, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    elsewhere = other / "elsewhere.avi"
    elsewhere.write_bytes((Path(corpus[0]) / "lesson.avi").read_bytes() + b"another copy")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["scan", str(other), "--site", "P-002"]).exit_code == 0
    held_elsewhere = api.post("/api/v1/player/queue", json={"items": [{"sha256": sha("elsewhere.avi")}]})
    unknown = api.post("/api/v1/player/queue", json={"items": [{"sha256": "0" * 64}]})
    assert held_elsewhere.status_code == unknown.status_code == 404
    assert held_elsewhere.json["error"] == unknown.json["error"]
    assert api.get("/api/v1/player/status").json["queue"] == []


def test_bad_transport_requests(api):
    assert api.post("/api/v1/player/rewind").status_code == 404
    assert api.post("/api/v1/player/volume", json={"volume": 400}).status_code == 422
    assert api.post("/api/v1/player/seek", json={"seconds": "x"}).status_code == 422
    assert api.post("/api/v1/player/seek", json={"seconds": 1e308}).status_code == 422


def test_only_the_sites_operator_and_admins_drive_it(app, api, client, login):
    login("town")
    assert client.get("/api/v1/player/status").status_code == 403
    assert client.get("/player").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/titles")})
    login("op-b")
    assert client.get("/api/v1/player/status").status_code == 403
    assert client.get("/player").status_code == 403


def test_without_a_player_site_the_api_says_so(app, api):
    app.config.update(PLAYER_SITE=None, SITE=None)
    response = api.get("/api/v1/player/status")
    assert response.status_code == 409
    assert "no player site" in response.json["error"]["message"]

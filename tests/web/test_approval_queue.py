"""The approval gate on the player's ad-hoc queue (real libvlc, dummy outputs): through the API
and on the player page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import FileEntry, MediaFile, QueueEntry
from app.player.services import close_player
from tests.components import need_libvlc
from tests.conftest import token_client


@pytest.fixture
def player(app, make, corpus):
    """P-001's player; its scanned film.mp4 is the title 农产品加工与保鲜, not approved yet, and
    lesson.avi the city-approved 果树修剪技术."""
    need_libvlc()
    app.config.update(VLC_ARGS="--vout=dummy --aout=dummy", PLAYER_SITE="P-001")
    site = make.site("P-001")
    make.user("admin", "admin")
    make.user("op-a", "operator", site=site)
    assert app.test_cli_runner().invoke(args=["scan", corpus[0], "--site", "P-001"]).exit_code == 0
    draft = make.title("农产品加工与保鲜", approved=False)
    approved = make.title("果树修剪技术")
    media = {e.relpath: e.media_file for e in db.session.scalars(select(FileEntry))}
    media["film.mp4"].title_id, media["lesson.avi"].title_id = draft.id, approved.id
    db.session.commit()
    yield {"film": media["film.mp4"].sha256, "lesson": media["lesson.avi"].sha256}
    close_player(app)


def queued() -> int:
    return db.session.scalar(select(db.func.count(QueueEntry.id)))


def test_queueing_an_unapproved_title_is_422_and_an_approved_one_plays(app, player):
    api = token_client(app, "op-a")
    refused = api.post("/api/v1/player/queue", json={"items": [{"sha256": player["film"]}]})
    assert refused.status_code == 422
    assert "农产品加工与保鲜" in refused.json["error"]["message"]
    assert "P-001" in refused.json["error"]["message"]
    both = api.post("/api/v1/player/queue", json={"items": [
        {"sha256": player["lesson"]}, {"sha256": player["film"]}]})
    assert both.status_code == 422 and queued() == 0  # nothing of a refused request is queued
    ok = api.post("/api/v1/player/queue", json={"items": [{"sha256": player["lesson"]}]})
    assert ok.status_code == 200 and ok.json["warnings"] == []
    assert [q["name"] for q in ok.json["queue"]] == ["果树修剪技术"] and queued() == 1


def test_warn_mode_queues_with_a_warning(app, player):
    app.config["APPROVAL"] = "warn"
    api = token_client(app, "op-a")
    response = api.post("/api/v1/player/queue", json={"items": [{"sha256": player["film"]}]})
    assert response.status_code == 200
    assert [q["name"] for q in response.json["queue"]] == ["农产品加工与保鲜"]
    assert len(response.json["warnings"]) == 1 and "农产品加工与保鲜" in response.json["warnings"][0]


def test_the_player_page_marks_the_titles_not_approved_here(app, player, client, login):
    login("op-a")
    page = client.get("/player").get_data(as_text=True)
    assert "not approved for this site" in page.split("农产品加工与保鲜", 1)[1].split("</tr>", 1)[0]
    assert "not approved for this site" not in page.split("果树修剪技术", 1)[1].split("</tr>", 1)[0]
    assert 'id="queue-message"' in page  # where player.js says a refusal in plain words
    media = db.session.scalar(select(MediaFile).where(MediaFile.sha256 == player["film"]))
    refused = client.post("/api/v1/player/queue", json={"items": [{"file_id": str(media.id)}]},
                          headers={"X-CSRFToken": _page_csrf(page)})
    assert refused.status_code == 422 and "农产品加工与保鲜" in refused.json["error"]["message"]


def _page_csrf(page: str) -> str:
    return page.split('data-csrf="', 1)[1].split('"', 1)[0]

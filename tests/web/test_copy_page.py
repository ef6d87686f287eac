"""The Copy page: an operator copies a kit onto their site's computer and watches it; another
site's operator or a township officer may not; a wrong folder or too little room is said plainly."""

from __future__ import annotations

import shutil
import time
from collections import namedtuple

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import FileEntry
from tests.conftest import csrf_token
from tests.media_fixtures import make_video


@pytest.fixture
def disc(tmp_path):
    src = tmp_path / "cdrom"
    src.mkdir()
    make_video(src / "果树修剪.mp4", 1.0)
    return src


@pytest.fixture
def operator(make, login):
    site = make.site("P-001")
    make.user("op", "operator", site=site)
    return login("op")


def post(client, data):
    return client.post("/sites/P-001/copy",
                       data={**data, "csrf_token": csrf_token(client, "/sites/P-001/copy")})


def test_an_operator_copies_a_disc_and_sees_it_done_and_in_the_library(operator, disc, tmp_path):
    client = operator
    assert 'id="copy-link"' in client.get("/sites/P-001/library").get_data(as_text=True)
    response = post(client, {"source": str(disc), "to": str(tmp_path / "videos")})
    assert response.status_code == 302
    url = response.headers["Location"]
    for _ in range(600):
        state = client.get(url + ".json").json
        if state["status"] not in ("queued", "running"):
            break
        time.sleep(0.05)
    assert state["status"] == "done", state
    assert (state["summary"]["files"], state["summary"]["copied"]) == (1, 1)
    page = client.get(url).get_data(as_text=True)
    assert "1 files verified by SHA-256: 1 copied" in page
    assert (tmp_path / "videos" / "cdrom" / "果树修剪.mp4").read_bytes() == (
        disc / "果树修剪.mp4").read_bytes()
    assert db.session.scalar(select(FileEntry.relpath)) == "cdrom/果树修剪.mp4"
    assert "cdrom/果树修剪.mp4" in client.get("/sites/P-001/library").get_data(as_text=True)


def test_a_folder_that_is_not_there_is_said_plainly(operator, tmp_path):
    response = post(operator, {"source": str(tmp_path / "nowhere")})
    assert response.status_code == 200
    assert "is not a folder on this computer" in response.get_data(as_text=True)


def test_too_little_room_is_refused_and_nothing_is_copied(operator, disc, tmp_path, monkeypatch):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**6, 10**6 - 10, 10))
    response = post(operator, {"source": str(disc), "to": str(tmp_path / "videos")})
    assert "Not enough free space" in response.get_data(as_text=True)
    assert not (tmp_path / "videos").exists()


def test_only_the_sites_own_operator_or_an_admin_may_copy(app, make, client, login, disc):
    make.site("P-001")
    make.user("other-op", "operator", site=make.site("P-002"))
    make.user("officer", "township", township="城关镇")
    login("other-op")
    assert client.get("/sites/P-001/copy").status_code == 403
    login("officer")
    assert client.get("/sites/P-001/copy").status_code == 403

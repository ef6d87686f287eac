"""A screening played by the app on a real X11 screen (Xvfb) leaves start, middle and end
pictures in the instance folder; its page shows them to the staff who may see the screening."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import FileEntry, Screening, Site
from app.player.services import close_player, start_screening
from media_index.synth import make_video
from tests import factories
from tests.components import need_libvlc
from tests.conftest import csrf_token

X11 = "--vout=xcb_x11 --aout=dummy"
PNG = b"\x89PNG\r\n\x1a\n"
LABELS = ("start", "middle", "end")


@pytest.fixture
def backend() -> str:
    return "sqlite"  # what is tested here does not depend on the database; one playback is enough


@pytest.fixture
def played(app, make, xvfb, tmp_path):
    """A 4 s screening at P-001 played through start_screening on the X screen, to its end."""
    need_libvlc()
    app.config.update(VLC_ARGS=X11, PLAYER_SITE="P-001")
    site = make.site("P-001")
    make.site("P-002")
    library = tmp_path / "library"
    library.mkdir()
    make_video(str(library / "lesson.mp4"), seconds=4.0, container="mp4", size=(320, 240))
    assert app.test_cli_runner().invoke(args=["scan", str(library), "--site", "P-001"]).exit_code == 0
    screening = plan(site, hours=1)
    try:
        start_screening(app, str(screening.id), False)
        deadline = time.monotonic() + 15
        while True:
            db.session.expire_all()
            if db.session.get(Screening, screening.id).status in ("done", "partial"):
                break
            assert time.monotonic() < deadline, "the screening did not end"
            time.sleep(0.1)
        yield screening
    finally:
        close_player(app)


def plan(site: Site, hours: int) -> Screening:
    sha = db.session.scalar(select(FileEntry).where(FileEntry.relpath == "lesson.mp4")).media_file.sha256
    return factories.screening(site, start=datetime.now(UTC) + timedelta(hours=hours), topic="学习",
                               playlist=[{"sha256": sha}])


def logged_in(app, username: str):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": "secret-pass-1",
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    return client


def test_a_played_screening_shows_its_snapshots_to_its_site_only(app, make, played):
    screening = played
    assert db.session.get(Screening, screening.id).status == "done"
    folder = os.path.join(app.instance_path, "snapshots")
    assert sorted(os.listdir(folder)) == sorted(f"{screening.id}-{label}.png" for label in LABELS)

    sites = {s.code: s for s in db.session.scalars(select(Site))}
    make.user("op1", "operator", site=sites["P-001"])
    make.user("op2", "operator", site=sites["P-002"])
    mine, other = logged_in(app, "op1"), logged_in(app, "op2")

    html = mine.get(f"/screenings/{screening.id}").get_data(as_text=True)
    pictures = []
    for label in LABELS:
        url = f"/screenings/{screening.id}/snapshots/{label}.png"
        assert f'<img src="{url}"' in html
        response = mine.get(url)
        assert response.status_code == 200 and response.mimetype == "image/png"
        assert response.data.startswith(PNG)
        pictures.append(response.data)
        response.close()
        assert other.get(url).status_code == 403
    assert len(set(pictures)) == 3  # three moments of a picture that changes
    assert 'alt="At the start"' in html

    for bad in ("../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "poster", "START"):
        assert mine.get(f"/screenings/{screening.id}/snapshots/{bad}.png").status_code == 404
    assert mine.get("/screenings/not-a-screening/snapshots/start.png").status_code == 404

    # A screening that has not played (or played without a real screen) shows no pictures.
    planned = plan(sites["P-001"], hours=3)
    html = mine.get(f"/screenings/{planned.id}").get_data(as_text=True)
    assert "<img" not in html and "/snapshots/" not in html
    assert mine.get(f"/screenings/{planned.id}/snapshots/end.png").status_code == 404

"""Kits verified by hash: a batch records the SHA-256 of each file the station holds of its
titles; a kit is verified only when its site's scans hold every one; a partial match lists what
is missing; another file of the same title does not verify it."""

from __future__ import annotations

import json
import shutil

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import BatchManifest, MediaFile, Title
from tests.conftest import token_client


def scan(app, path, code: str) -> None:
    result = app.test_cli_runner().invoke(args=["scan", str(path), "--site", code, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["files"]


@pytest.fixture
def sent(app, make, corpus, now):
    """The station S-000 holds film.mp4 (种植技术) and lesson.avi (养殖技术); a batch of both
    titles, its kits sent to P-001 and P-002."""
    root, _expected = corpus
    make.site("S-000", kind="station", village=None)
    make.site("P-001", township="城关镇", village="东村")
    make.site("P-002", township="河口乡", village="柳树湾村")
    make.user("admin", "admin")
    scan(app, root, "S-000")
    admin = token_client(app, "admin")
    files = {p.rsplit("/", 1)[-1]: f["sha256"] for f in admin.get(
        "/api/v1/files?site=S-000&limit=500").json["items"] for p in f["paths"]}
    t1 = admin.post("/api/v1/titles", json={"name": "种植技术", "sha256": [files["film.mp4"]]}).json
    t2 = admin.post("/api/v1/titles", json={"name": "养殖技术", "sha256": [files["lesson.avi"]]}).json
    batch = admin.post("/api/v1/batches", json={"name": "2025年第一批", "form": "USB",
                                                "titles": [t1["id"], t2["id"]]}).json
    kits = admin.post(f"/api/v1/batches/{batch['id']}/shipments",
                      json={"sites": ["P-001", "P-002"]}).json["items"]
    for kit in kits:
        assert admin.patch(f"/api/v1/shipments/{kit['id']}", json={"status": "sent"}).status_code == 200
    return {"admin": admin, "root": root, "batch": batch, "film": files["film.mp4"],
            "lesson": files["lesson.avi"], "titles": (t1, t2),
            "kits": {k["site"]: k["id"] for k in kits}}


def kit(sent, code: str) -> dict:
    return sent["admin"].get(f"/api/v1/shipments/{sent['kits'][code]}").json


def test_the_batch_records_the_stations_files_and_the_dispatch_list_prints_them(app, sent, client, login):
    rows = db.session.scalars(select(BatchManifest)).all()
    assert sorted((r.name, r.sha256) for r in rows) == sorted(
        [("film.mp4", sent["film"]), ("lesson.avi", sent["lesson"])])
    login("admin")
    sheet = client.get(f"/distribution/batches/{sent['batch']['id']}/dispatch").get_data(as_text=True)
    assert sent["film"] in sheet and sent["lesson"] in sheet and "film.mp4" in sheet


def test_a_partial_copy_is_not_verified_and_lists_what_is_missing(app, sent, tmp_path, client, login):
    half = tmp_path / "half"
    half.mkdir()
    shutil.copy(f"{sent['root']}/film.mp4", half / "种植技术.mp4")
    scan(app, half, "P-001")
    answer = kit(sent, "P-001")
    assert answer["status"] == "sent"
    assert answer["missing"] == [{"title": "养殖技术", "name": "lesson.avi",
                                  "sha256": sent["lesson"], "size": answer["missing"][0]["size"]}]
    login("admin")
    serial = answer["serial"]
    page = client.get(f"/kits/{serial}").get_data(as_text=True)
    assert "Not yet found at the site" in page and sent["lesson"][:12] in page

    shutil.copy(f"{sent['root']}/lesson.avi", half / "养殖技术.avi")
    scan(app, half, "P-001")  # the full match, found by the next scan
    answer = kit(sent, "P-001")
    assert answer["status"] == "verified" and answer["verified_at"] and answer["missing"] == []


def test_another_file_of_the_title_does_not_verify_the_kit(app, sent, make, tmp_path):
    """P-002 held other encodings of both titles before the kit came: they are not its files."""
    older = tmp_path / "older"
    older.mkdir()
    shutil.copy(f"{sent['root']}/faststart.mp4", older / "种植技术-旧版.mp4")
    shutil.copy(f"{sent['root']}/lesson.mkv", older / "养殖技术-旧版.mkv")
    scan(app, older, "P-002")
    admin = sent["admin"]
    by_name = {p.rsplit("/", 1)[-1]: f for f in admin.get(
        "/api/v1/files?site=P-002&limit=500").json["items"] for p in f["paths"]}
    for name, title in (("种植技术-旧版.mp4", "种植技术"), ("养殖技术-旧版.mkv", "养殖技术")):
        media = db.session.scalar(select(MediaFile).where(
            MediaFile.sha256 == by_name[name]["sha256"]))
        media.title_id = db.session.scalar(select(Title.id).where(Title.name == title))
    db.session.commit()
    scan(app, older, "P-002")  # the titles are now held there, by other files
    held = admin.get("/api/v1/whereis", query_string={"title": sent["titles"][0]["id"]}).json
    assert "P-002" in {h["site"] for h in held["items"]}
    answer = kit(sent, "P-002")
    assert answer["status"] == "sent"
    assert sorted(m["sha256"] for m in answer["missing"]) == sorted([sent["film"], sent["lesson"]])

"""A file renamed or moved at a site between two scans: the site keeps its catalog row under
the new path, so the hub, which is never sent deletions, shows the file once, where it now is."""

from __future__ import annotations

import os
import shutil

import pytest
from sqlalchemy import select

from app.models import FileEntry, Site
from tests.sync.helpers import count, enroll, export, import_, seed_hub


def _scan(site, library) -> dict:
    from app.catalog.scanning import scan_paths

    with site.ctx() as db:
        return scan_paths(db.session.scalar(select(Site).where(Site.code == "P-001")),
                          [str(library)])


@pytest.mark.parametrize("batch", [200, 1])  # 1: the new path's row is committed before the move
def test_a_file_moved_at_a_site_is_moved_at_the_hub(hub, new_site, tmp_path, corpus_master, batch):
    master, _expected = corpus_master
    seed_hub(hub)
    site = new_site("p001")
    site.app.config["SCAN_BATCH"] = batch
    enroll(hub, site, tmp_path / "enroll.zip", "P-001")
    library = tmp_path / "usb"
    (library / "农技").mkdir(parents=True)
    shutil.copy(os.path.join(master, "lesson.mkv"), library / "lesson.mkv")
    assert _scan(site, library)["new"] == 1
    with site.ctx() as db:
        first_id = db.session.scalar(select(FileEntry.id))
    import_(hub, export(site, tmp_path / "one.zip") and tmp_path / "one.zip")

    os.rename(library / "lesson.mkv", library / "农技" / "第一课.mkv")
    assert _scan(site, library)["moved"] == 1
    with site.ctx() as db:
        entries = db.session.execute(select(FileEntry.id, FileEntry.relpath)).all()
    assert entries == [(first_id, "农技/第一课.mkv")]  # the same row, under its new path
    import_(hub, export(site, tmp_path / "two.zip") and tmp_path / "two.zip")
    with hub.ctx() as db:
        held = db.session.execute(select(FileEntry.id, FileEntry.relpath, FileEntry.missing)).all()
    assert held == [(first_id, "农技/第一课.mkv", False)]
    assert count(hub, FileEntry) == 1


def test_a_file_moved_onto_a_path_whose_file_went_missing(hub, new_site, tmp_path, corpus_master):
    """lesson.mkv went missing; later another file is renamed to lesson.mkv. The site has one row
    for that path, and the hub, which still holds the missing row's id there, takes the bundle."""
    master, _expected = corpus_master
    seed_hub(hub)
    site = new_site("p001")
    enroll(hub, site, tmp_path / "enroll.zip", "P-001")
    library = tmp_path / "usb"
    library.mkdir()
    shutil.copy(os.path.join(master, "lesson.mkv"), library / "lesson.mkv")
    shutil.copy(os.path.join(master, "film.mp4"), library / "film.mp4")
    assert _scan(site, library)["new"] == 2
    import_(hub, export(site, tmp_path / "one.zip") and tmp_path / "one.zip")

    os.remove(library / "lesson.mkv")
    assert _scan(site, library)["missing"] == 1
    import_(hub, export(site, tmp_path / "two.zip") and tmp_path / "two.zip")

    os.rename(library / "film.mp4", library / "lesson.mkv")
    assert _scan(site, library)["moved"] == 1
    import_(hub, export(site, tmp_path / "three.zip") and tmp_path / "three.zip")
    held = []
    for install in (site, hub):
        with install.ctx() as db:
            held.append(db.session.execute(select(FileEntry.id, FileEntry.relpath).where(
                FileEntry.missing.is_(False))).all())
    assert held[0] == held[1] and [relpath for _id, relpath in held[0]] == ["lesson.mkv"]

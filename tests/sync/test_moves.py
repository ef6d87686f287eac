"""A file renamed or moved at a site between two scans: the site keeps its catalog row under
the new path, so the hub, which is never sent deletions, shows the file once, where it now is."""

from __future__ import annotations

import os
import shutil

from sqlalchemy import select

from app.models import FileEntry, Site
from tests.sync.helpers import count, enroll, export, import_, seed_hub


def _scan(site, library) -> dict:
    from app.catalog.scanning import scan_paths

    with site.ctx() as db:
        return scan_paths(db.session.scalar(select(Site).where(Site.code == "P-001")),
                          [str(library)])


def test_a_file_moved_at_a_site_is_moved_at_the_hub(hub, new_site, tmp_path, corpus_master):
    master, _expected = corpus_master
    seed_hub(hub)
    site = new_site("p001")
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


def test_a_move_in_a_long_scan_pushed_midway_keeps_the_hub_taking_bundles(
        hub, new_site, tmp_path, corpus_master):
    """A scan commits every SCAN_BATCH files, and a push may run meanwhile and send the new
    path's fresh row. Moving the old row onto that path afterwards would give the hub two rows
    at one path (it refused every later bundle): here the fresh row keeps the path and the old
    one is marked missing, on both sides."""
    master, _expected = corpus_master
    seed_hub(hub)
    site = new_site("p001")
    site.app.config["SCAN_BATCH"] = 1
    enroll(hub, site, tmp_path / "enroll.zip", "P-001")
    library = tmp_path / "usb"
    library.mkdir()
    shutil.copy(os.path.join(master, "lesson.mkv"), library / "lesson.mkv")
    _scan(site, library)
    import_(hub, export(site, tmp_path / "one.zip") and tmp_path / "one.zip")
    os.rename(library / "lesson.mkv", library / "第一课.mkv")

    from app.catalog import scanning

    pushed = []

    def push_midway(*args, **kwargs):  # the sync job, running between two of the scan's batches
        if not pushed:
            pushed.append(True)  # first: the export's own commit comes through here too
            import_(hub, export(site, tmp_path / "mid.zip") and tmp_path / "mid.zip")

    original = scanning.db.session.commit
    with site.ctx() as db:
        def commit():
            original()
            push_midway()

        db.session.commit = commit
        try:
            summary = scanning.scan_paths(db.session.scalar(select(Site)
                                                            .where(Site.code == "P-001")),
                                          [str(library)])
        finally:
            del db.session.commit
    assert summary["moved"] == 1 and pushed
    import_(hub, export(site, tmp_path / "two.zip") and tmp_path / "two.zip")
    rows = {}
    for install in (site, hub):
        with install.ctx() as db:
            rows[install] = sorted(db.session.execute(
                select(FileEntry.relpath, FileEntry.missing)).all())
    assert rows[site] == rows[hub] == [("lesson.mkv", True), ("第一课.mkv", False)]


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

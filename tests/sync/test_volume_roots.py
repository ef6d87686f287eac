"""Two USB sticks with the same label and no UUID, one after the other in the same port of a
site: two library folders with paths of their own, so the hub keeps them apart (a folder is
known by its site and path there) and sees the first one's files offline, "on disc", not gone."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.models import FileEntry, LibraryRoot, Site
from tests.app.test_volumes import Drives
from tests.sync.helpers import enroll, export, import_, seed_hub


def _scan(site, path: str) -> dict:
    from app.catalog.scanning import scan_paths

    with site.ctx() as db:
        return scan_paths(db.session.scalar(select(Site).where(Site.code == "P-001")), [path])


def _poll(site) -> None:
    from app.catalog.volumes import poll

    with site.ctx() as db:
        poll(site.app.config)
        db.session.commit()


def test_two_sticks_of_one_label_in_one_port_stay_two_folders_at_the_hub(hub, new_site,
                                                                         tmp_path, now):
    seed_hub(hub)
    site = new_site("p001")
    enroll(hub, site, tmp_path / "enroll.zip", "P-001")
    drives = Drives(tmp_path / "machine", site.app)
    drives.stick("a", "教材", None, {"种植.mp4": 1.0})
    drives.stick("b", "教材", None, {"养殖.mp4": 2.0})  # other bytes
    mount = drives.insert("a")
    assert _scan(site, mount)["new"] == 1
    import_(hub, export(site, tmp_path / "one.zip") and tmp_path / "one.zip")

    drives.take_out("a")
    _poll(site)
    drives.insert("b")
    assert _scan(site, mount)["new"] == 1
    import_(hub, export(site, tmp_path / "two.zip") and tmp_path / "two.zip")

    with site.ctx() as db:
        at_site = {r.id: r.path for r in db.session.scalars(select(LibraryRoot))}
    with hub.ctx() as db:
        roots = {r.id: r for r in db.session.scalars(select(LibraryRoot))}
        assert {i: r.path for i, r in roots.items()} == at_site  # two rows, as at the site
        assert sorted((r.volume_label, r.offline_since is not None) for r in roots.values()) == [
            ("教材", False), ("教材", True)]
        files = {e.relpath: roots[e.root_id].offline_since is not None
                 for e in db.session.scalars(select(FileEntry)) if not e.missing}
        assert files == {"种植.mp4": True, "养殖.mp4": False}

        from app.screenings.checks import check
        from app.screenings.playlist import resolve_items

        p001 = db.session.scalar(select(Site).where(Site.code == "P-001"))
        sha = db.session.scalar(select(FileEntry).where(
            FileEntry.relpath == "种植.mp4")).media_file.sha256
        warnings = check(p001, now + timedelta(days=1), now + timedelta(days=1, hours=1),
                         resolve_items(p001, [{"sha256": sha}]))
        assert [w.params.get("discs") for w in warnings if w.code == "insert_disc"] == [["教材"]]

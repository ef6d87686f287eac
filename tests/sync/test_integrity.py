"""A copy found damaged at a site travels to the hub with its library row: the hub's Terminals
page counts it; a routine check (nothing found) sends nothing."""

from __future__ import annotations

import os
import shutil

from sqlalchemy import select

from app.models import FileEntry, Site
from tests.sync.helpers import START, enroll, export, import_, seed_hub
from tests.sync.test_moves import _scan


def _flip_keeping_mtime(path) -> None:
    st = os.stat(path)
    with open(path, "r+b") as f:
        f.seek(3000)
        byte = f.read(1)
        f.seek(3000)
        f.write(bytes([byte[0] ^ 0xFF]))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def _fsck(site) -> dict:
    from app.catalog.integrity import run_pass

    with site.ctx() as db:
        return run_pass([db.session.scalar(select(Site).where(Site.code == "P-001"))])


def test_a_damaged_copy_reaches_the_hub_and_its_terminals_page(hub, new_site, tmp_path,
                                                               corpus_master):
    from app.terminals.services import Limits, terminals

    master, _expected = corpus_master
    seed_hub(hub)
    site = new_site("p001")
    enroll(hub, site, tmp_path / "enroll.zip", "P-001")
    library = tmp_path / "usb"
    library.mkdir()
    shutil.copy(os.path.join(master, "lesson.mkv"), library / "lesson.mkv")
    assert _scan(site, library)["new"] == 1
    import_(hub, export(site, tmp_path / "one.zip") and tmp_path / "one.zip")
    assert _fsck(site)["damaged"] == []
    with site.ctx() as db:
        checked = db.session.scalar(select(FileEntry))
        assert checked.checked_at is not None and checked.updated_at < checked.checked_at

    _flip_keeping_mtime(library / "lesson.mkv")
    assert len(_fsck(site)["damaged"]) == 1
    import_(hub, export(site, tmp_path / "two.zip") and tmp_path / "two.zip")
    with hub.ctx() as db:
        row = db.session.scalar(select(FileEntry))
        assert row.damaged and row.damaged_at is not None
        [p001] = [t for t in terminals(select(Site).where(Site.code == "P-001"), now=START,
                                       limits=Limits.from_config(hub.app.config))]
        assert p001.damaged_files == 1 and "damaged_files" in p001.alerts

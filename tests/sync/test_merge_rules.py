"""Merge rules found wanting in review: each one a case that once lost or forged data."""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.models import Attendance, FileEntry, LibraryRoot, MediaFile, Screening, Site, User
from app.sync.bundle import write_bundle
from app.sync.importer import Refused
from tests.sync.helpers import START, count, enroll, export, import_, seed_hub, sign_in


def test_a_forged_enrollment_cannot_take_over_an_enrolled_site(hub, new_site, tmp_path):
    seed_hub(hub)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    with zipfile.ZipFile(tmp_path / "enroll.zip") as zf:
        manifest = json.loads(zf.read("manifest.json"))
        parts = {name[5:-6]: zf.read(name) for name in zf.namelist() if name.startswith("rows/")}
    forger_key = "11" * 32
    manifest["enroll"]["key"] = forger_key
    manifest["seq"] = 99
    intruder = {"id": "0b7a1c52-3f0e-4a4c-9d55-1b2c3d4e5f60", "origin_site": "HUB",
                "created_at": START.isoformat(), "updated_at": START.isoformat(),
                "username": "intruder", "password_hash": "x", "role": "admin", "unit_id": None,
                "site_id": None, "locale": None, "active": True}
    parts["users"] = json.dumps(intruder).encode() + b"\n"
    del manifest["parts"]
    write_bundle(str(tmp_path / "forged.zip"), manifest,
                 {name: (body.count(b"\n"), body) for name, body in parts.items()}, forger_key)
    with pytest.raises(Refused) as caught:
        import_(site, tmp_path / "forged.zip")
    assert "already enrolled" in caught.value.message
    assert count(site, User, User.username == "intruder") == 0


def test_the_sites_discussion_survives_a_later_edit_on_the_hub(hub, new_site, tmp_path):
    ids = seed_hub(hub)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    with site.ctx() as db:
        db.session.get(Screening, ids["screening"]).discussion = "讨论了冬剪。"
        db.session.commit()
    export(site, tmp_path / "up.zip")
    with hub.ctx() as db:  # hours later the township edits the same screening's notes
        db.session.get(Screening, ids["screening"]).notes = "请带上剪刀"
        db.session.commit()
    import_(hub, tmp_path / "up.zip")
    with hub.ctx() as db:
        screening = db.session.get(Screening, ids["screening"])
        assert (screening.discussion, screening.notes) == ("讨论了冬剪。", "请带上剪刀")


def test_the_hub_leaves_closing_an_enrolled_sites_sign_in_to_the_site(hub, new_site, tmp_path):
    from app.attendance.services import close_due_screenings

    ids = seed_hub(hub)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    later = START + timedelta(days=1)
    with hub.ctx() as db:  # the hub's minute tick, the day after
        assert close_due_screenings(now=later) == 0
        db.session.commit()
    assert count(hub, Attendance) == 0
    sign_in(site, ids["screening"], ids["li"])
    with site.ctx() as db:  # the site closes its own sheet: party member 张三 absent
        assert close_due_screenings(now=later) == 1
        db.session.commit()
    import_(hub, export(site, tmp_path / "up.zip") and tmp_path / "up.zip")
    with hub.ctx() as db:
        marks = dict(db.session.execute(select(Attendance.person_id, Attendance.status)).all())
    assert marks == {ids["li"]: "present", ids["zhang"]: "absent"}


def _scan(install, code: str, sha: str, relpath: str) -> None:
    """A scan at a site found content the catalog does not know yet."""
    now = datetime.now(UTC)
    with install.ctx() as db:
        site = db.session.scalar(select(Site).where(Site.code == code))
        media = db.session.scalar(select(MediaFile).where(MediaFile.sha256 == sha))
        if media is None:
            media = MediaFile(sha256=sha, fingerprint=sha[:16], size=1000)
            db.session.add(media)
        root = db.session.scalar(select(LibraryRoot).where(LibraryRoot.site_id == site.id))
        if root is None:
            root = LibraryRoot(site_id=site.id, path="/media/usb")
            db.session.add(root)
        db.session.flush()
        db.session.add(FileEntry(root_id=root.id, relpath=relpath, size=1000, mtime_ns=1,
                                 media_file_id=media.id, first_seen=now, last_seen=now))
        db.session.commit()


def test_content_scanned_at_two_sites_keeps_one_identity_bundle_after_bundle(hub, new_site,
                                                                            tmp_path):
    from tests import factories

    seed_hub(hub)
    with hub.ctx():
        factories.site("P-003", village="南村")
    first, second = new_site("p001"), new_site("p003")
    enroll(hub, first, tmp_path / "e1.zip", "P-001")
    enroll(hub, second, tmp_path / "e3.zip", "P-003")
    sha = hashlib.sha256(b"new film").hexdigest()
    _scan(first, "P-001", sha, "新片.mp4")
    _scan(second, "P-003", sha, "新片.mp4")  # its own id for the same content
    import_(hub, export(first, tmp_path / "a.zip") and tmp_path / "a.zip")
    import_(hub, export(second, tmp_path / "b1.zip") and tmp_path / "b1.zip")
    _scan(second, "P-003", sha, "备份/新片.mp4")  # a second copy, found later
    import_(hub, export(second, tmp_path / "b2.zip") and tmp_path / "b2.zip")
    assert count(hub, MediaFile, MediaFile.sha256 == sha) == 1
    assert count(hub, FileEntry) == 3

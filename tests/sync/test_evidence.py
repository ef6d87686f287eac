"""The pictures of a screening travel to the hub in bundles, within their budget, and the hub
audits the screening again when its records arrive."""

from __future__ import annotations

import base64
import json
import os
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import AuditCheck, AuditFlag, PlayLog, Screening, ScreeningEvidence, Site
from app.sync.importer.state import Refused
from tests.audit.pictures import jpeg, png
from tests.sync.helpers import (
    START,
    count,
    enroll,
    export,
    import_,
    members,
    resign,
    seed_hub,
    site_key,
)

LIMIT = 2 * 0.03 * 1024 * 1024  # a budget of 0.03 MB of pictures: with base64 and the rows


def _hold_at_site(site, screening_id, *, snapshots: str = "black", photo: bool = True) -> None:
    """At the site: the screening played 50 minutes, the player saved three snapshots, the
    operator added a photo of the room; thumbnails made and the screening audited."""
    from app.audit.evidence import add_photo, keep_snapshots
    from app.audit.services import run_audit
    from app.player.services import snapshot_path

    with site.ctx() as db:
        screening = db.session.get(Screening, screening_id)
        screening.status = "done"
        db.session.add(PlayLog(site_id=screening.site_id, screening_id=screening.id,
                               started_at=START, ended_at=START + timedelta(minutes=50),
                               played_s=3000, outcome="completed"))
        folder = os.path.join(site.app.instance_path, "snapshots")
        os.makedirs(folder, exist_ok=True)
        for i, label in enumerate(("start", "middle", "end")):
            with open(snapshot_path(site.app, screening.id, label), "wb") as fh:
                fh.write(png(snapshots, seed=i))
        made = keep_snapshots(screening, lambda label: snapshot_path(site.app, screening.id, label))
        assert len(made) == 3
        if photo:
            add_photo(screening, jpeg(seed=9, size=(1600, 1200), exif=True), by="op1")
        run_audit(screening)
        db.session.commit()


def test_thumbnails_and_a_photo_reach_the_hub_which_audits_the_screening(hub, new_site, tmp_path):
    ids = seed_hub(hub)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    _hold_at_site(site, ids["screening"])
    with site.ctx() as db:
        sent = {(e.kind, e.sha256) for e in db.session.scalars(select(ScreeningEvidence))}

    summary = import_(hub, export(site, tmp_path / "up.zip") and tmp_path / "up.zip")

    assert summary["tables"]["screening_evidence"]["inserted"] == 4  # three snapshots, a photo
    with hub.ctx() as db:
        arrived = db.session.scalars(select(ScreeningEvidence)).all()
        assert {(e.kind, e.sha256) for e in arrived} == sent
        photo = next(e for e in arrived if e.kind == "photo")
        assert photo.jpeg.startswith(b"\xff\xd8") and max(photo.width, photo.height) == 1024
        assert b"PhoneMaker" not in photo.jpeg and b"Exif" not in photo.jpeg  # EXIF stripped
        check = db.session.scalar(select(AuditCheck))
        assert check is not None and check.screening_id == ids["screening"]
        flags = {f.code for f in db.session.scalars(select(AuditFlag))}
        assert flags == {"frozen_or_black"}  # the hub read the thumbnails that travelled
    # Idempotent: the same bundle, then everything again, add no picture twice.
    assert import_(hub, tmp_path / "up.zip")["already_imported"] is True
    again = import_(hub, export(site, tmp_path / "full.zip", full=True) and tmp_path / "full.zip")
    assert again["tables"]["screening_evidence"]["inserted"] == 0
    assert count(hub, ScreeningEvidence) == 4


def test_a_forged_picture_refuses_the_bundle(hub, new_site, tmp_path):
    ids = seed_hub(hub)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    _hold_at_site(site, ids["screening"], snapshots="scene", photo=False)
    path = tmp_path / "up.zip"
    export(site, path)
    manifest, data = members(path)
    name = "rows/screening_evidence.jsonl"
    rows = [json.loads(line) for line in data[name].splitlines()]
    rows[0]["jpeg"] = base64.b64encode(b"<html>not a picture</html>").decode()
    data[name] = "".join(json.dumps(r) + "\n" for r in rows).encode()
    resign(path, manifest, data, site_key(site))
    with pytest.raises(Refused) as caught, hub.ctx():
        from app.sync.importer import import_bundle

        import_bundle(str(path))
    assert "screening_evidence" in caught.value.message and "JPEG" in caught.value.message
    assert count(hub, ScreeningEvidence) == 0


def test_a_picture_of_another_sites_screening_refuses_the_bundle(hub, new_site, tmp_path):
    from app.screenings.single import create_screening

    ids = seed_hub(hub)
    with hub.ctx() as db:
        p002 = db.session.scalar(select(Site).where(Site.code == "P-002"))
        other, _w = create_screening(p002, starts_at=START, ends_at=START + timedelta(hours=1),
                                     topic="别处", audience="all")
        db.session.commit()
        other_id = str(other.id)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    _hold_at_site(site, ids["screening"], snapshots="scene", photo=False)
    path = tmp_path / "up.zip"
    export(site, path)
    manifest, data = members(path)
    name = "rows/screening_evidence.jsonl"
    rows = [json.loads(line) for line in data[name].splitlines()]
    rows[0]["screening_id"] = other_id
    data[name] = "".join(json.dumps(r) + "\n" for r in rows).encode()
    resign(path, manifest, data, site_key(site))
    with pytest.raises(Refused) as caught, hub.ctx():
        from app.sync.importer import import_bundle

        import_bundle(str(path))
    assert caught.value.reason == "claim"
    assert count(hub, ScreeningEvidence) == 0


def test_many_pictures_stay_within_the_bundle_budget_and_follow_in_the_next(
        hub, new_site, tmp_path):
    from app.screenings.single import create_screening

    ids = seed_hub(hub)
    site = new_site(SYNC_EVIDENCE_MB=0.03)  # ~31 KB of pictures a bundle
    enroll(hub, site, tmp_path / "enroll.zip")
    with site.ctx() as db:
        p001 = db.session.scalar(select(Site).where(Site.code == "P-001"))
        made = []
        for day in range(1, 9):
            s, _w = create_screening(p001, starts_at=START - timedelta(days=day),
                                     ends_at=START - timedelta(days=day) + timedelta(hours=1),
                                     topic=f"第{day}场", audience="all", force=True)
            made.append(s.id)
        db.session.commit()
    for screening_id in made + [ids["screening"]]:
        _hold_at_site(site, screening_id, snapshots="scene")
    with site.ctx() as db:
        pictures = db.session.scalars(select(ScreeningEvidence)).all()
        total = sum(len(e.jpeg) for e in pictures)
        assert len(pictures) == 36 and total > 100_000  # several bundles' budget

    first = export(site, tmp_path / "up1.zip")
    assert os.path.getsize(tmp_path / "up1.zip") < LIMIT
    assert first["counts"]["screening_evidence"] < 36 and first["warnings"]
    import_(hub, tmp_path / "up1.zip")
    for n in range(2, 12):  # each round trip carries what the one before left
        if count(hub, ScreeningEvidence) == 36:
            break
        down = tmp_path / f"down{n}.zip"
        import_(site, export(hub, down, to="P-001") and down)
        export(site, tmp_path / f"up{n}.zip")
        assert os.path.getsize(tmp_path / f"up{n}.zip") < LIMIT
        import_(hub, tmp_path / f"up{n}.zip")
    assert count(hub, ScreeningEvidence) == 36
    assert n <= 8  # a round trip for every budget's worth, not one for every picture


def test_a_site_clock_hours_ahead_is_taken_out_by_the_bundle_s_time(hub, new_site, tmp_path):
    """The site's clock is 50 hours fast: its paper sheet, typed in half an hour after the end,
    says 50.5 hours after. The bundle, made "50 hours from now" by the same clock, tells the hub
    so: no late_paper, and a note on the clock."""
    from datetime import UTC, datetime

    from app.models import Attendance
    from app.screenings.single import create_screening

    ids = seed_hub(hub)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    fast, now = timedelta(hours=50), datetime.now(UTC)
    with site.ctx() as db:
        p001 = db.session.scalar(select(Site).where(Site.code == "P-001"))
        start = now - timedelta(minutes=90)
        screening, _w = create_screening(p001, starts_at=start, ends_at=start + timedelta(hours=1),
                                         topic="停电", audience="all", force=True)
        screening.status = "missed"
        db.session.add(Attendance(screening_id=screening.id, person_id=ids["zhang"],
                                  method="paper", status="present", signed_at=start,
                                  created_at=now + fast, updated_at=now + fast,
                                  recorded_by="op1"))
        db.session.commit()
    export(site, tmp_path / "up.zip", now=now + fast)
    import_(hub, tmp_path / "up.zip")
    with hub.ctx() as db:
        flags = {f.code for f in db.session.scalars(select(AuditFlag))}
        assert flags == {"no_playback"}  # a sign-in and nothing played; not late_paper
        check = db.session.scalar(select(AuditCheck))
        assert abs(check.clock_offset_s - fast.total_seconds()) < 120
        assert [n["code"] for n in check.notes] == ["clock_off"]

"""A bundle of thousands of rows, many import chunks: all of it arrives, once, however resent."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, update

from app.models import Attendance, Person, PlayLog, Screening, Site
from app.sync import bulk
from app.sync.importer import rows as row_merge
from tests.sync.helpers import count, enroll, export, import_, seed_hub

SCREENINGS, PEOPLE, PER_SCREENING, PLAYS = 100, 400, 50, 1000  # 5,000 sign-ins


def fill(site) -> dict[str, int]:
    """Bulk-insert screenings, people, sign-ins and play logs at the site, born there."""
    t0 = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)
    with site.ctx() as db:
        me = db.session.scalar(select(Site).where(Site.code == "P-001"))

        def born(at):
            return {"id": uuid.uuid4(), "origin_site": "P-001", "created_at": at,
                    "updated_at": at}

        people = [{**born(t0), "name": f"村民{i}", "pinyin": f"cunmin{i}", "initials": "cm",
                   "village_id": me.unit_id} for i in range(PEOPLE)]
        screenings = [{**born(t0), "site_id": me.id, "starts_at": t0 + timedelta(hours=i),
                       "ends_at": t0 + timedelta(hours=i, minutes=50), "topic": f"第{i}讲",
                       "status": "done"} for i in range(SCREENINGS)]
        attendance = [{**born(s["starts_at"] + timedelta(seconds=k)), "screening_id": s["id"],
                       "person_id": people[(i * 7 + k) % PEOPLE]["id"], "method": "kiosk",
                       "signed_at": s["starts_at"] + timedelta(seconds=k)}
                      for i, s in enumerate(screenings) for k in range(PER_SCREENING)]
        plays = [{**born(t0), "site_id": me.id, "screening_id": screenings[i % SCREENINGS]["id"],
                  "sha256": f"{i:064x}", "started_at": t0, "played_s": 60.0,
                  "outcome": "completed"} for i in range(PLAYS)]
        for model, rows in ((Person, people), (Screening, screenings), (Attendance, attendance),
                            (PlayLog, plays)):
            db.session.execute(insert(model), rows)
        db.session.commit()
    return {"people": PEOPLE, "screenings": SCREENINGS, "attendance": len(attendance),
            "play_logs": PLAYS}


def test_thousands_of_rows_arrive_whole_and_once(hub, new_site, tmp_path):
    seed_hub(hub)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    sent = fill(site)
    before = count(hub, Person)

    first = import_(hub, export(site, tmp_path / "up.zip") and tmp_path / "up.zip")
    for name, rows in sent.items():
        assert first["tables"][name]["inserted"] == rows
    assert first["inserted"] == sum(sent.values()) and first["conflicts"] == 0
    assert count(hub, Attendance) == sent["attendance"]
    assert count(hub, PlayLog) == sent["play_logs"]
    assert count(hub, Person) == before + sent["people"]
    assert import_(hub, tmp_path / "up.zip")["already_imported"] is True

    # Everything again, every row compared: nothing new, nothing changed.
    export(site, tmp_path / "full.zip", full=True)
    again = import_(hub, tmp_path / "full.zip")
    assert again["inserted"] == again["updated"] == again["conflicts"] == 0
    assert again["tables"]["attendance"]["unchanged"] == sent["attendance"]
    assert count(hub, Attendance) == sent["attendance"]


def test_sign_ins_known_under_other_ids_are_matched_not_doubled(hub, new_site, tmp_path):
    """A site restored from an old backup re-creates sign-ins under new ids, in any order."""
    seed_hub(hub)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    sent = fill(site)
    import_(hub, export(site, tmp_path / "up.zip") and tmp_path / "up.zip")
    with site.ctx() as db:
        ids = db.session.scalars(select(Attendance.id)).all()
        early = datetime(2026, 1, 1, tzinfo=UTC)
        for n, old in enumerate(random.Random(6).sample(ids, len(ids) // 2)):
            # A new id, and an order that mixes every screening and person in each chunk.
            db.session.execute(update(Attendance).where(Attendance.id == old).values(
                id=uuid.uuid4(), created_at=early + timedelta(seconds=n)))
        db.session.commit()
    export(site, tmp_path / "full.zip", full=True)
    again = import_(hub, tmp_path / "full.zip")
    assert again["inserted"] == 0 and again["tables"]["attendance"]["unchanged"] == sent[
        "attendance"]
    assert count(hub, Attendance) == sent["attendance"]


def test_a_full_resend_merges_only_the_rows_changed_since(hub, new_site, tmp_path, monkeypatch):
    """Rows the hub holds at the same time are set aside unread; the changed ones are merged.

    Small batches make the import write new rows in several goes (and, on PostgreSQL, refresh
    the table's statistics between them), as a bundle of 100,000 rows does.
    """
    monkeypatch.setattr(row_merge, "WAITING", 2000)
    monkeypatch.setattr(bulk, "ANALYZE_AFTER", 1000)
    seed_hub(hub)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    sent = fill(site)
    first = import_(hub, export(site, tmp_path / "up.zip") and tmp_path / "up.zip")
    assert first["tables"]["attendance"]["inserted"] == sent["attendance"]

    with site.ctx() as db:  # the operator marks seven people late, an hour later
        late = db.session.scalars(select(Attendance.id).order_by(Attendance.id).limit(7)).all()
        db.session.execute(update(Attendance).where(Attendance.id.in_(late)).values(
            status="late", updated_at=datetime.now(UTC) + timedelta(hours=1)))
        db.session.commit()
    export(site, tmp_path / "full.zip", full=True)
    again = import_(hub, tmp_path / "full.zip")
    assert again["tables"]["attendance"] == {"inserted": 0, "updated": 7,
                                             "unchanged": sent["attendance"] - 7,
                                             "conflicts": 0}
    with hub.ctx() as db:
        on_hub = dict(db.session.execute(select(Attendance.id, Attendance.status)).all())
    assert len(on_hub) == sent["attendance"]
    assert sorted(i for i, status in on_hub.items() if status == "late") == sorted(late)

"""When the audit runs by itself: the player's end of a screening, and the minute's catch-up."""

from __future__ import annotations

import os
from datetime import timedelta

from sqlalchemy import select

from app.audit.events import audit_due
from app.audit.services import flags_of
from app.extensions import db
from app.models import ScreeningEvidence
from app.player.services import snapshot_path
from app.signals import screening_ended
from tests.audit.pictures import png


def _held(make, now, **fields):
    site = make.site("P-001")
    s = make.screening(site, start=now - timedelta(hours=2), minutes=60, **fields)
    s.status = "done"
    db.session.commit()
    return site, s


def test_the_player_s_end_keeps_snapshot_thumbnails_and_audits(app, make, clock, now):
    site, s = _held(make, now)
    make.play_log(site, started_at=s.starts_at, played_s=3500, screening=s)
    os.makedirs(os.path.join(app.instance_path, "snapshots"), exist_ok=True)
    for label in ("start", "middle", "end"):
        with open(snapshot_path(app, s.id, label), "wb") as fh:
            fh.write(png("scene", seed=3))  # the same picture three times: a frozen screen
    screening_ended.send(app, screening_id=s.id)
    db.session.expire_all()
    thumbs = db.session.scalars(select(ScreeningEvidence).where(
        ScreeningEvidence.screening_id == s.id)).all()
    assert sorted(t.label for t in thumbs) == ["end", "middle", "start"]
    assert all(max(t.width, t.height) <= 320 for t in thumbs)
    assert [f.code for f in flags_of(s.id)] == ["frozen_or_black"]


def test_the_minute_audits_what_ended_and_again_after_a_paper_sheet(app, make, clock, now):
    site, s = _held(make, now)
    make.play_log(site, started_at=s.starts_at, played_s=3500, screening=s)
    later = make.screening(site, start=now + timedelta(hours=1))
    assert audit_due() == 1  # the one that ended; not the one to come
    assert flags_of(s.id) == [] and audit_due() == 0
    clock.now += timedelta(days=3)
    make.attendance(s, make.person("张三", village=site.unit), method="paper",
                    at=s.starts_at - timedelta(hours=3))  # typed in now, signed before it played
    assert audit_due() >= 1
    assert flags_of(later.id) == []
    db.session.expire_all()
    assert [f.code for f in flags_of(s.id)] == []  # paper has no time of its own: no flag

"""A sync import keeps the hub's monthly figures in step: they are derived, never synced."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.models import PlayLog, Screening, Site, SiteMonth
from app.models.figures import FIGURES
from tests.sync.helpers import START, enroll, export, import_, seed_hub, sign_in

NOVEMBER = date(2026, 11, 1)


def kept_and_computed(hub) -> tuple[dict, dict]:
    from app.reports.kept import computed

    with hub.ctx() as db:
        site = db.session.scalar(select(Site).where(Site.code == "P-001"))
        row = db.session.get(SiteMonth, (site.id, NOVEMBER))
        kept = {name: getattr(row, name) for name in FIGURES} if row else {}
        fresh = computed([site], NOVEMBER, tz="Asia/Shanghai")
        return kept, {name: fresh[0][name] for name in FIGURES} if fresh else {}


def test_an_import_keeps_the_hubs_figures_in_step(hub, new_site, tmp_path):
    from app.attendance.services import sign_in as do_sign_in
    from app.models import Attendance, Person

    ids = seed_hub(hub)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    sign_in(site, ids["screening"], ids["zhang"])  # a party member
    sign_in(site, ids["screening"], ids["li"])
    with site.ctx() as db:  # held, with 40 minutes of proof of play
        screening = db.session.get(Screening, ids["screening"])
        screening.status = "done"
        db.session.add(PlayLog(site_id=screening.site_id, screening_id=screening.id,
                               started_at=START, ended_at=START + timedelta(minutes=40),
                               played_s=2400.0, outcome="completed"))
        db.session.commit()
    kept, fresh = kept_and_computed(hub)
    assert kept == fresh and (kept["planned"], kept["sessions"]) == (1, 0)  # not held, at the hub
    import_(hub, export(site, tmp_path / "up.zip") and tmp_path / "up.zip")
    kept, fresh = kept_and_computed(hub)
    assert kept == fresh
    assert (kept["sessions"], kept["attendance"], kept["participants"]) == (1, 2, 1)
    assert kept["minutes"] == 40.0 and kept["study_minutes"] == 40.0
    with site.ctx() as db:  # the operator corrects a mark: 张三 was not there after all
        screening = db.session.get(Screening, ids["screening"])
        do_sign_in(screening, method="operator", person=db.session.get(Person, ids["zhang"]),
                   status="absent", recorded_by="op1")
        db.session.commit()
        assert db.session.scalar(select(Attendance.status).where(
            Attendance.person_id == ids["zhang"])) == "absent"
    import_(hub, export(site, tmp_path / "up2.zip") and tmp_path / "up2.zip")
    kept, fresh = kept_and_computed(hub)
    assert kept == fresh
    assert (kept["attendance"], kept["participants"], kept["study_minutes"]) == (1, 0, 0.0)

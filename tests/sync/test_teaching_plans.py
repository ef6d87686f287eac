"""A teaching plan travels hub → site; what the site moved or cancelled comes back and wins over
a change of the plan made meanwhile, while the rest of that change reaches the site."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.models import Screening, TeachingPlan, TeachingSession, User
from tests.sync.helpers import enroll, export, import_, seed_hub

NOW = datetime(2027, 2, 20, tzinfo=UTC)


def plan_screenings(db) -> list[Screening]:
    return db.session.scalars(select(Screening).where(
        Screening.teaching_session_id.is_not(None)).order_by(Screening.recurrence_at)).all()


def test_a_plan_travels_and_the_sites_changes_come_back(hub, new_site, tmp_path):
    from app.screenings.single import cancel_screening, update_screening
    from app.teaching.changes import update_plan
    from app.teaching.issue import issue_plan
    from tests import factories

    seed_hub(hub)
    with hub.ctx() as db:
        admin = factories.user("admin", "admin")
        issued = issue_plan({"name": "三月计划", "starts_on": "2027-03-01",
                             "ends_on": "2027-03-31", "sites": {"codes": ["P-001", "P-002"]},
                             "sessions": [{"topic": "果树春季管理", "rule": "six_days"}]},
                            user=admin, now=NOW)
        db.session.commit()
        plan_id, admin_id = issued.plan.id, admin.id
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    with site.ctx() as db:
        assert db.session.get(TeachingPlan, plan_id).name == "三月计划"
        rows = plan_screenings(db)
        assert len(rows) == 3 and all(r.site.code == "P-001" for r in rows)
        moved, cancelled = rows[0], rows[1]
        moved_id, cancelled_id = moved.id, cancelled.id
        new_start = moved.starts_at + timedelta(days=1)
        update_screening(moved, {"starts_at": new_start,
                                 "ends_at": new_start + timedelta(minutes=90)})
        cancel_screening(cancelled, reason="停电")
        db.session.commit()
    with hub.ctx() as db:  # meanwhile the township changes the plan
        plan = db.session.get(TeachingPlan, plan_id)
        session = db.session.scalars(select(TeachingSession)).one()
        update_plan(plan, {"sessions": [{"id": str(session.id), "topic": "果树春季管理（修订）",
                                         "rule": "six_days", "start_time": "20:00"}]},
                    user=db.session.get(User, admin_id), now=NOW)
        db.session.commit()
    import_(hub, export(site, tmp_path / "up.zip") and tmp_path / "up.zip")
    with hub.ctx() as db:
        back = db.session.get(Screening, moved_id)
        assert back.starts_at == new_start and back.site_change == "moved"
        assert back.topic == "果树春季管理（修订）"  # what the site did not touch follows
        gone = db.session.get(Screening, cancelled_id)
        assert (gone.status, gone.status_reason) == ("cancelled", "停电")
    import_(site, export(hub, tmp_path / "down.zip", to="P-001") and tmp_path / "down.zip")
    with site.ctx() as db:
        rows = {r.id: r for r in plan_screenings(db)}
        assert rows[moved_id].starts_at == new_start
        assert rows[moved_id].topic == "果树春季管理（修订）"
        assert rows[cancelled_id].status == "cancelled"
        third = next(r for i, r in rows.items() if i not in (moved_id, cancelled_id))
        assert (third.starts_at + timedelta(hours=8)).strftime("%H:%M") == "20:00"


def test_a_sites_usual_start_travels_both_ways_and_the_rest_stays_the_hubs(hub, new_site,
                                                                           tmp_path):
    from app.models import Site

    seed_hub(hub)
    with hub.ctx() as db:
        db.session.scalars(select(Site).where(Site.code == "P-001")).one().usual_start = "18:00"
        db.session.commit()
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    with site.ctx() as db:
        mine = db.session.scalars(select(Site)).one()  # a site holds its own record only
        assert mine.usual_start == "18:00"
        mine.usual_start, mine.name = "19:00", "改在站点"
        db.session.commit()
    import_(hub, export(site, tmp_path / "up.zip") and tmp_path / "up.zip")
    with hub.ctx() as db:
        back = db.session.scalars(select(Site).where(Site.code == "P-001")).one()
        assert back.usual_start == "19:00" and back.name != "改在站点"
        back.usual_start = "20:00"
        db.session.commit()
    import_(site, export(hub, tmp_path / "down.zip", to="P-001") and tmp_path / "down.zip")
    with site.ctx() as db:
        assert db.session.scalars(select(Site)).one().usual_start == "20:00"

"""A site and a hub exchange bundles both ways: nothing lost, nothing doubled, in any order."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.models import Attendance, Person, Screening, Shipment, SyncConflict, SyncPeer, Title
from tests.sync.helpers import START, count, enroll, export, import_, seed_hub, sign_in


def test_enrollment_makes_a_ready_site(hub, new_site, tmp_path):
    ids = seed_hub(hub)
    site = new_site()
    summary = enroll(hub, site, tmp_path / "enroll.zip")
    assert summary["kind"] == "enroll" and summary["inserted"] > 0
    with site.ctx() as db:
        assert site.app.config["ROLE"] == "site" and site.app.config["SITE"] == "P-001"
        # Its own site, its villagers, its plan, its operator, the catalog; not the other site.
        codes = db.session.scalars(select(Person.name).order_by(Person.name)).all()
        assert codes == ["张三", "李四"]
        assert db.session.get(Screening, ids["screening"]).topic == "果树修剪"
        from app.models import Site, User

        assert db.session.scalars(select(Site.code)).all() == ["P-001"]
        op = db.session.scalar(select(User).where(User.username == "op1"))
        assert op.check_password("secret-pass-1")  # the operator can log in at the site
    config = open(f"{site.app.instance_path}/config.py", encoding="utf-8").read()
    assert 'ROLE = "site"' in config and 'SITE = "P-001"' in config


def test_offline_sign_ins_reach_the_hub_exactly_once(hub, new_site, tmp_path):
    ids = seed_hub(hub)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    sign_in(site, ids["screening"], ids["zhang"])
    first = export(site, tmp_path / "up1.zip")
    sign_in(site, ids["screening"], ids["li"])
    second = export(site, tmp_path / "up2.zip")  # nothing acknowledged yet: carries both
    assert first["counts"]["attendance"] == 1 and second["counts"]["attendance"] == 2

    # Out of order, and again and again.
    assert import_(hub, tmp_path / "up2.zip")["tables"]["attendance"]["inserted"] == 2
    again = import_(hub, tmp_path / "up1.zip")
    assert again["inserted"] == 0 and again["tables"]["attendance"]["unchanged"] == 1
    assert import_(hub, tmp_path / "up2.zip")["already_imported"] is True
    assert count(hub, Attendance) == 2
    full = export(site, tmp_path / "full.zip", full=True)
    assert full["full"] is True
    assert import_(hub, tmp_path / "full.zip")["inserted"] == 0
    assert count(hub, Attendance, Attendance.screening_id == ids["screening"]) == 2


def test_outcomes_go_up_and_plans_come_down(hub, new_site, tmp_path):
    ids = seed_hub(hub)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    with site.ctx() as db:  # the screening was held; the operator wrote the discussion
        screening = db.session.get(Screening, ids["screening"])
        screening.status, screening.discussion = "done", "大家讨论了修剪时机。"
        db.session.commit()
    from app.attendance.services import sign_in as do_sign_in

    with site.ctx() as db:
        screening = db.session.get(Screening, ids["screening"])
        walkin = do_sign_in(screening, method="operator", walkin_name="王五", village="东村",
                            now=START).attendance
        walkin_id = walkin.person_id
        db.session.commit()
    import_(hub, export(site, tmp_path / "up.zip") and tmp_path / "up.zip")
    with hub.ctx() as db:
        screening = db.session.get(Screening, ids["screening"])
        assert screening.status == "done" and screening.discussion == "大家讨论了修剪时机。"
        person = db.session.get(Person, walkin_id)
        assert person.name == "王五" and person.walkin and person.origin_site == "P-001"
        # The township renames the title and moves next month's plan; both reach the site.
        db.session.get(Title, ids["title"]).name = "果树冬季修剪技术"
        db.session.commit()
    down = export(hub, tmp_path / "down.zip", to="P-001")
    assert down["full"] is False  # the site's bundle acknowledged the enrollment
    import_(site, tmp_path / "down.zip")
    with site.ctx() as db:
        assert db.session.get(Title, ids["title"]).name == "果树冬季修剪技术"
        assert db.session.get(Screening, ids["screening"]).status == "done"


def test_a_field_changed_on_both_sides_is_logged_and_owned_fields_stay(hub, new_site, tmp_path):
    ids = seed_hub(hub)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    with site.ctx() as db:
        db.session.get(Person, ids["zhang"]).phone = "13800000001"
        db.session.get(Screening, ids["screening"]).status = "done"
        db.session.commit()
    with hub.ctx() as db:  # later, on the hub
        db.session.get(Person, ids["zhang"]).phone = "13900000002"
        db.session.get(Screening, ids["screening"]).status = "cancelled"  # not the hub's field
        db.session.commit()
    import_(site, export(hub, tmp_path / "down.zip", to="P-001") and tmp_path / "down.zip")
    with site.ctx() as db:
        assert db.session.get(Person, ids["zhang"]).phone == "13900000002"  # the newer change
        assert db.session.get(Screening, ids["screening"]).status == "done"  # the site's field
        logged = {(c.table, c.field, c.kept) for c in db.session.scalars(select(SyncConflict))}
    assert logged == {("people", "phone", "incoming"), ("screenings", "status", "local")}
    import_(hub, export(site, tmp_path / "up.zip") and tmp_path / "up.zip")
    with hub.ctx() as db:
        assert db.session.get(Screening, ids["screening"]).status == "done"
        assert db.session.get(Person, ids["zhang"]).phone == "13900000002"


def test_a_kit_received_at_the_site_is_received_on_the_hub(hub, new_site, tmp_path):
    from app.distribution.batches import create_batch
    from app.distribution.kits import consign
    from app.models import Site

    ids = seed_hub(hub)
    with hub.ctx() as db:
        batch = create_batch("2026年第4批", "DVD", [ids["title"]])
        kit = consign(batch, [db.session.get(Site, ids["site"])]).created[0]
        kit.status = "sent"
        db.session.commit()
        kit_id = kit.id
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    with site.ctx() as db:
        kit = db.session.get(Shipment, kit_id)
        kit.status, kit.received_by, kit.received_at = "received", "王大山", START
        db.session.commit()
    import_(hub, export(site, tmp_path / "up.zip") and tmp_path / "up.zip")
    with hub.ctx() as db:
        kit = db.session.get(Shipment, kit_id)
        assert (kit.status, kit.received_by) == ("received", "王大山")


def test_acknowledged_rows_are_not_sent_again(hub, new_site, tmp_path):
    ids = seed_hub(hub)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    sign_in(site, ids["screening"], ids["zhang"])
    import_(hub, export(site, tmp_path / "up1.zip") and tmp_path / "up1.zip")
    import_(site, export(hub, tmp_path / "down1.zip", to="P-001") and tmp_path / "down1.zip")
    with site.ctx() as db:  # the hub's bundle carried the acknowledgement back
        peer = db.session.scalar(select(SyncPeer).where(SyncPeer.kind == "hub"))
        peer.out_acked += timedelta(minutes=20)  # past the re-send overlap
        db.session.commit()
    later = export(site, tmp_path / "up2.zip")
    assert later["counts"]["attendance"] == 0


def test_a_change_made_on_one_side_only_is_no_conflict(hub, new_site, tmp_path):
    """The site writes notes on the screening and signs in a walk-in; the hub, meanwhile, sends
    a bundle made before it got them; then the hub gives the walk-in a phone. No side logs a
    conflict: each value differs only because one side changed it."""
    from app.attendance.services import sign_in as do_sign_in

    ids = seed_hub(hub)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    with site.ctx() as db:
        screening = db.session.get(Screening, ids["screening"])
        screening.notes = "现场备注"
        walkin = do_sign_in(screening, method="operator", walkin_name="赵六", village="东村",
                            recorded_by="op1", now=START).attendance.person_id
        db.session.commit()
    export(site, tmp_path / "up1.zip")
    export(hub, tmp_path / "crossing.zip", to="P-001")  # made before the hub has them
    import_(hub, tmp_path / "up1.zip")
    import_(site, tmp_path / "crossing.zip")
    with hub.ctx() as db:
        db.session.get(Person, walkin).phone = "13900000002"
        db.session.commit()
    import_(site, export(hub, tmp_path / "down.zip", to="P-001") and tmp_path / "down.zip")
    import_(hub, export(site, tmp_path / "up2.zip") and tmp_path / "up2.zip")
    for install in (hub, site):
        with install.ctx() as db:
            assert db.session.get(Screening, ids["screening"]).notes == "现场备注"
            assert db.session.get(Person, walkin).phone == "13900000002"
            assert db.session.scalars(select(SyncConflict)).all() == []


def test_enrollment_carries_the_guests_of_the_sites_screenings(hub, new_site, tmp_path):
    """A kiosk signs in anyone of the township: a neighbour village's person signed in at P-001
    comes down with P-001's attendance (and their village), or the site's enrollment would fail
    on the attendance row's person."""
    from app.models import Unit
    from app.people.services import create_person
    from app.places.services import get_or_make_unit

    ids = seed_hub(hub)
    with hub.ctx() as db:
        town = db.session.scalar(select(Unit).where(Unit.name == "城关镇"))
        neighbour_village = get_or_make_unit("南村", "village", town)
        neighbour = create_person("王五", village=neighbour_village)
        stranger = create_person("赵六", village=neighbour_village)
        db.session.commit()
        neighbour_id, stranger_id = neighbour.id, stranger.id
    sign_in(hub, ids["screening"], neighbour_id)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    with site.ctx() as db:
        signed = db.session.scalar(select(Attendance).where(Attendance.person_id == neighbour_id))
        assert signed is not None and signed.person.village.name == "南村"
        assert db.session.get(Person, stranger_id) is None  # only the guests, not the village

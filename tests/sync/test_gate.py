"""A township's approvals and a batch's manifest travel to the sites in hub bundles: a site gates
and verifies offline."""

from __future__ import annotations

from sqlalchemy import select

from app.models import BatchManifest, MediaFile, Shipment, Site, Title, TitleApproval, User
from tests.sync.helpers import START, count, enroll, export, import_, seed_hub


def test_a_townships_approval_and_its_withdrawal_reach_its_sites_only(hub, new_site, tmp_path):
    from app.catalog.approval import approve_township
    from tests import factories

    ids = seed_hub(hub)  # P-001 in 城关镇
    with hub.ctx() as db:
        factories.site("P-003", township="河口乡", village="石桥村")
        factories.user("chengguan", "township", township="城关镇")
        draft = factories.title("农产品加工与保鲜", approved=False)
        officer = db.session.scalar(select(User).where(User.username == "chengguan"))
        approve_township(draft, officer)
        db.session.commit()
        draft_id = draft.id
    first, third = new_site("p001"), new_site("p003")
    enroll(hub, first, tmp_path / "enroll1.zip")
    enroll(hub, third, tmp_path / "enroll3.zip", code="P-003")
    assert count(third, TitleApproval) == 0  # 河口乡's site has no business with 城关镇's word

    def approved_at_site() -> bool:
        from app.catalog.approval import approved_for

        with first.ctx() as db:
            return approved_for(db.session.get(Title, draft_id),
                                db.session.get(Site, ids["site"]))

    assert approved_at_site()
    with hub.ctx() as db:
        officer = db.session.scalar(select(User).where(User.username == "chengguan"))
        approve_township(db.session.get(Title, draft_id), officer, approved=False)
        db.session.commit()
    import_(first, export(hub, tmp_path / "down.zip", to="P-001") and tmp_path / "down.zip")
    assert not approved_at_site()


def test_the_manifest_travels_and_the_site_verifies_its_kit_by_hash(hub, new_site, tmp_path):
    from app.distribution.batches import create_batch
    from app.distribution.kits import consign
    from app.distribution.manifest import verify_site
    from tests import factories

    ids = seed_hub(hub)
    with hub.ctx() as db:
        station = factories.site("S-000", kind="station", village=None)
        title = db.session.get(Title, ids["title"])
        carried = factories.media_file(title, sha256="a1" * 32, size=1000)
        factories.held(station, carried, seen=START)
        batch = create_batch("2026年第4批", "USB", [ids["title"]])
        kit = consign(batch, [db.session.get(Site, ids["site"])]).created[0]
        kit.status = "sent"
        db.session.commit()
        kit_id, sha = kit.id, carried.sha256
        # another encoding of the title, not in the kit
        other = factories.media_file(title, sha256="b2" * 32, size=2000).sha256
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    with site.ctx() as db:
        assert [m.sha256 for m in db.session.scalars(select(BatchManifest))] == [sha]
        here = db.session.get(Site, ids["site"])
        factories.held(here, db.session.scalar(select(MediaFile).where(
            MediaFile.sha256 == other)), seen=START)
        assert verify_site(here) == []  # the title is held, by a file the kit does not carry
        factories.held(here, db.session.scalar(select(MediaFile).where(
            MediaFile.sha256 == sha)), seen=START)
        assert [k.id for k in verify_site(here)] == [kit_id]
        db.session.commit()
    import_(hub, export(site, tmp_path / "up.zip") and tmp_path / "up.zip")
    with hub.ctx() as db:
        assert db.session.get(Shipment, kit_id).status == "verified"

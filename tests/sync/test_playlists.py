"""A screening's playlist changed on one side reaches the other whole: the items it no longer
has are gone there too (sync sends no deletions row by row, so a playlist travels as one)."""

from __future__ import annotations

from sqlalchemy import select

from app.models import ScreeningItem, Title
from tests.sync.helpers import enroll, export, import_, seed_hub


def _playlist(install, screening_id) -> list[str]:
    with install.ctx() as db:
        return list(db.session.scalars(
            select(Title.name).join(ScreeningItem, ScreeningItem.title_id == Title.id)
            .where(ScreeningItem.screening_id == screening_id).order_by(ScreeningItem.position)))


def _replan(install, screening_id, names: list[str]) -> None:
    from app.models import Screening
    from app.screenings.single import update_screening

    with install.ctx() as db:
        ids = {t.name: str(t.id) for t in db.session.scalars(select(Title))}
        update_screening(db.session.get(Screening, screening_id),
                         {"items": [{"title_id": ids[n]} for n in names]}, force=True)
        db.session.commit()


def test_a_playlist_replanned_at_the_hub_replaces_the_sites(hub, new_site, tmp_path):
    from tests import factories

    ids = seed_hub(hub)
    with hub.ctx():
        factories.title("养猪技术")
        factories.title("党史故事")
    _replan(hub, ids["screening"], ["果树修剪技术", "养猪技术"])
    site = new_site("p001")
    enroll(hub, site, tmp_path / "enroll.zip", "P-001")
    assert _playlist(site, ids["screening"]) == ["果树修剪技术", "养猪技术"]

    _replan(hub, ids["screening"], ["党史故事"])
    import_(site, export(hub, tmp_path / "down.zip", to="P-001") and tmp_path / "down.zip")
    assert _playlist(site, ids["screening"]) == ["党史故事"]


def test_a_playlist_replanned_at_the_site_replaces_the_hubs(hub, new_site, tmp_path):
    from tests import factories

    ids = seed_hub(hub)
    with hub.ctx():
        factories.title("养猪技术")
    _replan(hub, ids["screening"], ["果树修剪技术", "养猪技术"])
    site = new_site("p001")
    enroll(hub, site, tmp_path / "enroll.zip", "P-001")
    _replan(site, ids["screening"], ["养猪技术"])
    import_(hub, export(site, tmp_path / "up.zip") and tmp_path / "up.zip")
    assert _playlist(hub, ids["screening"]) == ["养猪技术"]
    # and back down: the hub's answer leaves the site's playlist as the site made it
    import_(site, export(hub, tmp_path / "down.zip", to="P-001") and tmp_path / "down.zip")
    assert _playlist(site, ids["screening"]) == ["养猪技术"]


def test_one_item_changed_sends_its_whole_playlist(hub, new_site, tmp_path):
    """Should one item alone change (any future code path), the whole playlist still travels:
    the other side must not take the one item for the whole playlist and drop the rest."""
    from datetime import timedelta

    from sqlalchemy import update

    from tests import factories

    ids = seed_hub(hub)
    with hub.ctx():
        factories.title("养猪技术")
    _replan(hub, ids["screening"], ["果树修剪技术", "养猪技术"])
    with hub.ctx() as db:  # planned yesterday: older than any watermark below
        for item in db.session.scalars(select(ScreeningItem)).all():
            db.session.execute(update(ScreeningItem).where(ScreeningItem.id == item.id).values(
                updated_at=item.updated_at - timedelta(days=1)))
        db.session.commit()
    site = new_site("p001")
    enroll(hub, site, tmp_path / "enroll.zip", "P-001")
    first = export(hub, tmp_path / "quiet.zip", to="P-001")  # the site acknowledges nothing yet
    import_(site, tmp_path / "quiet.zip")
    import_(hub, export(site, tmp_path / "ack.zip") and tmp_path / "ack.zip")
    with hub.ctx() as db:
        item = db.session.scalar(select(ScreeningItem).where(ScreeningItem.position == 1))
        db.session.execute(update(ScreeningItem).where(ScreeningItem.id == item.id).values(
            updated_at=item.updated_at + timedelta(days=2)))
        db.session.commit()
    sent = export(hub, tmp_path / "down.zip", to="P-001")
    assert not sent["full"] and first["seq"] < sent["seq"]
    assert sent["counts"]["screening_items"] == 2
    import_(site, tmp_path / "down.zip")
    assert _playlist(site, ids["screening"]) == ["果树修剪技术", "养猪技术"]

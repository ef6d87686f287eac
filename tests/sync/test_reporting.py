"""Sync in the township's reports: silent sites on the dashboard, bundles in the rating."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.models import Site, SyncPeer
from tests.sync.helpers import enroll, export, import_, seed_hub
from tests.sync.test_pages import add_user, client_of


def test_the_dashboard_flags_an_enrolled_site_that_stopped_reporting(hub, new_site, tmp_path):
    seed_hub(hub)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    add_user(hub, "boss", "admin")
    browser = client_of(hub, "boss")
    html = browser.get("/reports/dashboard").get_data(as_text=True)
    assert 'id="silent-sites"' not in html  # enrolled today: not silent
    with hub.ctx() as db:  # its last bundle came three weeks ago
        peer = db.session.scalar(select(SyncPeer).where(SyncPeer.code == "P-001"))
        peer.last_import_at = datetime.now(UTC) - timedelta(days=21)
        db.session.commit()
    html = browser.get("/reports/dashboard").get_data(as_text=True)
    assert 'id="silent-sites"' in html and "P-001" in html.split('id="silent-sites"')[1]
    assert 'id="stat-silent">1<' in html


def test_the_rating_reads_reporting_from_the_sites_bundles(hub, new_site, tmp_path):
    from app.reports.rating import last_report_at

    seed_hub(hub)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    with hub.ctx() as db:
        p001 = db.session.scalar(select(Site).where(Site.code == "P-001"))
        assert last_report_at(p001) is None  # enrolled, nothing received yet
    arrived = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    import_(hub, export(site, tmp_path / "up.zip") and tmp_path / "up.zip", now=arrived)
    with hub.ctx() as db:
        p001 = db.session.scalar(select(Site).where(Site.code == "P-001"))
        assert last_report_at(p001) == arrived
        p002 = db.session.scalar(select(Site).where(Site.code == "P-002"))
        assert last_report_at(p002) is None  # not enrolled, no rows: never reported

"""A site's health report travels to the hub in its bundles; the hub measures its clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.models import PlayLog, Site, SyncPeer, TerminalHealth
from tests.sync.helpers import START, enroll, export, import_, members, seed_hub
from tests.sync.test_pages import add_user, client_of

CRASH = "the player stopped unexpectedly (signal 11)"


def _played(site, *, at, outcome="completed", error=None) -> None:
    with site.ctx() as db:
        p001 = db.session.scalar(select(Site).where(Site.code == "P-001"))
        db.session.add(PlayLog(site_id=p001.id, started_at=at, ended_at=at + timedelta(minutes=5),
                               played_s=300, outcome=outcome, error=error))
        db.session.commit()


def _record(site, now, started_at=None) -> None:
    from app.terminals.services import record_health

    with site.ctx() as db:
        assert record_health(now, started_at=started_at) is not None
        db.session.commit()


def _hub_health(hub) -> TerminalHealth | None:
    with hub.ctx() as db:
        row = db.session.scalar(select(TerminalHealth).join(Site).where(Site.code == "P-001"))
        if row is not None:
            db.session.expunge(row)
        return row


def test_a_site_bundle_brings_its_health_to_the_hub(hub, new_site, tmp_path):
    ids = seed_hub(hub)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    day_before = START - timedelta(days=1)  # the seeded screening is P-001's next
    _played(site, at=day_before - timedelta(days=2))
    _played(site, at=day_before - timedelta(days=1), outcome="error", error=CRASH)
    _record(site, day_before, started_at=day_before - timedelta(hours=2))

    import_(hub, export(site, tmp_path / "up.zip") and tmp_path / "up.zip")

    health = _hub_health(hub)
    assert health is not None and health.origin_site == "P-001"
    assert health.recorded_at == day_before
    assert health.app_version  # the installed package's version
    assert health.player_faults_30d == 1
    assert health.last_played_at == day_before - timedelta(days=2) + timedelta(minutes=5)
    assert health.next_screening_id == ids["screening"]
    assert health.next_readiness == "unchecked"  # the site has not checked it yet
    assert health.uptime_s == 2 * 3600
    assert health.free_disk_bytes > 0

    add_user(hub, "boss", "admin")
    browser = client_of(hub, "boss")
    items = browser.get("/api/v1/terminals").get_json()["items"]
    [p001] = [item for item in items if item["site"] == "P-001"]
    assert p001["player_faults_30d"] == 1
    assert "player_faults" in p001["alerts"]
    assert p001["next_screening"]["id"] == str(ids["screening"])
    assert p001["last_heard_at"] is not None  # the bundle's import, on the hub's clock
    html = browser.get("/terminals").get_data(as_text=True)
    assert 'data-site="P-001"' in html and "the player stopped 1 time in 30 days" in html


def test_the_newer_report_wins_whichever_bundle_arrives_last(hub, new_site, tmp_path):
    seed_hub(hub)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    first = START - timedelta(days=3)
    _record(site, first)
    export(site, tmp_path / "older.zip")
    _played(site, at=first + timedelta(hours=1), outcome="error", error=CRASH)
    _record(site, first + timedelta(hours=2))
    export(site, tmp_path / "newer.zip")

    import_(hub, tmp_path / "newer.zip")
    import_(hub, tmp_path / "older.zip")  # a USB stick found in a drawer, late
    health = _hub_health(hub)
    assert health.recorded_at == first + timedelta(hours=2)
    assert health.player_faults_30d == 1

    _record(site, first + timedelta(hours=3))
    import_(hub, export(site, tmp_path / "newest.zip") and tmp_path / "newest.zip")
    assert _hub_health(hub).recorded_at == first + timedelta(hours=3)


def test_the_hub_measures_the_site_clock_from_a_signed_pull(hub, new_site, tmp_path):
    from app.sync.net import PullRefused, check_pull, signed_headers
    from app.terminals.services import CLOCK, Limits, terminals

    seed_hub(hub)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    import_(hub, export(site, tmp_path / "up.zip") and tmp_path / "up.zip")
    with hub.ctx() as db:
        key = db.session.scalar(select(SyncPeer.key).where(SyncPeer.code == "P-001"))
    hub_now = START

    def offsets(site_clock):
        with hub.ctx() as db:
            try:
                check_pull(signed_headers("P-001", key, site_clock), now=hub_now)
                db.session.commit()
            except PullRefused:
                pass
            limits = Limits(silent_days=3, min_free_bytes=0, clock_max_s=300)
            [row] = [r for r in terminals(select(Site), now=hub_now, limits=limits)
                     if r.site.code == "P-001"]
            return row.clock_offset_s, row.clock_at_least, CLOCK in row.alerts

    assert offsets(hub_now + timedelta(minutes=2)) == (120, False, False)
    assert offsets(hub_now - timedelta(minutes=9)) == (-540, False, True)
    # A year off: the pull is refused, and the offset kept all the same.
    assert offsets(hub_now - timedelta(days=365)) == (-365 * 86400, False, True)


def test_a_bundle_made_later_than_its_import_proves_a_clock_ahead(hub, new_site, tmp_path):
    from app.terminals.services import CLOCK, Limits, terminals

    seed_hub(hub)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    export(site, tmp_path / "up.zip")
    made = datetime.fromisoformat(members(tmp_path / "up.zip")[0]["created"])  # site's clock
    import_(hub, tmp_path / "up.zip", now=made - timedelta(hours=1))  # the hub's clock
    limits = Limits(silent_days=3, min_free_bytes=0, clock_max_s=300)
    with hub.ctx():
        [row] = [r for r in terminals(select(Site), now=made, limits=limits)
                 if r.site.code == "P-001"]
    assert row.clock_at_least and row.clock_offset_s == 3600
    assert CLOCK in row.alerts

"""The Terminals page and API on the hub: scope, alerts on an injected clock, the download, the
roll-up's alerts; and a site's hourly health report."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.models import Bundle, Site, SyncPeer, TerminalHealth
from app.terminals.services import Limits, terminals
from tests.conftest import client_of, token_client

LIMITS = Limits(silent_days=3, min_free_bytes=2 * 10**9, clock_max_s=300)


def _health(site, now, **values) -> TerminalHealth:
    row = TerminalHealth(site_id=site.id, origin_site=site.code,
                         **{"recorded_at": now, "app_version": "0.1.0",
                            "free_disk_bytes": 50 * 10**9, "player_faults_30d": 0, **values})
    db.session.add(row)
    db.session.commit()
    return row


def _peer(code, *, heard, skew=None) -> SyncPeer:
    peer = SyncPeer(code=code, kind="site", key="0" * 64, last_import_at=heard,
                    clock_skew_s=skew)
    db.session.add(peer)
    db.session.commit()
    return peer


def _by_code(now):
    return {row.site.code: row for row in terminals(select(Site), now=now, limits=LIMITS)}


def test_alerts_follow_the_clock_they_are_given(app, make, now):
    a, c = make.three_sites()
    b = db.session.scalar(select(Site).where(Site.code == "P-002"))
    _peer("P-001", heard=now - timedelta(days=2))
    _health(a, now - timedelta(days=2))
    _peer("P-002", heard=now - timedelta(hours=1), skew=-420)
    _health(b, now - timedelta(hours=1), player_faults_30d=2, free_disk_bytes=1_500_000_000,
            next_screening_id=a.id, next_screening_at=now + timedelta(hours=5),
            next_readiness="at_risk", next_problems=[{"position": 0, "sha256": None,
                                                      "problem": "file not found: a.mp4"}])
    assert _by_code(now)["P-001"].alerts == []
    assert _by_code(now + timedelta(days=1, hours=1))["P-001"].alerts == ["silent"]
    p002 = _by_code(now)["P-002"]
    assert p002.alerts == ["next_at_risk", "player_faults", "disk_low", "clock_off"]
    assert p002.clock_offset_s == -420
    # Once the screening has begun, it is no longer "next": its alert goes.
    assert "next_at_risk" not in _by_code(now + timedelta(hours=6))["P-002"].alerts
    # Worst first (P-003, with no report and no link, is not listed): a silent site before
    # one that still reports, whatever its other alerts.
    def order(at):
        return [r.site.code for r in terminals(select(Site), now=at, limits=LIMITS)]

    assert order(now) == ["P-002", "P-001"]
    assert order(now + timedelta(days=2)) == ["P-001", "P-002"]
    assert c.code not in order(now)


def test_an_enrolled_site_never_heard_from_is_silent_after_the_days(app, make, now):
    make.three_sites()
    peer = _peer("P-003", heard=None)
    peer.created_at = now - timedelta(days=4)
    db.session.commit()
    row = _by_code(now)["P-003"]
    assert row.alerts == ["silent"] and row.last_heard_at is None and row.silent_days == 4


def test_a_bundle_from_the_future_beats_an_older_pull_measurement(app, make, now):
    make.three_sites()
    _peer("P-001", heard=now, skew=10)
    db.session.add(Bundle(origin="P-001", destination="HUB", digest="d" * 64,
                          bundle_created_at=now + timedelta(days=1), imported_at=now))
    db.session.commit()
    row = _by_code(now)["P-001"]
    assert (row.clock_offset_s, row.clock_at_least) == (86400, True)


@pytest.fixture
def network(app, make, now):
    a, c = make.three_sites()
    make.user("chengguan", "township", township="城关镇")
    _health(a, now, player_faults_30d=1)
    _health(c, now, free_disk_bytes=10**9)
    return a, c


def test_the_page_and_api_keep_to_the_officer_s_township(network, app):
    officer = client_of(app, "chengguan")
    html = officer.get("/terminals").get_data(as_text=True)
    assert 'data-site="P-001"' in html and 'data-site="P-003"' not in html
    assert "the player stopped 1 time in 30 days" in html
    items = officer.get("/api/v1/terminals").get_json()
    assert [i["site"] for i in items["items"]] == ["P-001"] and items["total"] == 1
    admin = token_client(app, "admin")
    body = admin.get("/api/v1/terminals?limit=1").get_json()
    assert body["total"] == 2 and len(body["items"]) == 1
    item = body["items"][0]
    assert set(item) >= {"site", "last_heard_at", "app_version", "free_disk_bytes",
                         "player_faults_30d", "last_played_at", "clock_offset_s",
                         "next_screening", "alerts"}
    assert admin.get("/api/v1/terminals?limit=0").status_code == 422
    assert app.test_client().get("/api/v1/terminals").status_code == 401
    for role in ("op-a", "kiosk-a"):
        assert client_of(app, role).get("/terminals").status_code == 403
        assert token_client(app, role).get("/api/v1/terminals").status_code == 403


def test_the_menu_links_the_page_for_officers_only(network, app):
    link = 'href="/terminals"'
    assert link in client_of(app, "chengguan").get("/").get_data(as_text=True)
    assert link not in client_of(app, "op-a").get("/").get_data(as_text=True)


def test_the_page_downloads_as_csv_and_xlsx(network, app):
    admin = client_of(app, "admin")
    response = admin.get("/terminals.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "Site" and {r[0] for r in rows[1:]} == {"P-001", "P-003"}
    p003 = next(r for r in rows if r[0] == "P-003")
    assert "only 1 GB free on the disk (under 2 GB)" in p003[-1]
    book = load_workbook(io.BytesIO(admin.get("/terminals.xlsx").data))
    assert book.active["A2"].value in ("P-001", "P-003")


def test_terminal_alerts_join_the_roll_up_s_escalating_list(network, app, make, now):
    from app.reports.rollup import rollup

    _peer("P-002", heard=now - timedelta(days=40))
    result = rollup(None, now.date().replace(day=1), tz="UTC", rules=[], now=now)
    found = {(a.site.code, a.rule): a.level for a in result.alerts}
    assert found[("P-001", "terminal_player_faults")] == "site"
    assert found[("P-003", "terminal_disk_low")] == "site"
    assert found[("P-002", "terminal_silent")] == "city"  # silent for more than a month
    assert result.alerts[0].site.code == "P-002"  # the city's first
    html = client_of(app, "admin").get("/reports/township").get_data(as_text=True)
    assert "Player faults in 30 days" in html and 'href="/terminals"' in html
    # the last complete month, the page's default, lists them too; a month before it does not
    last_month = (now.date().replace(day=1) - timedelta(days=1)).replace(day=1)
    latest = rollup(None, last_month, tz="UTC", rules=[], now=now)
    assert ("P-002", "terminal_silent") in {(a.site.code, a.rule) for a in latest.alerts}
    before = (last_month - timedelta(days=1)).replace(day=1)
    earlier = rollup(None, before, tz="UTC", rules=[], now=now)
    assert not [a for a in earlier.alerts if a.rule.startswith("terminal_")]


# --- at the site ---------------------------------------------------------------------------

def test_a_site_records_its_health_every_hour(app, make, now):
    from app.runner import ScreeningRunner

    site = make.site("P-001")
    app.config["SITE"] = "P-001"
    make.play_log(site, started_at=now - timedelta(days=40), played_s=1, outcome="error",
                  ended=False, error="the player stopped answering")  # too old to count
    make.play_log(site, started_at=now - timedelta(days=3), played_s=1, outcome="error",
                  ended=False, error="the player stopped unexpectedly (signal 9)")
    make.play_log(site, started_at=now - timedelta(days=2), played_s=1, outcome="error",
                  ended=False, error="file not found: a.mp4")  # not the player's fault
    make.play_log(site, started_at=now - timedelta(days=1, hours=1), played_s=3600)
    upcoming = make.screening(site, start=now + timedelta(days=2), topic="学习", force=False)
    runner = ScreeningRunner(app)  # not started: no scheduler, no lock
    runner.started_at = now - timedelta(minutes=30)
    runner.record_health(now)
    row = db.session.scalar(select(TerminalHealth))
    assert row.recorded_at == now and row.uptime_s == 1800
    assert row.player_faults_30d == 1 and row.last_played_at == now - timedelta(days=1)
    assert row.next_screening_id == upcoming.id and row.next_readiness == "unchecked"
    assert row.libvlc_version is None  # no player process has started
    runner.record_health(now + timedelta(minutes=30))  # not due yet
    db.session.expire_all()
    assert db.session.scalar(select(TerminalHealth)).recorded_at == now
    runner.record_health(now + timedelta(minutes=61))
    db.session.expire_all()
    assert db.session.scalar(select(TerminalHealth)).recorded_at == now + timedelta(minutes=61)


def test_a_failing_health_report_does_not_stop_the_tick(app, make, now, monkeypatch, caplog):
    from app import runner as runner_module

    make.site("P-001")
    app.config["SITE"] = "P-001"

    def broken(*_a, **_k):
        raise OSError("disk gone")

    monkeypatch.setattr(runner_module, "record_health", broken)
    runner = runner_module.ScreeningRunner(app)
    runner.record_health(now)  # logged, not raised
    assert "recording the terminal's health failed" in caplog.text


def test_the_minute_tick_writes_the_report(app, make):
    from app.runner import ScreeningRunner

    make.site("P-001")
    app.config["SITE"] = "P-001"
    ScreeningRunner(app).tick()  # as at serve's start
    assert db.session.scalar(select(TerminalHealth)).recorded_at is not None

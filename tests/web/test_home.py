"""Each role lands on its own home page: an operator's day at their site, a township officer's
week across their sites (alerts first), the administrator's network by township; and the menu
shows what the role uses. Nobody sees another area's things."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.clock import month_bounds, today
from app.extensions import db
from app.models import ReadinessCheck, Site, SyncPeer
from app.reports.months import parse_month
from tests.conftest import client_of

pytestmark = pytest.mark.both_databases  # the network view's GROUP BYs, dates compared in SQL

TZ = "Asia/Shanghai"


def _site(code: str) -> Site:
    return db.session.scalar(select(Site).where(Site.code == code))


def _sent_kit(make, site: Site, batch, admin) -> str:
    from app.distribution.kits import set_status

    kit = make.shipment(batch, site)
    set_status(kit, "sent", user=admin)
    db.session.commit()
    return kit.serial


@pytest.fixture
def network(app, make, clock):
    """P-001 and P-002 in 城关镇, P-003 in 河口乡 (make.three_sites), all recorded 100 days ago
    with no screening held since: each misses its quotas. P-001 plans 果树修剪技术 in two hours
    (checked: at risk), P-003 plans its own; a kit is on its way to P-001 and to P-003; P-002
    and P-003 have not reported for 30 days. Users admin, op-a (P-001) and chengguan."""
    now = clock.now
    p1, p3 = make.three_sites()
    p2 = _site("P-002")
    for site in (p1, p2, p3):
        site.created_at = now - timedelta(days=100)
    admin = make.user("chengguan", "township", township="城关镇")
    admin = db.session.scalar(select(type(admin)).where(type(admin).username == "admin"))
    title = make.title("果树修剪技术")
    media = make.media_file(title)
    make.held(p1, media, seen=now)
    upcoming = make.screening(p1, start=now + timedelta(hours=2), topic="东村果树课",
                              playlist=[{"sha256": media.sha256}])
    db.session.add(ReadinessCheck(screening_id=upcoming.id, kind="full", status="at_risk",
                                  checked_at=now, problems=[
                                      {"position": 0, "problem": "file not found: a.mp4"}]))
    make.screening(p3, start=now + timedelta(hours=3), topic="石桥村放映")
    local_midnight = datetime.combine(today(TZ, now), datetime.min.time(), ZoneInfo(TZ))
    make.screening(p2, start=local_midnight + timedelta(minutes=1), minutes=30, topic="西村早课")
    batch = make.batch([title])
    kits = {"P-001": _sent_kit(make, p1, batch, admin), "P-003": _sent_kit(make, p3, batch, admin)}
    for code in ("P-002", "P-003"):
        db.session.add(SyncPeer(code=code, kind="site", key="0" * 64,
                                last_import_at=now - timedelta(days=30)))
    db.session.commit()
    return {"now": now, "kits": kits, "upcoming": upcoming}


def _home(app, user: str) -> str:
    response = client_of(app, user).get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _section(html: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}">(.*?)</section>', html, re.S)
    assert match, section_id
    return match.group(1)


def _nav(html: str) -> list[str]:
    nav = re.search(r"<nav>(.*?)</nav>", html, re.S).group(1)
    return re.findall(r">([^<>]+)</a>", nav)


def test_the_operator_sees_the_next_screening_its_playlist_and_a_kit_to_receive(app, network):
    html = _home(app, "op-a")
    assert "<h1>Today" in html
    upcoming = _section(html, "next-screening")
    assert "东村果树课" in upcoming and "果树修剪技术" in upcoming  # the screening, its playlist
    assert "At risk" in upcoming and "file not found: a.mp4" in upcoming
    start = f'href="/screenings/{network["upcoming"].id}/rollcall"'
    assert start in upcoming and "Start sign-in" in upcoming
    assert network["kits"]["P-001"] in _section(html, "kits-to-receive")
    assert "东村果树课" in _section(html, "week")
    assert 'href="/player"' in _section(html, "player-queue")
    # never another site's things
    assert "石桥村放映" not in html and network["kits"]["P-003"] not in html
    assert "西村早课" not in html


def test_the_operator_with_nothing_planned_is_told_so(app, make, clock):
    site = make.site("P-009")
    make.user("op-z", "operator", site=site)
    html = _home(app, "op-z")
    assert 'id="nothing-planned"' in html and "No kit is on its way." in html


def test_the_township_officer_sees_alerts_of_its_area_first_and_today(app, network):
    html = _home(app, "chengguan")
    assert html.index('id="home-alerts"') < html.index('id="home-idle"')
    alerts = _section(html, "home-alerts")
    assert 'data-site="P-002"' in alerts and 'data-site="P-001"' in alerts
    assert "P-003" not in alerts  # 河口乡's
    month = parse_month(None, tz=TZ, now=network["now"]).strftime("%Y-%m")
    assert month in alerts  # the month the reports judge by default
    assert "西村早课" in _section(html, "home-screenings")  # today's, at one of its sites
    assert network["kits"]["P-001"] in _section(html, "home-kits")
    assert "P-002" in _section(html, "home-silent")
    assert "P-001" in _section(html, "home-idle")
    # nothing of 河口乡
    assert "P-003" not in html and "石桥村放映" not in html
    assert network["kits"]["P-003"] not in html


def test_the_township_page_counts_the_week_per_day(app, network):
    html = _section(_home(app, "chengguan"), "home-screenings")
    first = today(TZ, network["now"])
    counts = dict(re.findall(r'data-day="([\d-]+)">.*?<td data-label="Screenings">(\d+)</td>',
                             html, re.S))
    assert len(counts) == 7
    assert int(counts[first.isoformat()]) >= 1  # 西村早课 (and 东村果树课 if still today)
    assert sum(int(n) for n in counts.values()) == 2  # P-001's and P-002's, not P-003's


def test_the_administrator_sees_counts_per_township(app, make, network):
    month = parse_month(None, tz=TZ, now=network["now"])
    start, _end = month_bounds(month, TZ)
    held = make.screening(_site("P-003"), start=start + timedelta(hours=20), topic="held")
    held.status = "done"
    db.session.commit()
    html = _home(app, "admin")
    rows = dict(re.findall(r'<tr data-township="([^"]*)">(.*?)</tr>', html, re.S))

    def figures(row: str) -> dict[str, int]:
        return {k: int(v) for k, v in re.findall(r'class="(sites|held|silent|kits)">(\d+)<', row)}

    assert figures(rows["城关镇"]) == {"sites": 2, "held": 0, "silent": 1, "kits": 1}
    assert figures(rows["河口乡"]) == {"sites": 1, "held": 1, "silent": 1, "kits": 1}
    assert figures(rows["*"]) == {"sites": 3, "held": 1, "silent": 2, "kits": 2}
    for link in ('href="/reports/dashboard"', 'href="/sync/"', 'href="/terminals"'):
        assert link in html


def test_each_role_has_its_menu(app, network):
    operator = _nav(_home(app, "op-a"))
    assert operator == ["Today", "Screenings", "Library", "Player", "People", "Notices",
                        "Incoming kits", "Reports"]  # Sync only on a site's own install
    township = _nav(_home(app, "chengguan"))
    assert township == ["Home", "Screenings", "Sites", "Titles", "People", "Notices", "Distribution",
                        "Teaching plans", "Reports", "Terminals", "Audit", "Sync"]
    admin = _nav(_home(app, "admin"))
    assert {"Overview", "Sites", "Places", "Titles", "Unassigned files", "People", "Player",
            "Distribution", "Teaching plans", "Reports", "Sync", "Terminals", "Audit"} <= set(admin)


def test_pages_out_of_the_menu_still_open(app, network):
    client = client_of(app, "op-a")
    for url in ("/titles", "/files/unassigned", "/sites/", "/sites/P-001"):
        assert client.get(url).status_code == 200, url

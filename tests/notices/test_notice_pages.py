"""A village's printable notice (明白纸), its loudspeaker script (广播稿) and the reminder outbox,
as the operator and the township officer see them."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.models import Unit
from app.notices.reminders import queue_due
from tests.conftest import client_of

TZ = ZoneInfo("Asia/Shanghai")


def evening(now: datetime, days: int) -> datetime:
    return datetime.combine(now.astimezone(TZ).date() + timedelta(days=days), time(19, 30),
                            tzinfo=TZ)


@pytest.fixture
def world(app, make, clock):
    a, _c = make.three_sites()  # P-001 东村, P-002 西村 (城关镇); P-003 石桥村 (河口乡)
    a.address = "东村文化活动室"
    make.title("果树修剪技术")
    make.screening(a, start=evening(clock.now, 1), topic="学习党章")
    make.screening(a, start=evening(clock.now, 3), topic="果树冬季管理")
    cancelled = make.screening(a, start=evening(clock.now, 4), topic="已取消的放映")
    cancelled.status = "cancelled"
    make.user("officer", "township", township="城关镇")
    make.user("op-c", "operator", site=_c)
    return {name: Unit.query.filter_by(name=name).one() for name in ("东村", "西村", "石桥村")}


def test_the_notice_lists_the_village_screenings_with_the_calendar_code(app, world):
    html = client_of(app, "op-a").get(f"/villages/{world['东村'].id}/notice").get_data(True)
    assert "学习党章" in html and "果树冬季管理" in html and "东村文化活动室" in html
    assert "已取消的放映" not in html
    assert 'id="notice-screenings"' in html and "svg" in html
    assert "/sites/P-001/calendar.ics?key=" in html
    assert 'id="address-warning"' in html  # opened on localhost, no DIANJIAO_PUBLIC_URL
    assert "@page { size: A4" in html


def test_the_notice_codes_name_the_public_address(app, world):
    app.config["PUBLIC_URL"] = "http://192.168.1.20:5000"
    html = client_of(app, "op-a").get(f"/villages/{world['东村'].id}/notice").get_data(True)
    assert "http://192.168.1.20:5000/sites/P-001/calendar.ics?key=" in html
    assert 'id="address-warning"' not in html


def test_a_village_without_screenings_gets_a_plain_message(app, world):
    response = client_of(app, "officer").get(f"/villages/{world['西村'].id}/notice")
    html = response.get_data(True)
    assert response.status_code == 200
    assert 'id="notice-none"' in html and "notice-screenings" not in html


def test_a_notice_period_that_ends_before_it_starts_is_refused(app, world):
    response = client_of(app, "op-a").get(
        f"/villages/{world['东村'].id}/notice?from=2026-12-10&to=2026-12-01")
    assert response.status_code == 422
    assert "ends before it starts" in response.get_data(True)
    bad = client_of(app, "op-a").get(f"/villages/{world['东村'].id}/notice?from=tomorrow")
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.get_data(True)


def test_another_township_operator_cannot_see_the_notice(app, world):
    client = client_of(app, "op-c")
    assert client.get(f"/villages/{world['东村'].id}/notice").status_code == 403
    assert client.get(f"/villages/{world['东村'].id}/script.txt").status_code == 403
    assert client.get(f"/villages/{world['石桥村'].id}/notice").status_code == 200


def test_the_loudspeaker_script_for_tomorrow(app, world, clock):
    client = client_of(app, "op-a")
    html = client.get(f"/villages/{world['东村'].id}/script").get_data(True)
    assert "东村广播通知" in html and "明天" in html and "晚上19:30" in html and "学习党章" in html
    assert "果树冬季管理" not in html  # three days away
    text = client.get(f"/villages/{world['东村'].id}/script.txt")
    assert text.mimetype == "text/plain" and "attachment" in text.headers["Content-Disposition"]
    body = text.get_data(True)
    assert body.startswith("东村广播通知") and "在东村文化活动室" in body and "学习党章" in body


def test_no_script_on_a_day_without_screenings(app, world, clock):
    client = client_of(app, "op-a")
    day = (clock.now.astimezone(TZ).date() + timedelta(days=2)).isoformat()
    html = client.get(f"/villages/{world['东村'].id}/script?day={day}").get_data(True)
    assert 'id="script-none"' in html and 'id="script"' not in html
    assert client.get(f"/villages/{world['东村'].id}/script.txt?day={day}").status_code == 422


@pytest.mark.both_databases
def test_the_outbox_is_seen_within_scope(app, world, make, clock):
    from app.models import Site

    make.screening(Site.query.filter_by(code="P-003").one(), start=evening(clock.now, 1))
    make.person("张三", village="东村", phone="13800000001")
    make.person("赵六", village="石桥村", phone="13900000009")
    queue_due()
    from app.extensions import db
    db.session.commit()
    officer = client_of(app, "officer").get("/reminders").get_data(True)
    assert "张三" in officer and "138****0001" in officer and "13800000001" not in officer
    assert 'id="no-gateway"' in officer and "赵六" not in officer
    other = client_of(app, "op-c").get("/reminders").get_data(True)
    assert "赵六" in other and "张三" not in other
    assert client_of(app, "op-a").get("/reminders?state=bogus").status_code == 422

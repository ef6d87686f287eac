"""The reminder outbox: one message a person and screening the day before, through a local HTTP
server standing in for the gateway; retried after the gateway fails; nothing sent without one."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.extensions import db
from app.models import Reminder
from app.notices.reminders import run
from tests.notices.gateway import Gateway

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def gateway(app):
    server = Gateway()
    app.config["REMINDER_GATEWAY_URL"] = server.url
    app.config["REMINDER_GATEWAY_TIMEOUT_S"] = 0.5
    yield server
    server.close()


def tomorrow_evening(now: datetime) -> datetime:
    day = now.astimezone(TZ).date() + timedelta(days=1)
    return datetime.combine(day, time(19, 30), tzinfo=TZ)


@pytest.fixture
def world(app, make, clock):
    site = make.site("P-001", township="城关镇", village="东村")
    people = make.people("东村", ("张三", {"phone": "13800000001"}),
                         ("李四", {"phone": "13800000002"}), "王五")  # 王五 has no phone
    screening = make.screening(site, start=tomorrow_evening(clock.now), topic="学习党章")
    return site, people, screening


def states() -> dict[str, str]:
    return {r.person.name: r.state for r in db.session.query(Reminder).all()}


@pytest.mark.both_databases
def test_each_person_with_a_phone_is_reminded_once(app, world, gateway, clock):
    first = run()
    assert first.sent == 2 and first.queued == 2
    again = run()  # the next minute's pass, and a command run by hand
    clock.now += timedelta(hours=1)
    run()
    assert again.queued == 0 and again.sent == 0
    assert sorted(gateway.phones()) == ["13800000001", "13800000002"]
    texts = [r["body"]["text"] for r in gateway.received]
    assert all("学习党章" in t and "明天晚上19:30" in t for t in texts)
    assert gateway.received[0]["type"].startswith("application/json")
    assert states() == {"张三": "sent", "李四": "sent"}


def test_a_failed_message_is_tried_again_later(app, world, gateway, clock):
    gateway.answers = [500]
    first = run()
    assert first.sent == 1 and first.failed == 1
    row = db.session.query(Reminder).filter_by(state="failed").one()
    assert row.attempts == 1 and "500" in row.last_error
    assert row.next_try_at == clock.now + timedelta(seconds=60)
    assert run().sent == 0  # not due yet: backoff
    clock.now += timedelta(seconds=61)
    assert run().sent == 1
    assert len(gateway.received) == 3
    assert sorted(gateway.phones()) == sorted(["13800000001", "13800000002", row.phone])
    assert states() == {"张三": "sent", "李四": "sent"}


def test_the_wait_doubles_after_each_failure(app, world, gateway, clock):
    gateway.answers = [500, 500, 500, 500]
    waits = []
    for _ in range(2):
        run()
        rows = db.session.query(Reminder).order_by(Reminder.phone).all()
        waits.append(rows[0].next_try_at - clock.now)
        clock.now = rows[0].next_try_at
    assert waits == [timedelta(seconds=60), timedelta(seconds=120)]


def test_a_hanging_gateway_ends_the_pass(app, world, gateway, clock):
    gateway.answers = ["hang"]
    result = run()
    assert result.failed == 1 and result.sent == 0
    assert "could not be reached" in result.errors[0]
    assert sorted(states().values()) == ["failed", "queued"]  # the second waits for the next pass
    clock.now += timedelta(minutes=2)
    assert run().sent == 2


def test_no_number_leaves_without_a_gateway(app, world, clock):
    server = Gateway()
    try:
        result = run()
        assert not result.gateway and result.sent == 0 and result.queued == 2
        assert server.received == []
        assert states() == {"张三": "queued", "李四": "queued"}
    finally:
        server.close()


def test_a_cancelled_screening_is_not_reminded(app, world, gateway, clock):
    _site, _people, screening = world
    from app.notices.reminders import queue_due

    queue_due()
    screening.status = "cancelled"
    db.session.commit()
    result = run()
    assert result.cancelled == 2 and gateway.received == []


def test_the_body_template_is_filled_in(app, world, gateway):
    app.config["REMINDER_GATEWAY_BODY"] = '{"to": ["{phone}"], "msg": "{text}", "sign": "点教"}'
    run()
    body = gateway.received[0]["body"]
    assert body["to"][0].startswith("1380000000") and "学习党章" in body["msg"]


def test_the_command_sends(app, world, gateway):
    out = app.test_cli_runner().invoke(args=["reminders", "send", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["sent"] == 2
    assert len(gateway.received) == 2


@pytest.mark.both_databases
def test_a_message_is_taken_by_one_sender_only(app, world, clock):
    from app.notices.reminders import claim, due, queue_due

    queue_due()
    db.session.commit()
    row = due(clock.now)[0]
    seen = row.next_try_at
    assert claim(row.id, seen, clock.now) is True
    assert claim(row.id, seen, clock.now) is False  # a second process that read it before
    assert row.id not in {r.id for r in due(clock.now)}


def test_serves_minute_tick_sends_the_reminders(app, world, gateway):
    from app.runner import ScreeningRunner

    ScreeningRunner(app).send_reminders()
    assert sorted(gateway.phones()) == ["13800000001", "13800000002"]

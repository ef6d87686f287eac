"""A small network for teaching plans: 城关镇 (P-001 东村, P-002 西村) and 河口乡 (P-003), an
admin, 城关镇's officer `town`, P-001's operator op-a, and two titles (one held at P-001)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

NOW = datetime(2027, 2, 20, 0, 0, tzinfo=UTC)


@pytest.fixture
def net(app, make):
    a, c = make.three_sites()
    make.user("town", "township", township="城关镇")
    held, lacking = make.title("果树修剪技术"), make.title("生猪养殖")
    make.held(a, make.media_file(held), seen=NOW)
    return {"a": a, "c": c, "held": held, "lacking": lacking}


def body(net, **overrides) -> dict:
    """A plan for March 2027 over 城关镇's playback points: the 6th/16th/26th and 1st Saturday."""
    data = {"name": "2027年3月教学计划", "starts_on": "2027-03-01", "ends_on": "2027-03-31",
            "sites": {"kind": "playback_point", "townships": ["城关镇"]},
            "sessions": [
                {"topic": "果树春季管理", "audience": "villagers", "rule": "six_days",
                 "titles": [str(net["held"].id), str(net["lacking"].id)], "minutes": 90},
                {"topic": "党员学习日", "audience": "party_members", "rule": "first_saturday",
                 "start_time": "09:00", "minutes": 60}]}
    data.update(overrides)
    return data


def month_after(now: datetime) -> tuple[str, str]:
    first = (now + timedelta(days=40)).replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first.date().isoformat(), last.date().isoformat()


@pytest.fixture
def plan_body(net, now):
    first, last = month_after(now)
    return {"name": "月计划", "starts_on": first, "ends_on": last,
            "sites": {"kind": "playback_point", "townships": ["城关镇"]},
            "move_window_days": 2,
            "sessions": [{"topic": "果树春季管理", "audience": "villagers", "rule": "six_days",
                          "titles": [str(net["lacking"].id)], "minutes": 90}]}

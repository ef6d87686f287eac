"""The roll-up page's counts made by the database (reports.summary) against rollup(), which
builds every card in Python: the same totals, township lines, quota counts, alerts and cards, for
the city and a township, a finished month and the month in progress, per kind of site and with
one set of quotas for all, on the demo network at a small scale."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app.demo import load_demo
from app.extensions import db
from app.models import Unit
from app.reports.alerts import alert_dict
from app.reports.card import card_dict
from app.reports.rollup import rollup
from app.reports.rules import settings_rules
from app.reports.summary import summary

pytestmark = pytest.mark.both_databases  # see tests/conftest.py

TZ = "Asia/Shanghai"
NOW = datetime(2025, 6, 18, 4, 0, tzinfo=UTC)  # 12:00 on the 18th, local
FLAT = [("group_sessions", 2.0), ("study_hours", 20.0), ("six_days", 3.0), ("hours", 4.0),
        ("participation_rate", 0.5), ("verified_sessions", 1.0), ("plan_compliance", 0.5),
        ("days_open", 2.0), ("attendance", 10.0), ("sessions", 2.0)]


def answers(result, every: bool = True) -> dict:
    rounded = {k: round(v, 6) for k, v in result.totals.items()}
    lines = [{k: (round(v, 6) if isinstance(v, float) else v) for k, v in line.items()}
             for line in result.townships]
    return {"sites": result.sites, "complete": result.complete, "totals": rounded,
            "quotas": result.quotas, "townships": lines, "alert_count": result.alert_count,
            "levels": dict(result.levels),
            "alerts": [alert_dict(a) for a in result.alerts] if every else None}


@pytest.fixture
def demo(app):
    list(load_demo(years=1, scale=0.02, today=NOW.date()))
    return app


MONTHS = [date(2025, 5, 1), date(2025, 4, 1), date(2025, 6, 1)]  # ended, ended, in progress


def test_the_database_counts_what_every_card_counts(demo):
    """One demo network for every case (loading it is most of the time)."""
    for which in ("kinds", "flat"):
        for month in MONTHS:
            judge_alike(demo, month, settings_rules(demo.config) if which == "kinds" else FLAT)


def judge_alike(demo, month, rules):
    township = db.session.scalar(select(Unit).where(Unit.name == "城关镇"))
    for unit in (None, township):
        whole = rollup(unit, month, tz=TZ, rules=rules, now=NOW)
        counted = summary(unit, month, tz=TZ, rules=rules, now=NOW, cards=slice(None),
                          alerts=slice(None))
        assert answers(counted) == answers(whole)
        assert [card_dict(c, tz=TZ) for c in counted.cards] == [
            card_dict(c, tz=TZ) for c in whole.cards]
    # something to compare: quotas met and missed, alerts at every level in a finished month
    city = rollup(None, month, tz=TZ, rules=rules, now=NOW)
    assert city.sites > 40 and any(q["sites_met"] for q in city.quotas)
    if month < date(2025, 6, 1):
        assert {a.level for a in city.alerts} >= {"site", "township"}
    else:
        assert any(q["sites_behind"] or q["sites_on_track"] for q in city.quotas)


def test_a_page_of_cards_and_of_alerts(demo):
    rules = settings_rules(demo.config)
    month = date(2025, 5, 1)
    whole = rollup(None, month, tz=TZ, rules=rules, now=NOW)
    page = summary(None, month, tz=TZ, rules=rules, now=NOW, cards=slice(10, 20),
                   alerts=slice(5, 15))
    assert [c.site.code for c in page.cards] == [c.site.code for c in whole.cards[10:20]]
    assert [alert_dict(a) for a in page.alerts] == [alert_dict(a) for a in whole.alerts[5:15]]
    assert page.sites == len(whole.cards) and page.alert_count == len(whole.alerts)


def test_a_township_without_sites_has_an_empty_roll_up(demo):
    from app.places.services import get_or_make_unit

    city = db.session.scalar(select(Unit).where(Unit.kind == "city"))
    empty = get_or_make_unit("新设镇", "township", city)
    db.session.commit()
    asked = []

    def page(total: int) -> slice:
        asked.append(total)
        return slice(0, 50)

    result = summary(empty, date(2025, 5, 1), tz=TZ, rules=settings_rules(demo.config), now=NOW,
                     cards=page, alerts=page)
    assert result.sites == 0 and result.cards == [] and result.alerts == [] and asked == [0, 0]
    assert answers(result) == answers(rollup(empty, date(2025, 5, 1), tz=TZ,
                                             rules=settings_rules(demo.config), now=NOW))

"""Confirmed audit flags count in the monthly report card and the five-star rating."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.audit.services import decide, flags_of, run_audit
from app.clock import local_date
from app.extensions import db
from app.reports.kept_card import monthly_card
from app.reports.rating import rate, weights_from
from app.reports.rules import rules_from
from tests.conftest import client_of

TZ = "Asia/Shanghai"


def _month_of_two_sessions(make, now):
    """P-001 held two screenings three and five hours ago; nothing played at the first, where
    one villager signed in. Both audited; the month is theirs."""
    site = make.site("P-001")
    make.user("admin", "admin")
    zhang = make.person("张三", village=site.unit)
    start = now - timedelta(hours=5)
    first = make.screening(site, start=start, minutes=60, topic="第一场")
    second = make.screening(site, start=start + timedelta(hours=2), minutes=60, topic="第二场")
    for s in (first, second):
        s.status = "done"
    db.session.commit()
    make.attendance(first, zhang, method="operator")
    make.play_log(site, started_at=second.starts_at, played_s=3600, screening=second)
    for s in (first, second):
        run_audit(s)
    db.session.commit()
    return site, first, local_date(start, TZ).replace(day=1)


@pytest.mark.both_databases
def test_a_confirmed_flag_counts_in_the_card_and_the_rating(app, make, clock, now):
    site, first, month = _month_of_two_sessions(make, now)
    rules = rules_from({"verified_sessions": 2})
    weights = weights_from(app.config["RATING_CRITERIA"])

    card = monthly_card(site, month, tz=TZ, rules=rules, now=now)
    assert (card.sessions, card.audit_flagged, card.verified_sessions) == (2, 0, 2)
    before = rate([card], month=month, tz=TZ, weights=weights, now=now)[0]
    audit = next(c for c in before.criteria if c.criterion == "audit")
    assert audit.score is None  # an open flag is no verdict: not counted

    decide(next(f for f in flags_of(first.id) if f.code == "no_playback"), "confirmed",
           "nobody came", by="officer")
    db.session.commit()
    card = monthly_card(site, month, tz=TZ, rules=rules, now=now)
    assert (card.sessions, card.audit_flagged, card.verified_sessions) == (2, 1, 1)
    assert card.quota("verified_sessions").actual == 1
    after = rate([card], month=month, tz=TZ, weights=weights, now=now)[0]
    audit = next(c for c in after.criteria if c.criterion == "audit")
    assert audit.score == 0.5 and "1 of 2 held sessions" in str(audit.reason)
    assert after.score < before.score

    html = client_of(app, "admin").get(
        f"/reports/monthly?site=P-001&month={month:%Y-%m}").get_data(as_text=True)
    assert 'id="fig-audit">1<' in html


def test_an_explained_flag_does_not_count(app, make, clock, now):
    site, first, month = _month_of_two_sessions(make, now)
    decide(next(f for f in flags_of(first.id) if f.code == "no_playback"), "explained",
           "the projector's log was lost", by="officer")
    db.session.commit()
    card = monthly_card(site, month, tz=TZ, rules=[], now=now)
    assert (card.audit_flagged, card.verified_sessions) == (0, 2)

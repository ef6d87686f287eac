"""Escalation: a quota missed month after month raises its alert from the site to the township
and then to the city."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ..clock import shift
from ..extensions import db
from ..models import Screening, Site
from .card import Card
from .kept_card import KeptFigures

LEVELS = ("site", "township", "city")  # an alert after 1, 2 and 3+ months missed running


@dataclass
class Alert:
    site: Site
    rule: str
    required: float
    actual: float
    months: int  # months running the site missed this quota, this one included

    @property
    def level(self) -> str:
        return LEVELS[min(self.months, len(LEVELS)) - 1]


@dataclass
class TerminalAlert(Alert):
    """A terminal's alert (app/terminals) in the roll-up's list: the same escalation, a level
    up for each month running, from where it starts: a silent site starts at the township's
    (it cannot tell itself)."""

    start: str = "site"

    @property
    def level(self) -> str:
        return LEVELS[min(LEVELS.index(self.start) + self.months - 1, len(LEVELS) - 1)]



def first_month(site: Site, tz: str) -> date:
    """The local month the site began: its first screening ever, or its record when earlier.

    Months before it raise no alert and do not count toward escalation; a site that never
    screened still escalates from the month it was recorded.
    """
    first = db.session.scalar(select(func.min(Screening.starts_at)).where(
        Screening.site_id == site.id))
    if first is not None and first.tzinfo is None:
        first = first.replace(tzinfo=UTC)
    began = min(t for t in (first, site.created_at) if t is not None)
    return began.astimezone(ZoneInfo(tz)).date().replace(day=1)


def alerts_for(card: Card, *, tz: str, rules, now: datetime | None = None) -> list[Alert]:
    """The card's shortfalls, each with how many months running the site has missed it.

    One month: an alert at the site; two running: the township's; three or more: the city's.
    Months before the site began (see first_month) raise none and do not count; a month not yet
    over has no shortfall, so raises none either.
    """
    if not card.shortfalls:
        return []
    months = [shift(card.month, -back) for back in range(len(LEVELS))]
    figures = KeptFigures([card.site], months, tz=tz, now=now)
    floor = figures.floors(months[-1])[card.site.id]
    return escalate(card, floor, lambda month: figures.card(card.site, month, rules))


def escalate(card: Card, floor: date | None, earlier_card) -> list[Alert]:
    """alerts_for with the site's floor (None: before every month looked at) and its cards."""
    short = card.shortfalls
    if not short or (floor is not None and card.month < floor):
        return []
    months = {q.rule: 1 for q in short}
    open_rules = set(months)
    month = card.month
    for _step in range(len(LEVELS) - 1):
        month = shift(month, -1)
        if (floor is not None and month < floor) or not open_rules:
            break
        still = {q.rule for q in earlier_card(month).shortfalls} & open_rules
        for rule in still:
            months[rule] += 1
        open_rules = still
    return [Alert(card.site, q.rule, q.required, q.actual, months[q.rule]) for q in short]


def alert_dict(alert: Alert) -> dict:
    return {"site": alert.site.code, "name": alert.site.name, "rule": alert.rule,
            "required": alert.required, "actual": alert.actual, "months": alert.months,
            "level": alert.level}


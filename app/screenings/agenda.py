"""The screenings of a site's week or month and of a township's days, for the calendar pages."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from ..clock import local_date
from ..extensions import db
from ..models import Screening, Site, Unit
from ..places.tree import subtree_ids
from .calendar import local_day_bounds

TOWNSHIP_DAYS = 7  # the township's page shows a week from the chosen day


def screenings_between(site_ids: Collection, first: date, last: date,
                       tz: str) -> list[Screening]:
    """The screenings at these sites sharing time with the local days first to last, in order."""
    start, _end = local_day_bounds(first, tz)
    _start, end = local_day_bounds(last, tz)
    return db.session.scalars(
        select(Screening).where(Screening.site_id.in_(site_ids), Screening.starts_at < end,
                                Screening.ends_at > start).order_by(Screening.starts_at)).all()


def by_day(screenings: Iterable[Screening], tz: str) -> dict[date, list[Screening]]:
    """Screenings grouped by the local date they start on."""
    days: dict[date, list[Screening]] = {}
    for s in screenings:
        days.setdefault(local_date(s.starts_at, tz), []).append(s)
    return days


@dataclass(frozen=True)
class TownshipWeek:
    """A township's sites with screenings in the week, by day; and how many sites had none."""

    days: list[date]
    rows: dict  # site id -> local date -> screenings
    sites: list[Site]
    idle: int
    screenings: list[Screening]


def township_week(township: Unit, day: date, tz: str) -> TownshipWeek:
    sites = db.session.scalars(select(Site).where(
        Site.unit_id.in_(subtree_ids(township.id))).order_by(Site.code)).all()
    days = [day + timedelta(days=i) for i in range(TOWNSHIP_DAYS)]
    found = screenings_between([x.id for x in sites], days[0], days[-1], tz)
    rows: dict = {}
    for s in found:
        rows.setdefault(s.site_id, {}).setdefault(local_date(s.starts_at, tz), []).append(s)
    busy = [site for site in sites if site.id in rows]
    return TownshipWeek(days=days, rows=rows, sites=busy, idle=len(sites) - len(busy),
                        screenings=found)

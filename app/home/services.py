"""What each role's home page shows, read with a few queries per page (the network has about
1,600 sites): an operator's site today, a township's week, the city's townships.

Reports are asked for the month they default to (reports.months.parse_month with no value): the
home pages never decide which month is judged.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..auth.scope import Area
from ..clock import month_bounds, today
from ..extensions import db
from ..models import QueueEntry, Screening, ScreeningItem, Shipment, Site, Unit
from ..models.screenings import HELD_SCREENINGS
from ..places.tree import Tree
from ..reports.alerts import Alert
from ..reports.dashboard import IdleSite, idle_sites, silent_sites
from ..reports.months import parse_month
from ..reports.rules import settings_rules
from ..reports.summary import summary
from ..screenings.agenda import by_day, screenings_between
from ..screenings.readiness import known_readiness
from ..sync.status import not_reporting

WEEK = 7  # days shown from today
SHOWN = 10  # rows of each list on a home page; the page it links to has them all
IN_TRANSIT = "sent"  # a kit sent and not yet received


def _week(day: date) -> list[date]:
    return [day + timedelta(days=i) for i in range(WEEK)]


def _live(screenings: list[Screening]) -> list[Screening]:
    return [s for s in screenings if s.status != "cancelled"]


def kits_in_transit(site_ids) -> list[Shipment]:
    """Kits sent to these sites (a query of ids) and not yet received, oldest sent first."""
    return db.session.scalars(
        select(Shipment).options(selectinload(Shipment.site), selectinload(Shipment.batch))
        .where(Shipment.site_id.in_(site_ids), Shipment.status == IN_TRANSIT)
        .order_by(Shipment.sent_at, Shipment.serial)).all()


# --- the operator's day ------------------------------------------------------------------------

@dataclass
class Today:
    site: Site
    days: list[date]
    next: Screening | None  # running now, or the next planned (today's or a later one)
    readiness: dict | None  # what is known of the next one's readiness
    week: dict[date, list[Screening]]  # the site's screenings of the week from today, by day
    kits: list[Shipment]  # sent to the site, not received yet
    queued: int  # items waiting in the player's queue


def operator_today(site: Site, *, now: datetime, tz: str) -> Today:
    """The site's next screening with its playlist and readiness, its week, kits to receive and
    the length of its player's queue."""
    upcoming = db.session.scalar(
        select(Screening).options(selectinload(Screening.items).selectinload(ScreeningItem.title))
        .where(Screening.site_id == site.id, Screening.status.in_(("planned", "running")),
               Screening.ends_at > now)
        .order_by(Screening.starts_at).limit(1))
    days = _week(today(tz, now))
    week = by_day(_live(screenings_between([site.id], days[0], days[-1], tz)), tz)
    ready = known_readiness([upcoming]).get(upcoming.id) if upcoming else None
    queued = db.session.scalar(select(func.count(QueueEntry.id)).where(
        QueueEntry.site_id == site.id)) or 0
    return Today(site=site, days=days, next=upcoming, readiness=ready, week=week,
                 kits=kits_in_transit([site.id]), queued=queued)


# --- the township officer's week ---------------------------------------------------------------

@dataclass
class TownshipHome:
    township: Unit
    month: date  # the month the alerts judge (the reports' default)
    alerts: list[Alert]  # the first SHOWN of them, worst first
    alert_count: int
    sites: int
    idle: list[IdleSite]
    idle_days: int
    days: list[date]
    per_day: dict[date, int]  # screenings (not cancelled) a day of the week from today
    today: list[Screening]
    kits: list[Shipment]
    silent: list[dict]
    silent_days: int


def township_home(township: Unit, *, now: datetime, tz: str) -> TownshipHome:
    config = current_app.config
    month = parse_month(None, tz=tz, now=now)
    counted = summary(township, month, tz=tz, rules=settings_rules(config), now=now,
                      cards=slice(0, 0), alerts=slice(0, SHOWN))
    area = Area(township=township)
    site_ids = db.session.scalars(area.sites()).all()
    days = _week(today(tz, now))
    week = by_day(_live(screenings_between(site_ids, days[0], days[-1], tz)), tz)
    idle_days, silent_days = int(config["IDLE_DAYS"]), int(config["SYNC_STALE_DAYS"])
    return TownshipHome(
        township=township, month=month, alerts=counted.alerts, alert_count=counted.alert_count,
        sites=len(site_ids),
        idle=idle_sites(area, days=idle_days, now=now), idle_days=idle_days,
        days=days, per_day={day: len(week.get(day, [])) for day in days},
        today=week.get(days[0], []), kits=kits_in_transit(area.sites()),
        silent=silent_sites(area, days=silent_days, now=now), silent_days=silent_days)


# --- the administrator's network ---------------------------------------------------------------

@dataclass
class TownshipLine:
    name: str | None  # None: sites under no township
    sites: int = 0
    held: int = 0  # screenings held in the month
    silent: int = 0  # enrolled sites not reporting
    kits: int = 0  # kits in transit to its sites


@dataclass
class Network:
    month: date
    silent_days: int
    lines: list[TownshipLine] = field(default_factory=list)

    @property
    def total(self) -> TownshipLine:
        return TownshipLine(None, *(sum(getattr(line, key) for line in self.lines)
                                    for key in ("sites", "held", "silent", "kits")))


def network(*, now: datetime, tz: str) -> Network:
    """Per township: its active sites, the screenings they held in the reports' default month,
    those not reporting and the kits in transit to them; a GROUP BY per figure."""
    month = parse_month(None, tz=tz, now=now)
    silent_days = int(current_app.config["SYNC_STALE_DAYS"])
    places = Tree()
    sites: dict[uuid.UUID, tuple[str, str | None]] = {
        site_id: (code, places.township(unit_id)) for site_id, code, unit_id in db.session.execute(
            select(Site.id, Site.code, Site.unit_id).where(Site.active.is_(True)))}
    lines: dict[str | None, TownshipLine] = defaultdict(lambda: TownshipLine(None))
    for _code, name in sites.values():
        lines[name].sites += 1
    start, end = month_bounds(month, tz)
    held = Counter(dict(db.session.execute(
        select(Screening.site_id, func.count(Screening.id))
        .where(Screening.status.in_(HELD_SCREENINGS), Screening.starts_at >= start,
               Screening.starts_at < end).group_by(Screening.site_id)).all()))
    kits = Counter(dict(db.session.execute(
        select(Shipment.site_id, func.count(Shipment.id)).where(Shipment.status == IN_TRANSIT)
        .group_by(Shipment.site_id)).all()))
    township_of_code = {code: name for code, name in sites.values()}
    for site_id, (_code, name) in sites.items():
        lines[name].held += held[site_id]
        lines[name].kits += kits[site_id]
    for row in not_reporting(silent_days, now, codes=list(township_of_code)):
        lines[township_of_code[row["code"]]].silent += 1
    for name, line in lines.items():
        line.name = name
    ordered = sorted(lines.values(), key=lambda line: (line.name is None, line.name or ""))
    return Network(month=month, silent_days=silent_days, lines=ordered)

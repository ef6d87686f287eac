"""Making a plan's screenings at many sites at once: each session's dates at each covered site,
at the site's usual start (or the session's), checked for overlaps against the screenings the
sites have already (read once) and written in bulk."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from ..clock import now as utcnow
from ..extensions import among, db
from ..lookup import chunks
from ..models import Screening, ScreeningItem
from ..models.base import current_origin
from ..models.teaching import TeachingPlan, TeachingSession
from ..reports import touches as figures
from ..screenings import events
from ..screenings.checks import OPEN_STATUSES
from ..sync.bulk import insert_rows
from .rules import clock, dates_in
from .selection import Covered


@dataclass
class Overlap:
    """A date of a session at a site whose time another screening there holds."""

    site: str
    session: int  # the session's position
    starts_at: datetime
    other_id: str
    other_topic: str
    made: bool  # made anyway (forced), or left out

    def as_dict(self) -> dict:
        return {"site": self.site, "session": self.session,
                "starts_at": self.starts_at.isoformat(), "other_id": self.other_id,
                "other_topic": self.other_topic, "made": self.made}


@dataclass
class Made:
    rows: int = 0
    overlaps: list[Overlap] = field(default_factory=list)


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def start_at(day: date, session: TeachingSession, usual_start: str, tz: ZoneInfo) -> datetime:
    """A session's start on a day at a site: the session's time of day, else the site's usual."""
    return datetime.combine(day, clock(session.start_time or usual_start or "19:30"),
                            tzinfo=tz).astimezone(UTC)


def busy_slots(site_ids: list[uuid.UUID], start: datetime,
               end: datetime) -> dict[uuid.UUID, list[tuple]]:
    """The open screenings at these sites sharing time with [start, end), by site, read once:
    (id, starts_at, ends_at, topic)."""
    found: dict[uuid.UUID, list[tuple]] = defaultdict(list)
    for part in chunks(site_ids, 1000):
        for row in db.session.execute(select(
                Screening.site_id, Screening.id, Screening.starts_at, Screening.ends_at,
                Screening.topic).where(among(Screening.site_id, part),
                                       Screening.status.in_(OPEN_STATUSES),
                                       Screening.starts_at < end, Screening.ends_at > start)):
            found[row.site_id].append((row.id, row.starts_at, row.ends_at, row.topic))
    return found


def period_bounds(plan: TeachingPlan, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The plan's period in UTC, with a day each side (a screening may run past midnight)."""
    start = datetime.combine(plan.starts_on - timedelta(days=1), datetime.min.time(), tzinfo=tz)
    end = datetime.combine(plan.ends_on + timedelta(days=2), datetime.min.time(), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


class Maker:
    """Collects a plan's new screenings, checks each against its site's busy times and the
    ones made before it, and writes them all in one go."""

    def __init__(self, plan: TeachingPlan, sites: list[Covered], *, now: datetime,
                 by: str | None, force: bool, ignore: set[uuid.UUID] = frozenset()):
        self.plan, self.now, self.by, self.force = plan, now, by, force
        self.tz = zone()
        start, end = period_bounds(plan, self.tz)
        self.busy = busy_slots([s.id for s in sites], start, end)
        if ignore:  # rows about to move: their old time is free
            self.busy = {k: [b for b in v if b[0] not in ignore] for k, v in self.busy.items()}
        self.screenings: list[dict] = []
        self.items: list[dict] = []
        self.made = Made()
        # one stamp and origin for the whole write, and each (day, time of day) turned into
        # UTC once: thousands of sites share a usual start
        self.stamp, self.origin = utcnow(), current_origin()
        self._starts: dict[tuple[date, str | None, str], datetime] = {}

    def start(self, day: date, session: TeachingSession, usual_start: str) -> datetime:
        key = (day, session.start_time, usual_start)
        if key not in self._starts:
            self._starts[key] = start_at(day, session, usual_start, self.tz)
        return self._starts[key]

    def add(self, session: TeachingSession, site: Covered, days: list[date]) -> None:
        length = timedelta(minutes=session.minutes)
        for day in days:
            start = self.start(day, session, site.usual_start)
            if start <= self.now:
                continue  # a date already past is not planned afresh
            end = start + length
            hit = next((b for b in self.busy.get(site.id, ())
                        if b[1] < end and start < b[2]), None)
            if hit is not None:
                self.made.overlaps.append(Overlap(site.code, session.position, start,
                                                  str(hit[0]), hit[3], self.force))
                if not self.force:
                    continue
            self._row(session, site, start, end)

    def _row(self, session: TeachingSession, site: Covered, start: datetime,
             end: datetime) -> None:
        stamp, origin, row_id = self.stamp, self.origin, uuid.uuid4()
        self.screenings.append({
            "id": row_id, "origin_site": origin, "created_at": stamp, "updated_at": stamp,
            "site_id": site.id, "series_id": None, "recurrence_at": start, "starts_at": start,
            "ends_at": end, "topic": session.topic, "audience": session.audience,
            "status": "planned", "late": False, "edited": False, "attendance_closed": False,
            "phone_shared": False, "created_by": self.by, "teaching_session_id": session.id})
        self.items.extend(item_rows(row_id, session.titles, stamp, origin))
        self.busy.setdefault(site.id, []).append((row_id, start, end, session.topic))

    def write(self) -> Made:
        db.session.flush()
        if self.screenings:
            insert_rows(Screening.__table__, self.screenings)
            figures.screenings_changing([row["id"] for row in self.screenings])
        if self.items:
            insert_rows(ScreeningItem.__table__, self.items)
        self.made.rows = len(self.screenings)
        if self.screenings:
            events.changed()
        return self.made


def item_rows(screening_id: uuid.UUID, titles: list[str], stamp: datetime,
              origin: str) -> list[dict]:
    return [{"id": uuid.uuid4(), "origin_site": origin, "created_at": stamp, "updated_at": stamp,
             "screening_id": screening_id, "position": position, "title_id": uuid.UUID(title),
             "media_file_id": None} for position, title in enumerate(titles)]


def session_days(session: TeachingSession, plan: TeachingPlan) -> list[date]:
    return dates_in(session.rule, plan.starts_on, plan.ends_on)

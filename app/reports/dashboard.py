"""The dashboard's figures: a township's (or the city's, or one site's) last twelve months.

Every figure is a set-based query (GROUP BY month, site or title) over the scope's sites, so the
page stays fast on the whole network; distribution coverage is distribution.coverage.coverage,
once per series. Months are local calendar months in the configured timezone, bucketed in SQL
by their UTC bounds. The definitions are in docs/township.md, "Dashboard". The page's tables and charts
are made from these figures in reports.dashboard_page.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import Float, and_, case, cast, func, or_, select

from ..auth.scope import Area
from ..clock import month_bounds, shift
from ..distribution.coverage import coverage, required_kinds
from ..errors import Invalid
from ..extensions import db
from ..models import Attendance, MediaFile, Person, PlayLog, Screening, Site, Title, Unit, User
from ..models.people import COUNTED, PARTY_MEMBER
from ..models.places import SITE_KINDS
from ..models.screenings import HELD_SCREENINGS
from ..places.tree import Tree
from ..sync.status import not_reporting

MONTHS = 12  # the dashboard's window, the last month included
TOP_TITLES = 10
MAX_IDLE_DAYS = 3650


def parse_days(value: str | None, default: int) -> int:
    """The idle threshold in days: a whole number from 1 to 3650 (default IDLE_DAYS)."""
    if value is None or not str(value).strip():
        return int(default)
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_IDLE_DAYS:
        raise Invalid(_("days must be a whole number of days from 1 to %(most)d.", most=MAX_IDLE_DAYS))
    return int(text)


def parse_kind(value: str | None) -> str | None:
    if not value:
        return None
    if value not in SITE_KINDS:
        raise Invalid(_("kind must be one of %(kinds)s.", kinds=", ".join(SITE_KINDS)))
    return value


# --- months ------------------------------------------------------------------------------------

def window(last: date, tz: str, months: int = MONTHS) -> list[tuple[date, datetime, datetime]]:
    """The months ending with `last`, oldest first, each with its UTC start and end."""
    return [(m, *month_bounds(m, tz)) for m in (shift(last, k - months + 1) for k in range(months))]


def _bucket(column, months: list[tuple[date, datetime, datetime]]):
    """The index of the month a UTC time falls in (rows are already limited to the window)."""
    return case(*[(column < end, i) for i, (_m, _s, end) in enumerate(months)], else_=None)


def _in_window(column, months):
    return and_(column >= months[0][1], column < months[-1][2])


def _slot_seconds():
    """A screening's length in seconds, in the dialect's own arithmetic."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.extract("epoch", Screening.ends_at - Screening.starts_at), Float)
    return (func.julianday(Screening.ends_at) - func.julianday(Screening.starts_at)) * 86400.0


@dataclass
class MonthFigures:
    month: date
    held: int = 0
    planned: int = 0
    missed: int = 0
    cancelled: int = 0
    hours: float = 0.0
    attendance: int = 0
    participants: int = 0
    party_members: int = 0

    @property
    def participation_rate(self) -> float:
        return round(self.participants / self.party_members, 4) if self.party_members else 0.0


def monthly_figures(scope: Area, last: date, *, tz: str, months: int = MONTHS) -> list[MonthFigures]:
    """Screenings held, planned, missed and cancelled, hours, attendance and participation a month."""
    span = window(last, tz, months)
    figures = [MonthFigures(m) for m, _s, _e in span]
    sites = scope.sites()
    in_scope = and_(Screening.site_id.in_(sites), _in_window(Screening.starts_at, span))

    # Grouping by a CASE with bound parameters is done over a subquery: PostgreSQL would see the
    # SELECT's and the GROUP BY's parameters as different expressions.
    statuses = select(_bucket(Screening.starts_at, span).label("m"), Screening.status).where(
        in_scope).subquery()
    for m, status, n in db.session.execute(
            select(statuses.c.m, statuses.c.status, func.count())
            .group_by(statuses.c.m, statuses.c.status)):
        field = "held" if status in HELD_SCREENINGS else status
        if field in ("held", "planned", "missed", "cancelled"):
            setattr(figures[m], field, getattr(figures[m], field) + n)

    slot = _slot_seconds()
    played = (select(_bucket(Screening.starts_at, span).label("m"), slot.label("slot"),
                     func.sum(PlayLog.played_s).label("played"))
              .join(PlayLog, PlayLog.screening_id == Screening.id)
              .where(in_scope, Screening.status.in_(HELD_SCREENINGS))
              .group_by(Screening.id, Screening.starts_at, Screening.ends_at).subquery())
    capped = case((played.c.played > played.c.slot, played.c.slot), else_=played.c.played)
    for m, seconds in db.session.execute(
            select(played.c.m, func.sum(capped)).group_by(played.c.m)):
        figures[m].hours = round(float(seconds or 0) / 3600, 2)

    # Sign-ins and, among them, the distinct party members of the scope's roster, in one pass.
    members = _party_members(scope)
    signed = (select(_bucket(Screening.starts_at, span).label("m"),
                     case((and_(*members), Attendance.person_id), else_=None).label("member"))
              .join(Screening, Attendance.screening_id == Screening.id)
              .join(Person, Attendance.person_id == Person.id)
              .where(in_scope, Screening.status.in_(HELD_SCREENINGS), Attendance.status.in_(COUNTED))
              .subquery())
    for m, n, people in db.session.execute(
            select(signed.c.m, func.count(), func.count(func.distinct(signed.c.member)))
            .group_by(signed.c.m)):
        figures[m].attendance = n
        figures[m].participants = people
    total = db.session.scalar(select(func.count(Person.id)).where(*members)) or 0
    for figure in figures:
        figure.party_members = total
    return figures


def _party_members(scope: Area) -> list:
    """Conditions for the scope's party members: active roster members of its villages."""
    conditions = [*PARTY_MEMBER]
    villages = scope.villages()
    conditions.append(Person.village_id.is_not(None) if villages is None
                      else Person.village_id.in_(villages))
    return conditions


# --- most watched ------------------------------------------------------------------------------

@dataclass
class TitleFigures:
    title_id: uuid.UUID
    name: str
    series: str | None
    viewers: int = 0
    plays: int = 0
    hours: float = 0.0


def most_watched(scope: Area, last: date, *, tz: str, months: int = MONTHS,
                 limit: int = TOP_TITLES) -> list[TitleFigures]:
    """The titles played at the scope's sites in the window, most viewers first, then most hours.

    Viewers are sign-ins (present or late) at held screenings that played the title; plays and
    hours are its play logs (proof of play) at the scope's sites, in or out of a screening.
    """
    span = window(last, tz, months)
    logs = and_(PlayLog.site_id.in_(scope.sites()), _in_window(PlayLog.started_at, span))
    found: dict[uuid.UUID, TitleFigures] = {}
    for title_id, name, series, plays, seconds in db.session.execute(
            select(Title.id, Title.name, Title.series, func.count(PlayLog.id),
                   func.coalesce(func.sum(PlayLog.played_s), 0.0))
            .join(MediaFile, PlayLog.media_file_id == MediaFile.id)
            .join(Title, MediaFile.title_id == Title.id)
            .where(logs).group_by(Title.id, Title.name, Title.series)):
        found[title_id] = TitleFigures(title_id, name, series, plays=plays,
                                       hours=round(float(seconds) / 3600, 2))
    # Viewers: the sign-ins of each held screening added up over the screenings that played the
    # title; two GROUP BYs joined (one join of the raw rows walks every sign-in once per title).
    signed = (select(Screening.id.label("screening_id"), func.count(Attendance.id).label("n"))
              .join(Attendance, Attendance.screening_id == Screening.id)
              .where(Screening.site_id.in_(scope.sites()), _in_window(Screening.starts_at, span),
                     Screening.status.in_(HELD_SCREENINGS), Attendance.status.in_(COUNTED))
              .group_by(Screening.id).subquery())
    shown = (select(PlayLog.screening_id, MediaFile.title_id).distinct()
             .join(MediaFile, PlayLog.media_file_id == MediaFile.id)
             .where(logs, PlayLog.screening_id.is_not(None), MediaFile.title_id.is_not(None))
             .subquery())
    for title_id, viewers in db.session.execute(
            select(shown.c.title_id, func.sum(signed.c.n))
            .join(signed, signed.c.screening_id == shown.c.screening_id)
            .group_by(shown.c.title_id)):
        if title_id in found:
            found[title_id].viewers = int(viewers or 0)
    ranked = sorted(found.values(), key=lambda t: (-t.viewers, -t.hours, -t.plays, t.name))
    return ranked[:limit]


# --- idle sites --------------------------------------------------------------------------------

@dataclass
class IdleSite:
    code: str
    name: str
    kind: str
    township: str | None
    village: str | None
    last_held: datetime | None  # UTC; None: never held a screening

    def days_idle(self, now: datetime) -> int | None:
        return (now - self.last_held).days if self.last_held else None


def idle_sites(scope: Area, *, days: int, now: datetime, kind: str | None = None) -> list[IdleSite]:
    """Active sites with no held screening in the last `days` days, never-held first, then oldest."""
    cutoff = now - timedelta(days=days)
    last = (select(Screening.site_id, func.max(Screening.starts_at).label("last"))
            .where(Screening.status.in_(HELD_SCREENINGS), Screening.starts_at <= now)
            .group_by(Screening.site_id).subquery())
    query = (select(Site.code, Site.name, Site.kind, Site.unit_id, last.c.last)
             .outerjoin(last, last.c.site_id == Site.id)
             .where(Site.id.in_(scope.sites()), or_(last.c.last.is_(None), last.c.last < cutoff)))
    if kind:
        query = query.where(Site.kind == kind)
    places = Tree()
    rows = [IdleSite(code, name, site_kind, places.township(unit_id), places.village(unit_id),
                     _aware(when))
            for code, name, site_kind, unit_id, when in db.session.execute(query)]
    rows.sort(key=lambda r: (r.last_held is not None, r.last_held or now, r.code))
    return rows


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def scope_site_count(scope: Area, kind: str | None = None) -> int:
    query = select(func.count()).select_from(Site).where(Site.id.in_(scope.sites()))
    if kind:
        query = query.where(Site.kind == kind)
    return db.session.scalar(query) or 0


# --- distribution coverage ---------------------------------------------------------------------

@dataclass
class SeriesCoverage:
    series: str
    titles: int
    kinds: list[str]  # the kinds of site the coverage rule requires to hold it
    required: int = 0  # active sites of those kinds in the scope
    holding: int = 0  # of them, holding at least one title of the series
    complete: int = 0  # of them, holding every title of it
    all_sites: int = 0
    all_holding: int = 0

    @property
    def rate(self) -> float | None:
        return round(self.holding / self.required, 4) if self.required else None


def series_coverage(user: User, scope: Area) -> list[SeriesCoverage]:
    """Per series: the scope's sites required to hold it, and how many do (distribution.coverage)."""
    names = db.session.scalars(select(Title.series).where(Title.series.is_not(None))
                               .distinct().order_by(Title.series)).all()
    result = []
    for name in names:
        rows, count = coverage(user, name)
        if scope.township is not None:
            rows = [r for r in rows if r.township == scope.township.name]
        line = SeriesCoverage(name, count, required_kinds(name))
        for row in rows:
            line.all_sites += row.total
            line.all_holding += row.holding
            if row.required:
                line.required += row.total
                line.holding += row.holding
                line.complete += row.complete
        result.append(line)
    return result



def silent_sites(scope: Area, *, days: int, now: datetime) -> list[dict]:
    """The scope's enrolled sites that sent no bundle for `days` days (see app/sync/status)."""
    sites = {row.code: row for row in db.session.execute(
        select(Site.code, Site.name).where(Site.id.in_(scope.sites())))}
    rows = not_reporting(days, now, codes=list(sites))
    return [dict(row, name=sites[row["code"]].name) for row in rows]



def township_names() -> list[str]:
    return list(db.session.scalars(select(Unit.name).where(Unit.kind == "township")
                                   .order_by(Unit.name)))

"""Issuing a teaching plan: its input checked, its sessions stored, and a screening made for
each date of each session at each covered site; overlaps and titles the sites lack listed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from .. import limits
from ..catalog.approval import require_approved_all
from ..dates import parse_day
from ..errors import Conflict, Invalid
from ..extensions import db
from ..i18n import show_date
from ..lookup import by_id
from ..models import Title, User
from ..models.teaching import TeachingPlan, TeachingSession
from ..screenings.checks import clean_audience
from .expand import Maker, Overlap, session_days
from .lacks import lacking_titles
from .rules import clean_clock, clean_rule
from .selection import area_of, clean_selection, covered_sites

MAX_SESSIONS = 31
MAX_PERIOD_DAYS = 92  # a quarter
SESSION_FIELDS = {"id", "topic", "audience", "titles", "rule", "start_time", "minutes"}


@dataclass
class Issued:
    plan: TeachingPlan
    made: int
    sites: int
    overlaps: list[Overlap] = field(default_factory=list)
    lacks: list[dict] = field(default_factory=list)


def clean_window(value) -> int:
    if value is None:
        return 3
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 31:
        raise Invalid(_("move_window_days is a whole number of days from 0 to 31."))
    return value


def clean_period(starts_on, ends_on) -> tuple[date, date]:
    first, last = parse_day(starts_on, "starts_on"), parse_day(ends_on, "ends_on")
    if last < first:
        raise Invalid(_("The plan's period ends before it starts."))
    if (last - first).days >= MAX_PERIOD_DAYS:
        raise Invalid(_("A plan's period is a month or a quarter (at most %(num)d days).",
                        num=MAX_PERIOD_DAYS))
    return first, last


def clean_name(value) -> str:
    name = str(value or "").strip()
    if not name or len(name) > limits.TITLE_NAME:
        raise Invalid(_("A plan needs a name (up to %(num)d characters).", num=limits.TITLE_NAME))
    return name


def clean_session(value, n: int) -> dict:
    """One session as stored; `n` counts from 1 in messages."""
    if not isinstance(value, dict):
        raise Invalid(_("Session %(n)d is not an object.", n=n))
    if unknown := set(value) - SESSION_FIELDS:
        raise Invalid(_("Unknown field %(f)s.", f=", ".join(sorted(unknown))))
    topic = str(value.get("topic") or "").strip()
    if not topic or len(topic) > limits.TOPIC:
        raise Invalid(_("Session %(n)d needs a topic.", n=n))
    titles = value.get("titles") or []
    if not isinstance(titles, list) or len(titles) > limits.PLAYLIST_ITEMS:
        raise Invalid(_("Session %(n)d: titles is a list of title ids.", n=n))
    ids = []
    for title_id in titles:
        title = by_id(Title, title_id)
        if title is None:
            raise Invalid(_("Session %(n)d: no title with id %(id)s.", n=n, id=title_id))
        ids.append(str(title.id))
    minutes = value.get("minutes", 90)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 5 <= minutes <= 24 * 60:
        raise Invalid(_("A screening lasts 5 minutes to 24 hours."))
    return {"topic": topic, "audience": clean_audience(value.get("audience")), "titles": ids,
            "rule": clean_rule(value.get("rule")), "minutes": minutes,
            "start_time": clean_clock(value.get("start_time"))}


def clean_sessions(value, first: date, last: date) -> list[dict]:
    if not isinstance(value, list) or not value or len(value) > MAX_SESSIONS:
        raise Invalid(_("A plan has 1 to %(num)d sessions.", num=MAX_SESSIONS))
    sessions = []
    for n, item in enumerate(value, start=1):
        session = clean_session(item, n)
        session["id"] = item.get("id")
        probe = TeachingSession(rule=session["rule"])
        if not session_days(probe, TeachingPlan(starts_on=first, ends_on=last)):
            raise Invalid(_("Session %(n)d (%(topic)s): its day rule has no date from %(first)s "
                            "to %(last)s.", n=n, topic=session["topic"], first=show_date(first),
                            last=show_date(last)))
        sessions.append(session)
    return sessions


def session_titles(sessions) -> list[Title]:
    """The titles the sessions play (dicts as cleaned, or TeachingSession rows)."""
    ids = {title_id for s in sessions
           for title_id in (s["titles"] if isinstance(s, dict) else s.titles)}
    return [title for title in (by_id(Title, title_id) for title_id in ids) if title]


def issue_plan(body: dict, *, user: User, now: datetime | None = None,
               force: bool = False) -> Issued:
    """Issue a plan as `user` (admin: any site; township officer: sites of their township)."""
    now = now or datetime.now(UTC)
    area, units = area_of(user)
    name = clean_name(body.get("name"))
    first, last = clean_period(body.get("starts_on"), body.get("ends_on"))
    selection = clean_selection(body.get("sites"))
    window = clean_window(body.get("move_window_days"))
    sessions = clean_sessions(body.get("sessions"), first, last)
    sites = covered_sites(selection, units)
    require_approved_all(session_titles(sessions), sites)
    plan = TeachingPlan(name=name, starts_on=first, ends_on=last, sites=selection,
                        move_window_days=window, issued_by=user.username, issued_at=now,
                        issuer_unit_id=uuid.UUID(area) if units is not None else None, area=area)
    db.session.add(plan)
    for position, data in enumerate(sessions):
        data.pop("id", None)
        db.session.add(TeachingSession(plan=plan, position=position, **data))
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(_("A plan named %(name)s from %(day)s was issued already.", name=name,
                         day=show_date(first))) from exc
    maker = Maker(plan, sites, now=now, by=user.username, force=force)
    for session in plan.sessions:
        days = session_days(session, plan)
        for site in sites:
            maker.add(session, site, days)
    made = maker.write()
    lacks = lacking_titles(plan, [s.id for s in sites], user)
    return Issued(plan, made.rows, len(sites), made.overlaps, lacks)

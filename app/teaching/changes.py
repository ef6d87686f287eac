"""Changing an issued plan: its name, window and sessions. Each session's screenings nobody
touched follow it (moved in place, matched by the date the plan gave them, as a recurring
plan's do); dates the rule no longer has are cancelled; new dates are made. What a site moved or
cancelled, what was edited by hand, held or signed in to stays as it is."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError

from ..auth.roles import ADMIN
from ..catalog.approval import require_approved_all
from ..clock import now as utcnow
from ..errors import Conflict, Forbidden, Invalid
from ..extensions import among, db
from ..i18n import show_date
from ..lookup import chunks
from ..models import Attendance, Screening, ScreeningItem, User
from ..models.base import current_origin
from ..models.teaching import ALL_AREA, TeachingPlan, TeachingSession
from ..reports import touches as figures
from ..screenings import events
from ..screenings.plans import PLAN_DROPPED
from ..sync.bulk import insert_rows
from .expand import Maker, Overlap, item_rows, session_days
from .issue import clean_name, clean_session, clean_window, session_titles
from .selection import area_of, covered_sites

PATCHABLE = {"name", "move_window_days", "sessions", "force"}


@dataclass
class Changed:
    followed: int = 0  # screenings moved or changed in place
    made: int = 0
    dropped: int = 0
    overlaps: list[Overlap] = field(default_factory=list)


def may_change(plan: TeachingPlan, user: User) -> None:
    """An admin changes any plan; a township officer the plans issued for their township."""
    if user.role == ADMIN:
        return
    if user.role == "township" and user.unit_id and plan.area == str(user.unit_id):
        return
    raise Forbidden(_("This plan was issued for another area."))


def update_plan(plan: TeachingPlan, body: dict, *, user: User,
                now: datetime | None = None) -> Changed:
    now = now or datetime.now(UTC)
    may_change(plan, user)
    if unknown := set(body) - PATCHABLE:
        raise Invalid(_("%(f)s cannot be changed; issue another plan.",
                        f=", ".join(sorted(unknown))))
    if "name" in body:
        plan.name = clean_name(body["name"])
    if "move_window_days" in body:
        plan.move_window_days = clean_window(body["move_window_days"])
    changed: list[TeachingSession] = []
    if "sessions" in body:
        changed = _sessions(plan, body["sessions"])
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(_("A plan named %(name)s from %(day)s was issued already.",
                         name=plan.name, day=show_date(plan.starts_on))) from exc
    result = Changed()
    if changed:
        _follow(plan, changed, now=now, by=user.username, force=bool(body.get("force")),
                result=result)
    plan.updated_at = utcnow()
    return result


def _sessions(plan: TeachingPlan, value) -> list[TeachingSession]:
    """Apply the sessions given (matched by id, else by position); returns those changed."""
    if not isinstance(value, list) or not value:
        raise Invalid(_("sessions is a list of the plan's sessions."))
    current = list(plan.sessions)
    by_id = {str(s.id): s for s in current}
    changed, kept = [], set()
    for position, item in enumerate(value):
        data = clean_session(item, position + 1)
        session = by_id.get(str(item.get("id"))) if item.get("id") else (
            current[position] if position < len(current) else None)
        if session is None:
            session = TeachingSession(plan=plan, position=len(current) + len(changed))
            db.session.add(session)
        kept.add(session.id)
        if any(getattr(session, k) != v for k, v in data.items()):
            for key, val in data.items():
                setattr(session, key, val)
            changed.append(session)
    if any(s.id not in kept for s in current):
        raise Invalid(_("A session of an issued plan cannot be removed; change it instead."))
    db.session.flush()
    for session in changed:
        if not session_days(session, plan):
            raise Invalid(_("Session %(topic)s: its day rule has no date from %(first)s to "
                            "%(last)s.", topic=session.topic, first=show_date(plan.starts_on),
                            last=show_date(plan.ends_on)))
    return changed


def _area_units(plan: TeachingPlan):
    if plan.area == ALL_AREA:
        return None
    user = User(role="township", unit_id=uuid.UUID(plan.area))
    return area_of(user)[1]


def _follow(plan: TeachingPlan, sessions: list[TeachingSession], *, now: datetime, by: str,
            force: bool, result: Changed) -> None:
    sites = covered_sites(plan.sites, _area_units(plan))
    require_approved_all(session_titles(sessions), sites)
    by_site = {s.id: s for s in sites}
    rows = db.session.execute(select(
        Screening.id, Screening.site_id, Screening.teaching_session_id, Screening.status,
        Screening.status_reason, Screening.site_change, Screening.edited, Screening.starts_at,
        Screening.ends_at, Screening.recurrence_at).where(
        Screening.teaching_session_id.in_([s.id for s in sessions]))).all()
    signed = set()
    for part in chunks([r.id for r in rows], 1000):
        signed |= set(db.session.scalars(select(Attendance.screening_id).where(
            among(Attendance.screening_id, part)).distinct()))
    free = {r.id for r in rows if r.status == "planned" and r.site_change is None
            and not r.edited and r.starts_at > now and r.id not in signed}
    maker = Maker(plan, sites, now=now, by=by, force=force, ignore=free)
    moves, drops, items = [], [], []
    for session in sessions:
        days = set(session_days(session, plan))
        taken = defaultdict(set)
        for r in rows:
            if r.teaching_session_id != session.id or (
                    r.status, r.status_reason) == ("cancelled", PLAN_DROPPED):
                continue
            day = (r.recurrence_at or r.starts_at).astimezone(maker.tz).date()
            site = by_site.get(r.site_id)
            if r.id not in free or site is None:
                taken[r.site_id].add(day)
                continue
            if day not in days:
                drops.append(r.id)
                continue
            taken[r.site_id].add(day)
            start = maker.start(day, session, site.usual_start)
            end = start + timedelta(minutes=session.minutes)
            hit = next((b for b in maker.busy.get(r.site_id, ())
                        if b[1] < end and start < b[2] and b[0] != r.id), None)
            if hit is not None:
                maker.made.overlaps.append(Overlap(site.code, session.position, start,
                                                   str(hit[0]), hit[3], force))
                if not force:
                    maker.busy.setdefault(r.site_id, []).append(
                        (r.id, r.starts_at, r.ends_at, session.topic))
                    continue
            maker.busy.setdefault(r.site_id, []).append((r.id, start, end, session.topic))
            moves.append({"_id": r.id, "starts_at": start, "ends_at": end, "recurrence_at": start,
                          "topic": session.topic, "audience": session.audience})
            items.append((r.id, session.titles))
        for site in sites:
            maker.add(session, site, sorted(days - taken[site.id]))
    stamp = utcnow()
    table = Screening.__table__
    figures.screenings_changing([move["_id"] for move in moves] + list(drops))  # kept figures
    if moves:
        for move in moves:
            move["updated_at"] = stamp
        db.session.execute(update(table).where(table.c.id == bindparam("_id")).values(
            {k: bindparam(k) for k in ("starts_at", "ends_at", "recurrence_at", "topic",
                                       "audience", "updated_at")}), moves)
        _replace_items(items, stamp)
    if drops:
        for part in chunks(drops, 1000):
            db.session.execute(update(table).where(among(table.c.id, part)).values(
                status="cancelled", status_reason=PLAN_DROPPED, updated_at=stamp))
    made = maker.write()
    result.followed, result.dropped, result.made = len(moves), len(drops), made.rows
    result.overlaps = made.overlaps
    db.session.expire_all()
    if moves or drops:
        events.changed()


def _replace_items(items: list[tuple[uuid.UUID, list[str]]], stamp: datetime) -> None:
    """Give the followers their session's titles (a playlist travels whole)."""
    ids = [screening_id for screening_id, _titles in items]
    for part in chunks(ids, 1000):
        db.session.execute(delete(ScreeningItem).where(among(ScreeningItem.screening_id, part)))
    origin = current_origin()
    rows = [row for screening_id, titles in items
            for row in item_rows(screening_id, titles, stamp, origin)]
    if rows:
        insert_rows(ScreeningItem.__table__, rows)

"""A plan as the API gives it, and loading one for a user."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from ..auth.roles import ADMIN, TOWNSHIP
from ..errors import Forbidden, NotFound
from ..extensions import db
from ..lookup import by_id
from ..models import Screening, User
from ..models.teaching import ALL_AREA, TeachingPlan, TeachingSession


def session_dict(s: TeachingSession) -> dict:
    return {"id": str(s.id), "position": s.position, "topic": s.topic, "audience": s.audience,
            "titles": list(s.titles), "rule": dict(s.rule), "start_time": s.start_time,
            "minutes": s.minutes}


def plan_dict(plan: TeachingPlan, *, screenings: int | None = None) -> dict:
    if screenings is None:
        screenings = db.session.scalar(select(func.count()).select_from(Screening).join(
            TeachingSession, Screening.teaching_session_id == TeachingSession.id).where(
            TeachingSession.plan_id == plan.id)) or 0
    return {"id": str(plan.id), "name": plan.name, "starts_on": plan.starts_on.isoformat(),
            "ends_on": plan.ends_on.isoformat(), "sites": dict(plan.sites),
            "move_window_days": plan.move_window_days, "issued_by": plan.issued_by,
            "issued_at": plan.issued_at.isoformat() if plan.issued_at else None,
            "area": plan.area, "screenings": screenings,
            "sessions": [session_dict(s) for s in plan.sessions]}


def visible_plans(user: User) -> Select:
    """The plans a user may see: an admin every plan, a township officer their township's."""
    query = select(TeachingPlan)
    if user.role == ADMIN:
        return query
    if user.role == TOWNSHIP and user.unit_id:
        return query.where(TeachingPlan.area == str(user.unit_id))
    return query.where(TeachingPlan.area == "none")


def plan_or_404(value, user: User) -> TeachingPlan:
    plan = by_id(TeachingPlan, value)
    if plan is None:
        raise NotFound(_("No such teaching plan."))
    if user.role != ADMIN and (user.role != TOWNSHIP or plan.area != str(user.unit_id)
                               or plan.area == ALL_AREA):
        raise Forbidden(_("This plan was issued for another area."))
    return plan

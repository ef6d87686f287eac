"""One screening: plan, change, cancel, find it, and its JSON shape."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete

from schedules.checks import PlanWarning

from ..catalog.approval import require_approved
from ..dates import moment_in_range, parse_moment
from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..lookup import by_id
from ..models import Attendance, Screening, ScreeningItem, Series, Site, User
from ..player.services import stop_screening
from ..teaching.leeway import by_site, check_move, check_site_edit, clean_reason
from . import events
from .checks import check, clean_audience, warning_dicts
from .playlist import resolve_items


def create_screening(site: Site, *, starts_at: datetime, ends_at: datetime, topic: str,
                     audience: str = "all", items: list[ScreeningItem] | None = None,
                     notes: str | None = None, force: bool = False, by: str | None = None,
                     series: Series | None = None,
                     viewer: User | None = None) -> tuple[Screening, list[PlanWarning]]:
    """Plan a screening; an overlap at the site is a Conflict unless forced."""
    topic = (topic or "").strip()
    if not topic:
        raise Invalid(_("A screening needs a topic."))
    items = items or []
    warnings = check(site, starts_at, ends_at, items, viewer=viewer)
    require_approved([row.title for row in items], site)
    if not force and any(w.code == "overlap" for w in warnings):
        raise Conflict(_("Another screening at this site overlaps this time."),
                       details=warning_dicts(warnings))
    screening = Screening(site=site, starts_at=starts_at, ends_at=ends_at, topic=topic,
                          audience=clean_audience(audience), notes=notes, status="planned",
                          created_by=by, series_id=series.id if series else None)
    screening.items = items
    db.session.add(screening)
    db.session.flush()
    events.changed()
    return screening, warnings


def update_screening(screening: Screening, changes: dict, *, force: bool = False,
                     tz: str | None = None, viewer: User | None = None) -> list[PlanWarning]:
    """Edit a planned screening; editing one occurrence detaches it from its series' updates.

    A teaching plan's screening changed by its site may only move within the plan's window."""
    if screening.status not in ("planned",):
        raise Conflict(_("Only a planned screening can be changed (this one is %(status)s).",
                         status=screening.status))
    site_edit = check_site_edit(screening, _real_changes(screening, changes), viewer)
    tz = tz or current_app.config["TIMEZONE"]
    starts_at = parse_moment(changes["starts_at"], "starts_at", tz)[0] if "starts_at" in changes \
        else screening.starts_at
    ends_at = parse_moment(changes["ends_at"], "ends_at", tz)[0] if "ends_at" in changes \
        else screening.ends_at
    items = resolve_items(screening.site, changes["items"], viewer=viewer) if "items" in changes \
        else list(screening.items)
    warnings = check(screening.site, starts_at, ends_at, items, exclude=screening.id,
                     viewer=viewer)
    if "items" in changes:  # a playlist kept as it was keeps working (the checks say why not)
        require_approved([row.title for row in items], screening.site)
    if not force and any(w.code == "overlap" for w in warnings):
        raise Conflict(_("Another screening at this site overlaps this time."),
                       details=warning_dicts(warnings))
    moved = (starts_at, ends_at) != (screening.starts_at, screening.ends_at)
    if site_edit and moved:
        check_move(screening, starts_at, ends_at)
        screening.site_change = "moved"
    if moved:
        _reopen_sign_in(screening)
    screening.starts_at, screening.ends_at = starts_at, ends_at
    if "topic" in changes:
        if not str(changes["topic"] or "").strip():
            raise Invalid(_("A screening needs a topic."))
        screening.topic = str(changes["topic"]).strip()
    if "audience" in changes:
        screening.audience = clean_audience(changes["audience"])
    if "notes" in changes:
        screening.notes = changes["notes"]
    if "items" in changes:
        screening.items = items
        for position, row in enumerate(screening.items):
            row.position = position
    screening.edited = screening.series_id is not None or screening.teaching_session_id is not None
    events.changed()
    return warnings


def _real_changes(screening: Screening, changes: dict) -> dict:
    """The changes that change something (a form sends every field, changed or not)."""
    same = {"topic": screening.topic, "audience": screening.audience, "notes": screening.notes}
    real = {k: v for k, v in changes.items() if k not in same or (v or None) != (same[k] or None)}
    if "items" in real and [str(i.get("title_id")) for i in real["items"] or []] == [
            str(i.title_id) for i in screening.items]:
        del real["items"]
    return real


def _reopen_sign_in(screening: Screening) -> None:
    """A planned screening moved in time (a wrong date corrected) is not over: the absences its
    closed sign-in marked on their own are taken back, and it closes again after its new end."""
    if not screening.attendance_closed:
        return
    db.session.execute(delete(Attendance).where(
        Attendance.screening_id == screening.id, Attendance.recorded_by == "auto",
        Attendance.status == "absent"))
    screening.attendance_closed = False


def out_of_range(screening: Screening) -> bool:
    """Stored with a date outside the accepted range (before the range was checked, or by hand)."""
    return not (moment_in_range(screening.starts_at) and moment_in_range(screening.ends_at))


def cancel_screening(screening: Screening, *, reason: str | None = None,
                     viewer: User | None = None) -> None:
    """Cancel a planned or running screening; one dated out of range, whatever its status (the
    runner may have marked it missed), so that it can be taken out of the way.

    A site cancelling a teaching plan's screening must say why."""
    if screening.status not in ("planned", "running") and not (
            out_of_range(screening) and screening.status != "cancelled"):
        raise Conflict(_("This screening is %(status)s and cannot be cancelled.",
                         status=screening.status))
    if screening.teaching_session_id is not None and by_site(viewer):
        screening.status_reason = clean_reason(reason)
        screening.site_change = "cancelled"
    elif reason and str(reason).strip():
        screening.status_reason = clean_reason(reason)
    playing = screening.status == "running"
    screening.status = "cancelled"
    if playing:
        stop_screening(screening.id)
    events.changed()


def screening_or_404(value, options=()) -> Screening:
    screening = by_id(Screening, value, options)
    if screening is None:
        raise NotFound(_("No such screening."))
    return screening


def teaching_fields(s: Screening) -> dict:
    """The teaching plan and session a screening holds (None for one planned otherwise)."""
    session = s.teaching_session
    if session is None:
        return {"teaching_plan": None, "session": None, "site_change": None}
    plan = session.plan
    return {"teaching_plan": {"id": str(plan.id), "name": plan.name,
                              "move_window_days": plan.move_window_days},
            "session": {"id": str(session.id), "position": session.position,
                        "topic": session.topic,
                        "planned_at": (s.recurrence_at or s.starts_at).isoformat()},
            "site_change": s.site_change}


"""The planning checks of a screening-to-be, and their warnings in the UI language.

The pure checks live in `schedules.checks`; this module feeds them rows (the other screenings
at the site, the facts of each playlist item) and turns their warning codes into messages.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from schedules.checks import PlanError, PlanWarning, Slot, check_plan, check_times

from ..dates import check_moment
from ..errors import Invalid
from ..extensions import db
from ..models import Screening, ScreeningItem, Site, User
from ..models.catalog import AUDIENCES
from .playlist import plan_item

OPEN_STATUSES = ("planned", "running")


def other_slots(site: Site, exclude: uuid.UUID | None, starts_at: datetime,
                ends_at: datetime) -> list[Slot]:
    """The open screenings at the site sharing time with [starts_at, ends_at), but `exclude`."""
    rows = db.session.scalars(select(Screening).where(
        Screening.site_id == site.id, Screening.status.in_(OPEN_STATUSES),
        Screening.starts_at < ends_at, Screening.ends_at > starts_at))
    return [Slot(str(s.id), s.starts_at, s.ends_at, s.topic) for s in rows if s.id != exclude]


def warning_text(w: PlanWarning) -> str:
    """The message of a planning warning in the UI language."""
    p = w.params
    if w.code == "overlap":
        return _("Overlaps %(topic)s at this site.", topic=p.get("topic") or "—")
    if w.code == "too_long":
        return _("The playlist (%(total)d min) is longer than the slot (%(slot)d min).",
                 total=round(p["total_s"] / 60), slot=round(p["slot_s"] / 60))
    if w.code == "unknown_length":
        return _("Length unknown for: %(names)s.", names="、".join(p.get("names", [])))
    if w.code == "not_held":
        message = _("%(name)s has no file at this site.", name=p["name"])
        if p.get("held_at"):
            message += " " + _("Held at: %(sites)s.", sites=", ".join(p["held_at"]))
        if p.get("on_the_way"):
            message += " " + _("A consignment is on its way (%(kits)s).",
                               kits=", ".join(p["on_the_way"]))
        return message
    if w.code == "insert_disc":
        return _("%(name)s is only on disc 《%(discs)s》, which is not in the drive: insert it "
                 "before the screening.", name=p["name"], discs="》《".join(p["discs"]))
    if w.code == "empty_playlist":
        return _("The playlist is empty: nothing will play at this screening.")
    if w.code == "not_approved":
        return _("%(name)s is not approved for this site.", name=p["name"])
    return w.message


def warning_dicts(warnings: list[PlanWarning]) -> list[dict]:
    return [{"code": w.code, "message": warning_text(w), **{
        k: v for k, v in w.params.items() if k in ("name", "other_id")}} for w in warnings]


def check(site: Site, starts_at: datetime, ends_at: datetime, items: list[ScreeningItem],
          exclude: uuid.UUID | None = None, viewer: User | None = None) -> list[PlanWarning]:
    """Run the planning checks of `schedules.checks` for a screening-to-be (as `viewer` may see
    them: the sites holding a file elsewhere are those of the viewer's area)."""
    tz = current_app.config["TIMEZONE"]
    check_moment(starts_at, "starts_at", tz)
    check_moment(ends_at, "ends_at", tz)
    try:
        check_times(starts_at, ends_at)
    except PlanError as exc:
        raise Invalid(_("The end must be after the start.")) from exc
    if ends_at - starts_at > timedelta(hours=24):  # as a plan's; the form cannot show longer
        raise Invalid(_("A screening lasts at most 24 hours."))
    slot = Slot(str(exclude) if exclude else None, starts_at, ends_at)
    warnings = check_plan(slot, [plan_item(site, row, viewer) for row in items],
                          other_slots(site, exclude, starts_at, ends_at))
    if not items:
        warnings.append(PlanWarning("empty_playlist", "The playlist is empty: nothing will play."))
    return warnings


def clean_audience(value: str | None) -> str:
    """A screening's audience: one of AUDIENCES or a group's name; none is everyone."""
    value = (value or "all").strip()
    if not value or len(value) > 60:
        raise Invalid(_("The audience is one of %(list)s, or a group name (up to 60 characters).",
                        list=", ".join(AUDIENCES)))
    return value

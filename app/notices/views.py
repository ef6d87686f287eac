"""The notice (明白纸) and loudspeaker script (广播稿) of a village, and the reminder outbox."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.access import roles_required
from ..auth.roles import STAFF
from ..auth.scope import can_see_unit, visible_units
from ..clock import today
from ..dates import parse_day
from ..errors import Invalid
from ..extensions import db
from ..i18n import show_date
from ..lookup import by_id
from ..models import Unit
from ..models.notices import REMINDER_STATES
from ..paging import paginate
from ..public_url import public_url, unreachable
from ..qrcodes import svg as qr_svg
from ..screenings.feed import feed_key
from . import reflection_pages  # noqa: F401  (its pages register on the blueprint)
from .blueprint import bp
from .outbox import masked, visible_reminders
from .planned import MAX_DAYS, script, village_screenings
from .reminders import gateway_url

NOTICE_DAYS = 30  # a notice covers this many days unless asked otherwise
VILLAGE_KINDS = ("village", "community")


def _village(unit_id: str) -> Unit:
    unit = by_id(Unit, unit_id)
    if unit is None or unit.kind not in VILLAGE_KINDS:
        abort(404)
    if not can_see_unit(current_user, unit):
        abort(403)
    return unit


def _day(name: str, default):
    value = request.args.get(name, "").strip()
    return parse_day(value, name) if value else default


@bp.route("/notices")
@roles_required(*STAFF)
def index():
    """The villages a user may print notices and scripts for."""
    query = select(Unit).where(Unit.kind.in_(VILLAGE_KINDS))
    units = visible_units(current_user)
    if units is not None:
        query = query.where(Unit.id.in_(units))
    villages = sorted(db.session.scalars(query), key=lambda u: [p.name for p in u.lineage()])
    return render_template("notices/index.html", villages=villages, tomorrow=today() + timedelta(1))


@bp.route("/villages/<unit_id>/notice")
@roles_required(*STAFF)
def notice(unit_id: str):
    """A village's printable notice: the screenings of a period in large type, with the QR code of
    each site's calendar."""
    village = _village(unit_id)
    first = _day("from", today())
    last = _day("to", first + timedelta(days=NOTICE_DAYS - 1))
    if last < first:
        raise Invalid(_("The period ends before it starts."))
    if (last - first).days >= MAX_DAYS:
        raise Invalid(_("A notice covers at most %(num)d days.", num=MAX_DAYS))
    planned = village_screenings(village, first, last)
    sites = {p.screening.site.code: p.screening.site for p in planned}
    calendars = {}
    for code, site in sorted(sites.items()):
        address = public_url("screenings.feed", code=code, key=feed_key(code))
        calendars[code] = (site, address, qr_svg(address))
    return render_template("notices/notice.html", village=village, first=first, last=last,
                           planned=planned, calendars=calendars, unreachable=unreachable())


@bp.route("/villages/<unit_id>/script")
@roles_required(*STAFF)
def loudspeaker(unit_id: str):
    """The loudspeaker script for a day's screenings (tomorrow unless asked), to read out the
    day before."""
    village = _village(unit_id)
    day = _day("day", today() + timedelta(days=1))
    return render_template("notices/script.html", village=village, day=day,
                           text=script(village, day))


@bp.route("/villages/<unit_id>/script.txt")
@roles_required(*STAFF)
def loudspeaker_text(unit_id: str):
    """The loudspeaker script as a plain text file."""
    village = _village(unit_id)
    day = _day("day", today() + timedelta(days=1))
    text = script(village, day)
    if text is None:
        raise Invalid(_("Nothing is planned for %(village)s on %(day)s: there is no script.",
                        village=village.name, day=show_date(day)))
    name = f"script-{day.isoformat()}.txt"
    return Response(text, mimetype="text/plain; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.route("/reminders")
@roles_required(*STAFF)
def outbox():
    """The reminder outbox of the screenings a user may see: each message's state."""
    state = request.args.get("state") or None
    if state is not None and state not in REMINDER_STATES:
        raise Invalid(_("The state is one of %(s)s.", s=", ".join(REMINDER_STATES)))
    rows, page = paginate(visible_reminders(current_user, state))
    labels = {"queued": _("Queued"), "sent": _("Sent"), "failed": _("Failed"),
              "cancelled": _("Cancelled")}
    return render_template("notices/outbox.html", rows=rows, page=page, state=state,
                           states=REMINDER_STATES, STATE_LABELS=labels, masked=masked,
                           gateway=gateway_url() is not None)

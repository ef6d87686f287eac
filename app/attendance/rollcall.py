"""The operator's roll-call, the printable paper sign-in sheet and the entry of a filled sheet.

Roll-call marks go in with method `operator`, a filled sheet with method `paper`; both keep who
recorded them. Opening the roll-call (or the record) after the sign-in window closes marks the
expected people nobody marked as absent, as the minute tick would.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..auth.access import roles_required
from ..auth.scope import site_or_404
from ..extensions import db
from ..models import Attendance, Person, Screening
from ..models.people import ATTENDANCE_STATUSES
from ..pages import save
from ..people.services import clean_name
from ..screenings.views import STAFF, _screening
from .blueprint import bp
from .forms import PaperEntryForm, RollCallForm
from .services import (
    close_if_due,
    closed_by_its_site,
    counts,
    expected_people,
    screening_villages,
    sign_in,
    walkin_village,
    window,
)

BLANK_LINES = 10


@dataclass
class Row:
    """One line of the roll-call: a person, their sign-in if any, and whether they are expected."""

    person: Person
    attendance: Attendance | None
    expected: bool


def load(screening_id: str, *, change: bool = False) -> Screening:
    """The screening for the current user: 404 unknown, 403 outside their sites."""
    screening = _screening(screening_id)
    if change:
        site_or_404(screening.site.code, change=True)
    return screening


def close_on_view(screening: Screening) -> int:
    """Mark the unmarked expected people absent when the window has closed; returns how many.

    Not on the hub for an enrolled site: the site closes its own sheet and sends the marks.
    """
    if screening.attendance_closed or closed_by_its_site(screening):
        return 0
    try:
        marked = close_if_due(screening)
        if screening.attendance_closed:  # closed just now
            db.session.commit()
    except IntegrityError:  # another request closed it at the same moment
        db.session.rollback()
        marked = 0
    return marked


def roster(screening: Screening) -> list[Row]:
    """The expected people (marked or not), then anyone else who signed in, in order of time."""
    signed = {a.person_id: a for a in db.session.scalars(
        select(Attendance).where(Attendance.screening_id == screening.id)
        .options(selectinload(Attendance.person)).order_by(Attendance.signed_at))}
    rows = [Row(p, signed.pop(p.id, None), True) for p in expected_people(screening)]
    return rows + [Row(a.person, a, False) for a in signed.values()]


def summary(screening: Screening, rows: list[Row]) -> dict:
    found = counts(screening)
    return {"expected": sum(r.expected for r in rows),
            "unmarked": sum(r.attendance is None for r in rows),
            "signed": sum(found.values()),
            **{status: found.get(status, 0) for status in ATTENDANCE_STATUSES}}


def _mark(screening: Screening, rows: list[Row], marks: dict[str, str]) -> int:
    """Record the roll-call's marks that differ from what is recorded; how many changed."""
    changed = 0
    for row in rows:
        status = marks.get(str(row.person.id))
        if status and (row.attendance is None or row.attendance.status != status):
            sign_in(screening, method="operator", person=row.person, status=status,
                    recorded_by=current_user.username)
            changed += 1
    return changed


def _enter_sheet(screening: Screening, form: PaperEntryForm, rows: list[Row]) -> int:
    """Record a filled sheet: the ticked people not yet signed in, then the blank lines written
    in; every line is checked first, so nothing is saved if one is bad. How many signed now."""
    people = {str(r.person.id): r for r in rows}
    added = 0
    lines = form.walkin_lines()
    for name, village in lines:
        clean_name(name)
        walkin_village(screening, village)
    for person_id in form.ticked(request.form, people):
        row = people[person_id]
        if row.attendance is None or row.attendance.status == "absent":
            added += sign_in(screening, method="paper", person=row.person,
                             status="present", recorded_by=current_user.username).signed_now
    for name, village in lines:
        added += sign_in(screening, method="paper", walkin_name=name, village=village,
                         status="present", recorded_by=current_user.username).signed_now
    return added


@bp.route("/screenings/<screening_id>/rollcall", methods=["GET", "POST"])
@roles_required(*STAFF)
def rollcall(screening_id: str):
    """Everyone expected, each with present / late / excused / absent, saved with one button."""
    screening = load(screening_id, change=request.method == "POST")
    form = RollCallForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        rows = roster(screening)
        marks = form.marks(request.form, [r.person.id for r in rows])
        return save(lambda: _mark(screening, rows, marks),
                    lambda changed: ngettext("Saved: %(num)d mark changed.",
                                             "Saved: %(num)d marks changed.", changed),
                    url_for("attendance.rollcall", screening_id=screening.id), back=True)
    auto = close_on_view(screening)
    if auto:
        flash(ngettext("Sign-in has closed: %(num)d person not marked is now absent.",
                       "Sign-in has closed: %(num)d people not marked are now absent.", auto),
              "warning")
    rows = roster(screening)
    return render_template("attendance/rollcall.html", screening=screening, rows=rows,
                           totals=summary(screening, rows), form=form, window=window(screening),
                           statuses=ATTENDANCE_STATUSES)


@bp.route("/screenings/<screening_id>/paper")
@roles_required(*STAFF)
def paper(screening_id: str):
    """A printable sign-in sheet: the expected roster with signature boxes, then blank lines.

    The phone QR code's code rotates (QR_ROTATE_S) and a printed one would be dead within a
    minute, so the sheet points to the live code on the TV or kiosk (`attendance.qr_page`).
    """
    screening = load(screening_id)
    return render_template("attendance/paper.html", screening=screening,
                           people=expected_people(screening), blanks=range(BLANK_LINES))


@bp.route("/screenings/<screening_id>/paper/entry", methods=["GET", "POST"])
@roles_required(*STAFF)
def paper_entry(screening_id: str):
    """Type in a filled sheet: tick who signed, add the blank lines; sending it twice adds nothing."""
    screening = load(screening_id, change=request.method == "POST")
    form = PaperEntryForm()
    villages = [v.name for v in screening_villages(screening)]
    if request.method == "GET" and screening.site.unit.kind in ("village", "community"):
        for row in form.walkins:
            row.form.village.data = screening.site.unit.name
    rows = [r for r in roster(screening) if r.expected]
    refused = False
    if form.validate_on_submit():
        saved = save(lambda: _enter_sheet(screening, form, rows),
                     lambda added: ngettext("Saved: %(num)d sign-in from the sheet.",
                                            "Saved: %(num)d sign-ins from the sheet.", added),
                     url_for("attendance.rollcall", screening_id=screening.id),
                     refused=lambda exc: flash(
                         _("Nothing was saved: %(reason)s", reason=exc.message), "error"))
        if saved is not None:
            return saved
        refused = True
    elif request.method == "POST" and not form.errors.get("walkins"):
        abort(400)
    return render_template("attendance/paper_entry.html", screening=screening, rows=rows,
                           form=form, villages=villages), 422 if refused or form.errors else 200

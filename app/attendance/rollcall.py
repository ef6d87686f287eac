"""The operator's roll-call, the printable paper sign-in sheet and the entry of a filled sheet.

Roll-call marks go in with method `operator`, a filled sheet with method `paper`; both keep who
recorded them. Opening the roll-call (or the record) after the sign-in window closes marks the
expected people nobody marked as absent, as the minute tick would.
"""

from __future__ import annotations

from flask import abort, flash, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..auth.access import roles_required
from ..auth.roles import STAFF
from ..auth.scope import site_or_404
from ..catalog.picking import apply_pick
from ..errors import DianjiaoError
from ..models import Screening
from ..models.people import ATTENDANCE_STATUSES
from ..pages import save, unit_of_work
from ..screenings.single import screening_or_404
from .blueprint import bp
from .forms import PaperEntryForm, RollCallForm
from .picking import chosen_people, find_people, people_picker, screening_reach
from .services import (
    close_if_due,
    closed_by_its_site,
    expected_people,
    screening_villages,
    window,
)
from .sheet import Row, enter_paper_sheet, mark_rollcall, roster, summary

BLANK_LINES = 10
PICKED_AT_ONCE = 50  # people added through the picker in one save


def load(screening_id: str, *, change: bool = False) -> Screening:
    """The screening for the current user: 404 unknown, 403 outside their sites."""
    try:
        screening = screening_or_404(screening_id)
    except DianjiaoError:
        abort(404)
    site_or_404(screening.site.code, change=change)
    return screening


def close_on_view(screening: Screening) -> int:
    """Mark the unmarked expected people absent when the window has closed; returns how many.

    Not on the hub for an enrolled site: the site closes its own sheet and sends the marks.
    """
    if screening.attendance_closed or closed_by_its_site(screening):
        return 0
    try:
        with unit_of_work():
            return close_if_due(screening)
    except IntegrityError:  # another request closed it at the same moment
        return 0


@bp.route("/screenings/<screening_id>/rollcall", methods=["GET", "POST"])
@roles_required(*STAFF)
def rollcall(screening_id: str):
    """Everyone expected, each with present / late / excused / absent, saved with one button."""
    screening = load(screening_id, change=request.method == "POST")
    form = RollCallForm()
    picking, chosen = _picking()
    if request.method == "POST" and not picking:
        if not form.validate_on_submit():
            abort(400)
        rows = roster(screening)
        shown = {r.person.id for r in rows}
        added = [Row(p, None, False) for p in chosen_people(screening_reach(screening), chosen)
                 if p.id not in shown]
        marks = form.marks(request.form, [r.person.id for r in rows])
        marks.update({str(r.person.id): "present" for r in added})  # someone added came
        return save(lambda: mark_rollcall(screening, rows + added, marks,
                                          by=current_user.username),
                    lambda changed: ngettext("Saved: %(num)d mark changed.",
                                             "Saved: %(num)d marks changed.", changed),
                    url_for("attendance.rollcall", screening_id=screening.id), back=True)
    auto = close_on_view(screening)
    if auto:
        flash(ngettext("Sign-in has closed: %(num)d person not marked is now absent.",
                       "Sign-in has closed: %(num)d people not marked are now absent.", auto),
              "warning")
    rows = roster(screening)
    marks = form.marks(request.form, [r.person.id for r in rows]) if picking else {}
    return render_template("attendance/rollcall.html", screening=screening, rows=rows,
                           totals=summary(screening, rows), form=form, window=window(screening),
                           statuses=ATTENDANCE_STATUSES, marks=marks,
                           picker=people_picker(screening_reach(screening), chosen,
                                                request.values.get("people_q")))


def _picking() -> tuple[bool, list[str]]:
    """Whether a people picker button was pressed (the page is shown again, nothing saved), and
    the people chosen in it after that button."""
    op = request.form.get("people_pick") if request.method == "POST" else None
    chosen = apply_pick(op, request.form.getlist("people"), limit=PICKED_AT_ONCE)
    return bool(op), chosen


@bp.route("/screenings/<screening_id>/people/pick.json")
@roles_required(*STAFF)
def pick_people(screening_id: str):
    """The people picker's search as JSON: ?q= (characters, pinyin or initials), ?leave_out=
    (ids already chosen, repeated): the screening's villages first, then its township's."""
    screening = load(screening_id)
    found, more = find_people(screening_reach(screening), request.args.get("q"),
                              leave_out=request.args.getlist("leave_out"))
    return jsonify({"items": [p.as_dict() for p in found], "more": more})


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
    picking, chosen = _picking()
    refused = False
    if not picking and form.validate_on_submit():
        saved = save(lambda: enter_paper_sheet(
                         screening, rows, form.ticked(request.form, [r.person.id for r in rows]),
                         form.walkin_lines(), by=current_user.username,
                         picked=chosen_people(screening_reach(screening), chosen)),
                     lambda added: ngettext("Saved: %(num)d sign-in from the sheet.",
                                            "Saved: %(num)d sign-ins from the sheet.", added),
                     url_for("attendance.rollcall", screening_id=screening.id),
                     refused=lambda exc: flash(
                         _("Nothing was saved: %(reason)s", reason=exc.message), "error"))
        if saved is not None:
            return saved
        refused = True
    elif request.method == "POST" and not picking and not form.errors.get("walkins"):
        abort(400)
    return render_template("attendance/paper_entry.html", screening=screening, rows=rows,
                           form=form, villages=villages, ticked=request.form.getlist("present"),
                           picker=people_picker(screening_reach(screening), chosen,
                                                request.values.get("people_q"))
                           ), 422 if refused or form.errors else 200

"""Loan register pages: a site's loans, lending an item, marking it returned, editing a loan."""

from __future__ import annotations

from flask import abort, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..attendance.picking import Reach, apply_one, find_people, people_picker
from ..auth.access import roles_required
from ..auth.roles import STAFF
from ..auth.scope import can_change_site, site_or_404
from ..clock import today
from ..errors import DianjiaoError
from ..models import Loan, Site
from ..pages import save
from .blueprint import bp
from .forms import ConfirmForm, EditLoanForm, LoanForm
from .services import (
    KIND_LABELS,
    LoanFields,
    lend,
    loan_or_404,
    mark_returned,
    open_and_returned,
    update,
)


@bp.context_processor
def _labels():
    return {"LOAN_KIND_LABELS": KIND_LABELS}


def _reach(site: Site) -> Reach:
    """The borrowers offered: the people of the site's own village (services._checked)."""
    return Reach(frozenset([site.unit_id]), frozenset([site.unit_id]), browse=True)


def _picking(form: LoanForm, site: Site, chosen: list[str] | None = None):
    """The borrower picker (one person, attendance/picking.py): whether one of its buttons was
    pressed (the page is shown again, nothing saved), and its state; the one chosen is the
    form's `person`."""
    op = request.form.get("person_pick") if request.method == "POST" else None
    if chosen is None:
        chosen = request.form.getlist("person")[:1] if request.method == "POST" else []
    chosen = [c for c in apply_one(op, chosen) if c]
    form.person.data = chosen[0] if chosen else ""
    return bool(op), people_picker(_reach(site), chosen, request.values.get("person_q"))


def _fields(form: LoanForm) -> LoanFields:
    return LoanFields(item=form.item.data, kind=form.kind.data, borrower=form.borrower.data,
                      person_id=form.person.data or None, lent_on=form.lent_on.data,
                      due_on=form.due_on.data, notes=form.notes.data,
                      returned_on=getattr(form, "returned_on", None) and form.returned_on.data)


def _register(site: Site, form: LoanForm, picker, status: int = 200):
    open_loans, returned = open_and_returned(site)
    return render_template("loans/register.html", site=site, form=form, open_loans=open_loans,
                           returned=returned, today=today(), confirm=ConfirmForm(),
                           can_change=can_change_site(current_user, site), picker=picker), status


def _loan(site: Site, loan_id: str) -> Loan:
    try:
        return loan_or_404(site, loan_id)
    except DianjiaoError:
        abort(404)


@bp.route("/sites/<code>/loans", methods=["GET", "POST"])
@roles_required(*STAFF)
def register(code: str):
    site = site_or_404(code, change=request.method == "POST")
    form = LoanForm()
    picking, picker = _picking(form, site)
    if request.method == "GET":
        form.lent_on.data = today()
        return _register(site, form, picker)
    if picking:
        return _register(site, form, picker)
    if form.validate_on_submit():
        saved = save(lambda: lend(site, _fields(form)),
                     lambda loan: _("%(item)s lent to %(borrower)s.", item=loan.item,
                                    borrower=loan.borrower),
                     url_for("loans.register", code=site.code))
        if saved is not None:
            return saved
    return _register(site, form, picker, 422)


@bp.post("/sites/<code>/loans/<loan_id>/return")
@roles_required(*STAFF)
def returned(code: str, loan_id: str):
    site = site_or_404(code, change=True)
    loan = _loan(site, loan_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return save(lambda: mark_returned(loan),
                lambda changed: _("%(item)s is back.", item=loan.item) if changed else None,
                url_for("loans.register", code=site.code), back=True)


@bp.route("/sites/<code>/loans/<loan_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def edit(code: str, loan_id: str):
    site = site_or_404(code, change=True)
    loan = _loan(site, loan_id)
    form = EditLoanForm(obj=loan if request.method == "GET" else None)
    first = [str(loan.person_id)] if request.method == "GET" and loan.person_id else None
    picking, picker = _picking(form, site, first)
    if request.method == "GET" or picking:
        return render_template("loans/edit.html", site=site, loan=loan, form=form, picker=picker)
    if form.validate_on_submit():
        saved = save(lambda: update(loan, _fields(form)), _("Loan saved."),
                     url_for("loans.register", code=site.code))
        if saved is not None:
            return saved
    return render_template("loans/edit.html", site=site, loan=loan, form=form, picker=picker), 422


@bp.route("/sites/<code>/loans/people.json")
@roles_required(*STAFF)
def pick_people(code: str):
    """The borrower picker's search as JSON: ?q= (characters, pinyin or initials) among the
    people of the site's village, ?leave_out= (the one chosen)."""
    site = site_or_404(code)
    found, more = find_people(_reach(site), request.args.get("q"),
                              leave_out=request.args.getlist("leave_out"))
    return jsonify({"items": [p.as_dict() for p in found], "more": more})

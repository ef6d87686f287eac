"""The loan register: lend an item, mark it returned, edit it, list a site's loans.

Dates are local dates in DIANJIAO_TIMEZONE: a loan is overdue when it is not back and its due
date is before today there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from .. import limits
from ..clock import today
from ..errors import Invalid, NotFound
from ..extensions import db
from ..lookup import by_id
from ..models import Loan, Person, Site
from ..models.loans import BORROWER_MAX, ITEM_MAX, LOAN_KINDS

KIND_LABELS = {"equipment": _l("equipment"), "courseware": _l("courseware")}
# A loan older than this, or due further ahead than this, is a typing mistake, not a loan.
OLDEST = timedelta(days=10 * 366)
LONGEST = timedelta(days=5 * 366)
NOTES_MAX = limits.LOAN_NOTES


@dataclass
class LoanFields:
    """What a person types for a loan; the service checks it as a whole."""

    item: str
    kind: str
    borrower: str
    lent_on: date | None
    due_on: date | None
    person_id: str | None = None
    returned_on: date | None = None
    notes: str | None = None


def _checked(site: Site, fields: LoanFields) -> tuple[LoanFields, Person | None]:
    item = (fields.item or "").strip()
    borrower = (fields.borrower or "").strip()
    notes = (fields.notes or "").strip() or None
    person = None
    if fields.person_id:
        person = by_id(Person, fields.person_id)
        # the roster offered is the site's village (the borrower picker's reach): anyone
        # else's name is not the site's to read, nor to write into its register
        if person is None or person.village_id != site.unit_id:
            raise Invalid(_("No such person in the roster."))
        borrower = borrower or person.name[:BORROWER_MAX]
    if not item:
        raise Invalid(_("Say which item is lent."))
    if len(item) > ITEM_MAX:
        raise Invalid(_("The item is longer than %(num)d characters.", num=ITEM_MAX))
    if not borrower:
        raise Invalid(_("Say who borrows it."))
    if len(borrower) > BORROWER_MAX:
        raise Invalid(_("The borrower's name is longer than %(num)d characters.", num=BORROWER_MAX))
    if fields.kind not in LOAN_KINDS:
        raise Invalid(_("kind must be one of %(kinds)s.", kinds=", ".join(LOAN_KINDS)))
    if notes and len(notes) > NOTES_MAX:
        raise Invalid(_("The notes are longer than %(num)d characters.", num=NOTES_MAX))
    if fields.lent_on is None or fields.due_on is None:
        raise Invalid(_("Give the date lent and the date due."))
    now = today()
    if fields.lent_on > now:
        raise Invalid(_("The date lent is in the future."))
    if fields.lent_on < now - OLDEST:
        raise Invalid(_("The date lent is more than ten years ago."))
    if fields.due_on < fields.lent_on:
        raise Invalid(_("The date due is before the date lent."))
    if fields.due_on > fields.lent_on + LONGEST:
        raise Invalid(_("The date due is more than five years after the date lent."))
    if fields.returned_on is not None:
        _check_return(fields.lent_on, fields.returned_on, now)
    return LoanFields(item=item, kind=fields.kind, borrower=borrower, lent_on=fields.lent_on,
                      due_on=fields.due_on, returned_on=fields.returned_on, notes=notes), person


def _check_return(lent_on: date, returned_on: date, now: date) -> None:
    if returned_on < lent_on:
        raise Invalid(_("The date returned is before the date lent."))
    if returned_on > now:
        raise Invalid(_("The date returned is in the future."))


def lend(site: Site, fields: LoanFields) -> Loan:
    """Record an item lent out at a site."""
    checked, person = _checked(site, fields)
    loan = Loan(site_id=site.id, item=checked.item, kind=checked.kind, borrower=checked.borrower,
                person_id=person.id if person else None, lent_on=checked.lent_on,
                due_on=checked.due_on, returned_on=checked.returned_on, notes=checked.notes)
    db.session.add(loan)
    db.session.flush()
    return loan


def update(loan: Loan, fields: LoanFields) -> Loan:
    checked, person = _checked(loan.site, fields)
    loan.item, loan.kind, loan.borrower = checked.item, checked.kind, checked.borrower
    loan.person_id = person.id if person else None
    loan.lent_on, loan.due_on = checked.lent_on, checked.due_on
    loan.returned_on, loan.notes = checked.returned_on, checked.notes
    db.session.flush()
    return loan


def mark_returned(loan: Loan, on: date | None = None) -> bool:
    """Mark a loan back (today by default); False when it was already back."""
    if loan.returned_on is not None:
        return False
    on = on or today()
    _check_return(loan.lent_on, on, today())
    loan.returned_on = on
    db.session.flush()
    return True


def loan_or_404(site: Site, loan_id) -> Loan:
    loan = by_id(Loan, loan_id)
    if loan is None or loan.site_id != site.id:
        raise NotFound(_("No such loan at this site."))
    return loan


def loans_query(site: Site, *, overdue: bool = False, on: date | None = None) -> Select:
    """A site's loans: open ones first (soonest due first), then returned ones (latest first)."""
    query = select(Loan).where(Loan.site_id == site.id)
    if overdue:
        query = query.where(Loan.returned_on.is_(None), Loan.due_on < (on or today()))
    # returned_on is NULL throughout the open ones, so they fall to due_on: as on the page
    return query.order_by(Loan.returned_on.is_not(None), Loan.returned_on.desc(), Loan.due_on,
                          Loan.created_at)


def open_and_returned(site: Site, *, returned_limit: int = 200) -> tuple[list[Loan], list[Loan]]:
    open_loans = db.session.scalars(
        select(Loan).where(Loan.site_id == site.id, Loan.returned_on.is_(None))
        .order_by(Loan.due_on, Loan.created_at)).all()
    returned = db.session.scalars(
        select(Loan).where(Loan.site_id == site.id, Loan.returned_on.is_not(None))
        .order_by(Loan.returned_on.desc(), Loan.created_at.desc()).limit(returned_limit)).all()
    return list(open_loans), list(returned)

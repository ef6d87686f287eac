"""The loan register of a site."""

from __future__ import annotations

from .base import Out, fields, listing


class Loan(Out):
    """A loan: dumped from {"loan": Loan, "days_overdue": N} (overdue as of the local today)."""

    id = fields.UUID(attribute="loan.id")
    site = fields.String(attribute="loan.site.code")
    item = fields.String(attribute="loan.item")
    kind = fields.String(attribute="loan.kind")
    borrower = fields.String(attribute="loan.borrower")
    person_id = fields.UUID(attribute="loan.person_id", allow_none=True)
    lent_on = fields.Date(attribute="loan.lent_on")
    due_on = fields.Date(attribute="loan.due_on")
    returned_on = fields.Date(attribute="loan.returned_on", allow_none=True)
    days_overdue = fields.Integer()
    notes = fields.String(attribute="loan.notes", allow_none=True)


LoanList = listing(Loan)

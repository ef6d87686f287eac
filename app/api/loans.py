"""The loan register under /api/v1: a site's loans, or only its overdue ones."""

from __future__ import annotations

from flask import request

from ..clock import today
from ..loans.services import loans_query
from .blueprint import bp
from .helpers import api_roles, schemas
from .schemas.loans import Loan, LoanList
from .views import STAFF, page_of, site_by_code


@bp.get("/v1/loans")
@api_roles(*STAFF)
@schemas(get={200: ("Loans", LoanList)})
def loans():
    """List a site's loans.
    ---
    get:
      summary: A site's loan register, open loans first (soonest due first), then returned ones
      parameters:
        - {in: query, name: site, required: true, schema: {type: string}}
        - {in: query, name: overdue, schema: {type: integer, enum: [0, 1]}, description: only loans not back and due before today}
        - limit
        - offset
      responses:
        403: {$ref: '#/components/responses/Error'}
        404: {$ref: '#/components/responses/Error'}
        422: {$ref: '#/components/responses/Error'}
    """
    site = site_by_code(request.args.get("site"))
    now = today()
    overdue = request.args.get("overdue") in ("1", "true", "yes")
    loan = Loan()
    return page_of(loans_query(site, overdue=overdue, on=now),
                   lambda row: loan.dump({"loan": row, "days_overdue": row.days_overdue(now)}))

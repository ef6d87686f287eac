"""The audit of a screening under /api/v1 (see app/audit/services.py)."""

from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user

from ..audit.services import audit_dict, latest_check, run_audit
from ..auth.scope import can_see_site
from ..clock import now as utcnow
from ..errors import Forbidden, NotFound
from ..extensions import db
from ..screenings.single import screening_or_404
from .blueprint import bp
from .helpers import api_roles, schemas
from .schemas import COMPONENTS
from .views import STAFF

AUDIT = COMPONENTS["Audit"]()


@bp.route("/v1/screenings/<screening_id>/audit")
@api_roles(*STAFF)
@schemas(get={200: ("The latest audit", AUDIT)})
def screening_audit(screening_id: str):
    """The audit of a screening: its flags, each with a plain detail.
    ---
    get:
      summary: The latest audit of a screening (run now if it ended and was never audited)
      description: >
        Flags: no_playback, short_playback, signin_burst, frozen_or_black, late_paper
        (docs/township.md, "Audit"). The hub audits a screening again whenever the site's
        records of it arrive.
      parameters:
        - {in: path, name: screening_id, required: true, schema: {type: string, format: uuid}}
      responses:
        403: {$ref: '#/components/responses/Error'}
        404: {$ref: '#/components/responses/Error'}
    """
    row = screening_or_404(screening_id)
    if not can_see_site(current_user, row.site):
        raise Forbidden(_("This site is outside your area."))
    if latest_check(row) is None:
        if row.ends_at > utcnow():
            raise NotFound(_("This screening has not ended yet: it is audited when it ends."))
        run_audit(row)
        db.session.commit()
    return jsonify(AUDIT.dump(audit_dict(row)))

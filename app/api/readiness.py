"""The readiness check of a screening under /api/v1 (see app/screenings/readiness.py)."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.scope import can_change_site, can_see_site
from ..errors import Forbidden, NotFound
from ..extensions import db
from ..screenings.readiness import FULL, check_screening, latest, readiness_dict
from ..screenings.single import screening_or_404
from .blueprint import bp
from .helpers import api_roles, schemas
from .schemas import COMPONENTS
from .views import STAFF

READINESS = COMPONENTS["Readiness"]()


@bp.route("/v1/screenings/<screening_id>/readiness", methods=["GET", "POST"])
@api_roles(*STAFF)
@schemas(get={200: ("The latest check", READINESS)}, post={200: ("The check just run", READINESS)})
def readiness(screening_id: str):
    """Whether a screening's playlist will play.
    ---
    get:
      summary: The latest readiness check of a screening
      parameters:
        - {in: path, name: screening_id, required: true, schema: {type: string, format: uuid}}
      responses:
        403: {$ref: '#/components/responses/Error'}
        404: {$ref: '#/components/responses/Error'}
    post:
      summary: Run the full readiness check now (at the site, where the files are)
      parameters:
        - {in: path, name: screening_id, required: true, schema: {type: string, format: uuid}}
      responses:
        403: {$ref: '#/components/responses/Error'}
        404: {$ref: '#/components/responses/Error'}
        409: {$ref: '#/components/responses/Error'}
    """
    row = screening_or_404(screening_id)
    if not can_see_site(current_user, row.site):
        raise Forbidden(_("This site is outside your area."))
    if request.method == "GET":
        check = latest(row)
        if check is None:
            raise NotFound(_("This screening has not been checked yet."))
        return jsonify(READINESS.dump(readiness_dict(check)))
    if not can_change_site(current_user, row.site):
        raise Forbidden(_("Your role may not change this site."))
    check = check_screening(row, FULL)
    db.session.commit()
    return jsonify(READINESS.dump(readiness_dict(check)))

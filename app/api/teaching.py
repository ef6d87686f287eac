"""Teaching plans under /api/v1: issue one to many sites, read, change, and its progress."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.roles import OFFICERS
from ..errors import Invalid
from ..extensions import db
from ..models.teaching import TeachingPlan
from ..teaching.changes import update_plan
from ..teaching.issue import issue_plan
from ..teaching.lacks import batch_link
from ..teaching.progress import plan_progress
from ..teaching.shape import plan_dict, plan_or_404, visible_plans
from .blueprint import bp
from .helpers import api_roles, json_body
from .views import page_of

FIELDS = {"name", "starts_on", "ends_on", "sites", "move_window_days", "sessions", "force"}


@bp.route("/v1/teaching-plans", methods=["GET", "POST"])
@api_roles(*OFFICERS)
def teaching_plans():
    """List or issue teaching plans.
    ---
    get:
      summary: The teaching plans of the caller's area
      parameters:
        - limit
        - offset
      responses:
        200: {description: Plans, content: {application/json: {schema: {$ref: '#/components/schemas/TeachingPlanList'}}}}
    post:
      summary: Issue a plan; each session's dates become screenings at every covered site
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/TeachingPlanIn'}}}
      responses:
        201: {description: Issued, content: {application/json: {schema: {$ref: '#/components/schemas/TeachingPlanIssued'}}}}
        409: {$ref: '#/components/responses/Error'}
        422: {$ref: '#/components/responses/Error'}
    """
    if request.method == "GET":
        return page_of(visible_plans(current_user).order_by(
            TeachingPlan.starts_on.desc(), TeachingPlan.name), plan_dict)
    body = json_body()
    if unknown := set(body) - FIELDS:
        raise Invalid(_("Unknown field %(f)s.", f=", ".join(sorted(unknown))))
    if body.get("force") is not None and not isinstance(body["force"], bool):
        raise Invalid(_("Field %(f)s has the wrong type.", f="force"))
    issued = issue_plan(body, user=current_user, force=bool(body.get("force")))
    db.session.commit()
    reply = plan_dict(issued.plan, screenings=issued.made)
    reply.update(screenings_made=issued.made, sites_covered=issued.sites,
                 overlaps=[o.as_dict() for o in issued.overlaps], lacking=issued.lacks,
                 batch_url=batch_link(issued.plan, issued.lacks))
    return jsonify(reply), 201


@bp.route("/v1/teaching-plans/<plan_id>", methods=["GET", "PATCH"])
@api_roles(*OFFICERS)
def teaching_plan(plan_id: str):
    """Read or change one teaching plan.
    ---
    get:
      summary: One teaching plan
      parameters:
        - {in: path, name: plan_id, required: true, schema: {type: string, format: uuid}}
      responses:
        200: {description: Plan, content: {application/json: {schema: {$ref: '#/components/schemas/TeachingPlan'}}}}
        404: {$ref: '#/components/responses/Error'}
    patch:
      summary: Change a plan's name, window or sessions; the sites' untouched screenings follow
      parameters:
        - {in: path, name: plan_id, required: true, schema: {type: string, format: uuid}}
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/TeachingPlanPatch'}}}
      responses:
        200: {description: Changed, content: {application/json: {schema: {$ref: '#/components/schemas/TeachingPlanChanged'}}}}
        404: {$ref: '#/components/responses/Error'}
        409: {$ref: '#/components/responses/Error'}
        422: {$ref: '#/components/responses/Error'}
    """
    plan = plan_or_404(plan_id, current_user)
    if request.method == "GET":
        return jsonify(plan_dict(plan))
    body = json_body()
    changed = update_plan(plan, body, user=current_user)
    db.session.commit()
    reply = plan_dict(plan)
    reply.update(followed=changed.followed, screenings_made=changed.made,
                 dropped=changed.dropped, overlaps=[o.as_dict() for o in changed.overlaps])
    return jsonify(reply)


@bp.get("/v1/teaching-plans/<plan_id>/progress")
@api_roles(*OFFICERS)
def teaching_plan_progress(plan_id: str):
    """How a plan is followed.
    ---
    get:
      summary: Per session the sites that held, missed, moved, cancelled or have it ahead; per site its compliance
      parameters:
        - {in: path, name: plan_id, required: true, schema: {type: string, format: uuid}}
      responses:
        200: {description: Progress, content: {application/json: {schema: {$ref: '#/components/schemas/TeachingPlanProgress'}}}}
        404: {$ref: '#/components/responses/Error'}
    """
    return jsonify(plan_progress(plan_or_404(plan_id, current_user)))

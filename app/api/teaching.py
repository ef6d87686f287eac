"""Teaching plans under /api/v1: issue one to many sites, read, change, and its progress."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

from ..auth.roles import OFFICERS
from ..extensions import db
from ..models.teaching import TeachingPlan
from ..teaching.changes import update_plan
from ..teaching.issue import issue_plan
from ..teaching.lacks import batch_link
from ..teaching.progress import plan_progress
from ..teaching.shape import plan_dict, plan_or_404, visible_plans
from .blueprint import bp
from .helpers import api_roles, body, schemas
from .schemas import COMPONENTS
from .views import page_of

PLAN = COMPONENTS["TeachingPlan"]()


@bp.route("/v1/teaching-plans", methods=["GET", "POST"])
@api_roles(*OFFICERS)
@schemas(get={200: ("Plans", COMPONENTS["TeachingPlanList"])},
         post={"body": COMPONENTS["TeachingPlanIn"],
               201: ("Issued", COMPONENTS["TeachingPlanIssued"]())})
def teaching_plans():
    """List or issue teaching plans.
    ---
    get:
      summary: The teaching plans of the caller's area
      parameters:
        - limit
        - offset
    post:
      summary: Issue a plan; each session's dates become screenings at every covered site
      responses:
        403: {$ref: '#/components/responses/Error'}
        409: {$ref: '#/components/responses/Error'}
        422: {$ref: '#/components/responses/Error'}
    """
    if request.method == "GET":
        return page_of(visible_plans(current_user).order_by(
            TeachingPlan.starts_on.desc(), TeachingPlan.name), lambda row: PLAN.dump(plan_dict(row)))
    fields = body()
    issued = issue_plan(fields, user=current_user, force=bool(fields.get("force")))
    db.session.commit()
    reply = plan_dict(issued.plan, screenings=issued.made)
    reply.update(screenings_made=issued.made, sites_covered=issued.sites,
                 overlaps=[o.as_dict() for o in issued.overlaps], lacking=issued.lacks,
                 batch_url=batch_link(issued.plan, issued.lacks))
    return jsonify(COMPONENTS["TeachingPlanIssued"]().dump(reply)), 201


@bp.route("/v1/teaching-plans/<plan_id>", methods=["GET", "PATCH"])
@api_roles(*OFFICERS)
@schemas(get={200: ("Plan", PLAN)},
         patch={"body": COMPONENTS["TeachingPlanPatch"],
                200: ("Changed", COMPONENTS["TeachingPlanChanged"]())})
def teaching_plan(plan_id: str):
    """Read or change one teaching plan.
    ---
    get:
      summary: One teaching plan
      parameters:
        - {in: path, name: plan_id, required: true, schema: {type: string, format: uuid}}
      responses:
        404: {$ref: '#/components/responses/Error'}
    patch:
      summary: Change a plan's name, window or sessions; the sites' untouched screenings follow
      parameters:
        - {in: path, name: plan_id, required: true, schema: {type: string, format: uuid}}
      responses:
        403: {$ref: '#/components/responses/Error'}
        404: {$ref: '#/components/responses/Error'}
        409: {$ref: '#/components/responses/Error'}
        422: {$ref: '#/components/responses/Error'}
    """
    plan = plan_or_404(plan_id, current_user)
    if request.method == "GET":
        return jsonify(PLAN.dump(plan_dict(plan)))
    changed = update_plan(plan, body(), user=current_user)
    db.session.commit()
    reply = plan_dict(plan)
    reply.update(followed=changed.followed, screenings_made=changed.made,
                 dropped=changed.dropped, overlaps=[o.as_dict() for o in changed.overlaps])
    return jsonify(COMPONENTS["TeachingPlanChanged"]().dump(reply))


@bp.get("/v1/teaching-plans/<plan_id>/progress")
@api_roles(*OFFICERS)
@schemas(get={200: ("Progress", COMPONENTS["TeachingPlanProgress"]())})
def teaching_plan_progress(plan_id: str):
    """How a plan is followed.
    ---
    get:
      summary: Per session the sites that held, missed, moved, cancelled or have it ahead; per site its compliance
      parameters:
        - {in: path, name: plan_id, required: true, schema: {type: string, format: uuid}}
      responses:
        404: {$ref: '#/components/responses/Error'}
    """
    progress = plan_progress(plan_or_404(plan_id, current_user))
    return jsonify(COMPONENTS["TeachingPlanProgress"]().dump(progress))

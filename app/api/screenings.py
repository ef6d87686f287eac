"""Screenings and proof of play under /api/v1."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.scope import can_change_site, can_see_site, visible_screenings
from ..dates import parse_moment
from ..errors import Conflict, Forbidden, Invalid
from ..extensions import db
from ..models import PlayLog, Screening, Site
from ..screenings.checks import warning_dicts
from ..screenings.playlist import resolve_items
from ..screenings.single import (
    cancel_screening,
    create_screening,
    screening_or_404,
    update_screening,
)
from .blueprint import bp
from .helpers import api_roles, body
from .helpers import schemas as declare
from .schemas import COMPONENTS
from .schemas import screenings as schemas
from .views import STAFF, page_of, site_by_code

SCREENING = schemas.Screening()


def screening_answer(row: Screening, warnings=()) -> dict:
    """The screening as the API answers it, with the planning checks' warnings."""
    answer = SCREENING.dump(row)
    answer["warnings"] = warning_dicts(list(warnings))
    return answer


def _changeable(site: Site) -> Site:
    if not can_change_site(current_user, site):
        raise Forbidden(_("This site is outside your area."))
    return site


def _assumed_note(assumed: bool) -> list[dict]:
    if not assumed:
        return []
    return [{"code": "time_assumed", "message": _(
        "A time without an offset was read in %(tz)s.", tz=current_app.config["TIMEZONE"])}]


@bp.route("/v1/screenings", methods=["GET", "POST"])
@api_roles(*STAFF)
@declare(get={200: ("Screenings", COMPONENTS["ScreeningList"])},
         post={"body": COMPONENTS["ScreeningIn"], 201: ("Planned", COMPONENTS["Screening"])})
def screenings():
    """List or plan screenings.
    ---
    get:
      summary: Screenings of the sites the caller may see
      parameters:
        - {in: query, name: site, schema: {type: string}}
        - {in: query, name: from, schema: {type: string, format: date-time}}
        - {in: query, name: to, schema: {type: string, format: date-time}}
        - {in: query, name: status, schema: {type: string}}
        - limit
        - offset
    post:
      summary: Plan a screening (409 when it overlaps another at the site, unless force)
      responses:
        404: {description: No site with that code, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
        409: {$ref: '#/components/responses/Error'}
        422: {$ref: '#/components/responses/Error'}
    """
    tz = current_app.config["TIMEZONE"]
    if request.method == "GET":
        query = visible_screenings(current_user)
        args = request.args
        if args.get("site"):
            query = query.where(Screening.site_id == site_by_code(args["site"]).id)
        if args.get("from"):
            query = query.where(Screening.ends_at > parse_moment(args["from"], "from", tz)[0])
        if args.get("to"):
            query = query.where(Screening.starts_at < parse_moment(args["to"], "to", tz)[0])
        if args.get("status"):
            query = query.where(Screening.status == args["status"])
        return page_of(query.order_by(Screening.starts_at), screening_answer)
    fields = body()
    for key in ("site", "starts_at", "ends_at", "topic"):
        if not fields.get(key):
            raise Invalid(_("Field %(f)s is required.", f=key))
    site = _changeable(site_by_code(fields["site"]))
    starts_at, assumed_start = parse_moment(fields["starts_at"], "starts_at", tz)
    ends_at, assumed_end = parse_moment(fields["ends_at"], "ends_at", tz)
    try:
        screening, warnings = create_screening(
            site, starts_at=starts_at, ends_at=ends_at, topic=fields["topic"],
            audience=fields.get("audience") or "all",
            items=resolve_items(site, fields.get("items"), viewer=current_user),
            notes=fields.get("notes"), force=bool(fields.get("force")), by=current_user.username,
            viewer=current_user)
    except Conflict as exc:
        db.session.rollback()
        return _conflict(exc)
    db.session.commit()
    reply = screening_answer(screening, warnings)
    reply["warnings"] += _assumed_note(assumed_start or assumed_end)
    return jsonify(reply), 201


def _conflict(exc: Conflict):
    return jsonify(error={"code": "overlap", "message": exc.message},
                   warnings=exc.details or []), 409


@bp.route("/v1/screenings/<screening_id>", methods=["GET", "PATCH"])
@api_roles(*STAFF)
@declare(get={200: ("Screening", COMPONENTS["Screening"])},
         patch={"body": COMPONENTS["ScreeningPatch"], 200: ("Changed", COMPONENTS["Screening"])})
def screening(screening_id: str):
    """Read or change one screening.
    ---
    get:
      summary: One screening
      parameters:
        - {in: path, name: screening_id, required: true, schema: {type: string, format: uuid}}
      responses:
        404: {$ref: '#/components/responses/Error'}
    patch:
      summary: Change a planned screening, or cancel it with {"status":"cancelled"}
      parameters:
        - {in: path, name: screening_id, required: true, schema: {type: string, format: uuid}}
      responses:
        409: {$ref: '#/components/responses/Error'}
        422: {$ref: '#/components/responses/Error'}
    """
    row = screening_or_404(screening_id)
    if not can_see_site(current_user, row.site):
        raise Forbidden(_("This site is outside your area."))
    if request.method == "GET":
        return jsonify(screening_answer(row))
    _changeable(row.site)
    fields = body()
    if "site" in fields and fields["site"] != row.site.code:
        raise Invalid(_("A screening cannot move to another site; cancel it and plan a new one."))
    if fields.get("status") == "cancelled":
        cancel_screening(row, reason=fields.get("reason"), viewer=current_user)
        db.session.commit()
        return jsonify(screening_answer(row))
    if "status" in fields:
        raise Invalid(_("Only status cancelled can be set; the player sets the others."))
    fields.pop("reason", None)
    try:
        warnings = update_screening(row, fields, force=bool(fields.get("force")),
                                    viewer=current_user)
    except Conflict as exc:
        db.session.rollback()
        if exc.details is None:
            raise
        return _conflict(exc)
    db.session.commit()
    return jsonify(screening_answer(row, warnings))


@bp.get("/v1/playlogs")
@api_roles(*STAFF)
@declare(get={200: ("Play logs", COMPONENTS["PlayLogList"])})
def playlogs():
    """Proof of play.
    ---
    get:
      summary: What really played, for a screening or a site
      parameters:
        - {in: query, name: screening, schema: {type: string, format: uuid}}
        - {in: query, name: site, schema: {type: string}}
        - limit
        - offset
      responses:
        422: {$ref: '#/components/responses/Error'}
    """
    query = select(PlayLog)
    if request.args.get("screening"):
        row = screening_or_404(request.args["screening"])
        if not can_see_site(current_user, row.site):
            raise Forbidden(_("This site is outside your area."))
        query = query.where(PlayLog.screening_id == row.id)
    elif request.args.get("site"):
        query = query.where(PlayLog.site_id == site_by_code(request.args["site"]).id)
    else:
        raise Invalid(_("Give ?screening=ID or ?site=CODE."))
    return page_of(query.order_by(PlayLog.started_at), schemas.PlayLog().dump)


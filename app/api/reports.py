"""Reports under /api/v1: a site's monthly report card and the township or city roll-up."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_login import current_user

from ..reports.services import (
    card_dict,
    monthly_card,
    parse_month,
    rollup,
    rollup_dict,
    rollup_scope,
    rules_from,
)
from . import bp
from .helpers import api_roles
from .views import STAFF, site_by_code


def _settings() -> tuple[str, list]:
    config = current_app.config
    return config["TIMEZONE"], rules_from(config["REPORT_RULES"])


@bp.get("/v1/reports/monthly")
@api_roles(*STAFF)
def report_monthly():
    """A site's monthly report card (月报卡).
    ---
    get:
      summary: Monthly report card of a site; a month in the future is 422
      parameters:
        - {in: query, name: site, required: true, schema: {type: string}}
        - {in: query, name: month, schema: {type: string, pattern: '^\\d{4}-\\d{2}$'}, description: 'YYYY-MM, a local calendar month; default this month'}
      responses:
        200: {description: The card, content: {application/json: {schema: {$ref: '#/components/schemas/ReportCard'}}}}
        401: {$ref: '#/components/responses/Error'}
        403: {$ref: '#/components/responses/Error'}
        404: {$ref: '#/components/responses/Error'}
        422: {$ref: '#/components/responses/Error'}
    """
    tz, rules = _settings()
    month = parse_month(request.args.get("month"), tz=tz)
    site = site_by_code(request.args.get("site"))
    return jsonify(card_dict(monthly_card(site, month, tz=tz, rules=rules), tz=tz))


@bp.get("/v1/reports/township")
@api_roles(*STAFF)
def report_township():
    """The roll-up of a township's cards (or the city's, without a name) with escalating alerts.
    ---
    get:
      summary: Township or city roll-up of the monthly report cards
      parameters:
        - {in: query, name: name, schema: {type: string}, description: 'the township; omitted: the city (administrators) or the officer''s own township'}
        - {in: query, name: month, schema: {type: string, pattern: '^\\d{4}-\\d{2}$'}}
      responses:
        200: {description: The roll-up, content: {application/json: {schema: {$ref: '#/components/schemas/ReportRollup'}}}}
        401: {$ref: '#/components/responses/Error'}
        403: {$ref: '#/components/responses/Error'}
        404: {$ref: '#/components/responses/Error'}
        422: {$ref: '#/components/responses/Error'}
    """
    tz, rules = _settings()
    month = parse_month(request.args.get("month"), tz=tz)
    unit = rollup_scope(current_user, request.args.get("name"))
    return jsonify(rollup_dict(rollup(unit, month, tz=tz, rules=rules), tz=tz))

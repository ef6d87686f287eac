"""Reports under /api/v1: a site's monthly report card and the township or city roll-up."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_login import current_user

from ..auth.scope import township_for
from ..reports.card import card_dict
from ..reports.kept_card import monthly_card
from ..reports.months import parse_month
from ..reports.rating import parse_sort, rate, sort_ratings, weights_from
from ..reports.rollup import rollup, rollup_dict
from ..reports.rules import Rules, settings_rules
from ..reports.summary import summary
from .blueprint import bp
from .helpers import api_roles, paging, schemas
from .schemas import COMPONENTS
from .schemas.reports import RatingList
from .views import STAFF, site_by_code


def _settings() -> tuple[str, Rules]:
    config = current_app.config
    return config["TIMEZONE"], settings_rules(config)


@bp.get("/v1/reports/monthly")
@api_roles(*STAFF)
@schemas(get={200: ("The card", COMPONENTS["ReportCard"]())})
def report_monthly():
    """A site's monthly report card (月报卡).
    ---
    get:
      summary: Monthly report card of a site; a month in the future is 422
      parameters:
        - {in: query, name: site, required: true, schema: {type: string}}
        - {in: query, name: month, schema: {type: string, pattern: '^\\d{4}-\\d{2}$'}, description: 'YYYY-MM, a local calendar month; default the last complete month. The month in progress may be asked for: its quotas are then on track or behind (status), never not_met.'}
      responses:
        401: {$ref: '#/components/responses/Error'}
        403: {$ref: '#/components/responses/Error'}
        404: {$ref: '#/components/responses/Error'}
        422: {$ref: '#/components/responses/Error'}
    """
    tz, rules = _settings()
    month = parse_month(request.args.get("month"), tz=tz)
    site = site_by_code(request.args.get("site"))
    return jsonify(COMPONENTS["ReportCard"]().dump(
        card_dict(monthly_card(site, month, tz=tz, rules=rules), tz=tz)))


@bp.get("/v1/reports/township")
@api_roles(*STAFF)
@schemas(get={200: ("The roll-up", COMPONENTS["ReportRollup"]())})
def report_township():
    """The roll-up of a township's cards (or the city's, without a name) with escalating alerts.
    ---
    get:
      summary: Township or city roll-up of the monthly report cards
      parameters:
        - {in: query, name: name, schema: {type: string}, description: 'the township; omitted: the city (administrators) or the officer''s own township'}
        - {in: query, name: month, schema: {type: string, pattern: '^\\d{4}-\\d{2}$'}, description: 'YYYY-MM; default the last complete month. A month in progress raises no quota alert.'}
        - {in: query, name: limit, schema: {type: integer, minimum: 1, maximum: 500}, description: 'given: that many cards and alerts from offset (counted by the database: a city of 16,000 sites in tens of milliseconds); omitted: every card and alert'}
        - {in: query, name: offset, schema: {type: integer, minimum: 0, default: 0}, description: 'with limit: the first card and alert listed'}
      responses:
        401: {$ref: '#/components/responses/Error'}
        403: {$ref: '#/components/responses/Error'}
        404: {$ref: '#/components/responses/Error'}
        422: {$ref: '#/components/responses/Error'}
    """
    tz, rules = _settings()
    month = parse_month(request.args.get("month"), tz=tz)
    unit = township_for(current_user, request.args.get("name"))
    if "limit" in request.args or "offset" in request.args:
        limit, offset = paging()
        page = slice(offset, offset + limit)
        result = summary(unit, month, tz=tz, rules=rules, cards=page, alerts=page)
    else:
        result = rollup(unit, month, tz=tz, rules=rules)
    return jsonify(COMPONENTS["ReportRollup"]().dump(rollup_dict(result, tz=tz)))


@bp.get("/v1/reports/rating")
@api_roles(*STAFF)
@schemas(get={200: ("The sites with their stars", RatingList())})
def report_rating():
    """The five-star rating of the sites of a township (or the city) for a month, with reasons.
    ---
    get:
      summary: Five-star rating of sites from the weighted criteria of RATING_CRITERIA
      description: 'Same scope as the roll-up: administrators any township or the city (no township), a township officer their own township; operators and kiosks 403. stars is 1..5, or 0 for a site not rated (no screening that month and no data ever received). A criterion that does not apply to a site has score null and is left out of its score.'
      parameters:
        - {in: query, name: month, schema: {type: string, pattern: '^\\d{4}-\\d{2}$'}, description: 'YYYY-MM, a local calendar month; default the last complete month; a future month is 422. The month in progress is rated on the quotas met or on track.'}
        - {in: query, name: township, schema: {type: string}, description: 'the township; omitted: the city (administrators) or the officer''s own township'}
        - {in: query, name: sort, schema: {type: string, enum: [stars, stars_asc, site, township], default: stars}, description: 'stars: best first; stars_asc: worst first'}
        - limit
        - offset
      responses:
        401: {$ref: '#/components/responses/Error'}
        403: {$ref: '#/components/responses/Error'}
        404: {$ref: '#/components/responses/Error'}
        422: {$ref: '#/components/responses/Error'}
    """
    tz, rules = _settings()
    month = parse_month(request.args.get("month"), tz=tz)
    unit = township_for(current_user, request.args.get("township") or None)
    limit, offset = paging()
    sort = parse_sort(request.args.get("sort"))
    ratings = rate(rollup(unit, month, tz=tz, rules=rules).cards, month=month, tz=tz,
                   weights=weights_from(current_app.config["RATING_CRITERIA"]))
    ratings = sort_ratings(ratings, sort)
    return jsonify(RatingList().dump({
        "items": ratings[offset:offset + limit], "total": len(ratings)}))

"""Report pages: a site's monthly report card (月报卡) and the township or city roll-up."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.access import roles_required
from ..auth.roles import STAFF
from ..auth.scope import Area, area_for, site_or_404, township_for
from ..clock import shift, today
from ..paging import page_for
from . import dashboard as dash
from . import dashboard_page as dash_page
from .alerts import LEVELS
from .blueprint import bp
from .export import download
from .kept_card import monthly_card
from .labels import LEVEL_LABELS, RULE_LABELS
from .months import elapsed, parse_month
from .rating import CRITERION_LABELS, parse_sort, rate, rating_table, sort_ratings, weights_from
from .rollup import rollup
from .rules import Rules, settings_rules
from .summary import summary

RATING_PAGE = 100  # sites a page of the rating list; the download has them all


@bp.context_processor
def _labels():
    # translated once a request: a roll-up's tables name a rule or a level in every row
    return {"RULE_LABELS": {rule: str(label) for rule, label in RULE_LABELS.items()},
            "LEVEL_LABELS": {level: str(label) for level, label in LEVEL_LABELS.items()},
            "LEVELS": LEVELS,
            "CRITERION_LABELS": {name: str(label) for name, label in CRITERION_LABELS.items()},
            "shift": shift,
            "this_month": today(current_app.config["TIMEZONE"]).replace(day=1)}


def _settings() -> tuple[str, Rules]:
    config = current_app.config
    return config["TIMEZONE"], settings_rules(config)


@bp.route("/reports/")
@roles_required(*STAFF)
def index():
    """Operators go to their site's card; officers to their roll-up."""
    if current_user.role == "operator":
        if current_user.site is None:
            abort(403)
        return redirect(url_for("reports.monthly", site=current_user.site.code))
    return redirect(url_for("reports.township"))


@bp.route("/reports/monthly")
@roles_required(*STAFF)
def monthly():
    tz, rules = _settings()
    month = parse_month(request.args.get("month"), tz=tz)
    code = request.args.get("site") or (current_user.site.code if current_user.site else "")
    if not code:
        return redirect(url_for("reports.township", month=month.strftime("%Y-%m")))
    site = site_or_404(code)
    card = monthly_card(site, month, tz=tz, rules=rules)
    rating = rate([card], month=month, tz=tz,
                  weights=weights_from(current_app.config["RATING_CRITERIA"]))[0]
    return render_template("reports/card.html", card=card, month=month, tz=tz, rating=rating)


@bp.route("/reports/township")
@roles_required(*STAFF)
def township():
    tz, rules = _settings()
    month = parse_month(request.args.get("month"), tz=tz)
    unit = township_for(current_user, request.args.get("name"))
    pages = {}

    def pick(name: str, **options):
        def made(total: int) -> slice:
            page = pages[name] = page_for(total, **options)
            return slice(page.offset, page.offset + page.size)
        return made

    # counted by the database; only the page's cards and alerts are built (reports/summary.py)
    result = summary(unit, month, tz=tz, rules=rules, cards=pick("cards", anchor="site-cards"),
                     alerts=pick("alerts", arg="alerts_page", anchor="alerts"))
    levels = result.levels
    return render_template("reports/township.html", result=result, month=month, tz=tz,
                           elapsed=elapsed(month, tz),
                           cards=result.cards, page=pages["cards"],
                           alerts=result.alerts, alerts_page=pages["alerts"],
                           levels={level: levels[level] for level in reversed(LEVELS) if levels[level]})


def _dashboard_request() -> tuple[Area, dash_page.Params]:
    config = current_app.config
    tz = config["TIMEZONE"]
    params = dash_page.Params(last=parse_month(request.args.get("month"), tz=tz), tz=tz,
                         days=dash.parse_days(request.args.get("days"), config["IDLE_DAYS"]),
                         kind=dash.parse_kind(request.args.get("kind")), now=datetime.now(UTC))
    return area_for(current_user, request.args.get("township") or None), params


@bp.route("/reports/dashboard")
@roles_required(*STAFF)
def dashboard():
    """Twelve months of figures, idle sites and coverage for the user's area, with charts."""
    scope, params = _dashboard_request()
    page = dash_page.dashboard_page(current_user, scope, params)
    args = {k: v for k, v in request.args.items() if k in ("township", "month", "days", "kind") and v}
    downloads = {name: {fmt: url_for("reports.dashboard_export", table=name, fmt=fmt, **args)
                        for fmt in ("csv", "xlsx")} for name in dash_page.TABLES}
    return render_template("reports/dashboard.html", scope=scope, params=params, page=page,
                           downloads=downloads, IDLE_SHOWN=dash_page.IDLE_SHOWN,
                           townships=dash.township_names() if current_user.role == "admin" else [])


@bp.route("/reports/dashboard/<table>.<any(csv, xlsx):fmt>")
@roles_required(*STAFF)
def dashboard_export(table: str, fmt: str):
    """One dashboard table as CSV or XLSX, for the same area and parameters as the page."""
    scope, params = _dashboard_request()
    found = dash_page.table(table, current_user, scope, params)
    if found is None:
        abort(404)
    stem = f"dashboard-{table}-{scope.name or 'city'}-{params.last.strftime('%Y-%m')}"
    return download(found, fmt, stem)


def _ratings():
    tz, rules = _settings()
    month = parse_month(request.args.get("month"), tz=tz)
    unit = township_for(current_user, request.args.get("township") or None)
    sort = parse_sort(request.args.get("sort"))
    result = rollup(unit, month, tz=tz, rules=rules)
    ratings = rate(result.cards, month=month, tz=tz,
                   weights=weights_from(current_app.config["RATING_CRITERIA"]))
    return unit, month, sort_ratings(ratings, sort)


@bp.route("/reports/rating")
@roles_required(*STAFF)
def rating():
    """The sites of the user's area with their stars and the reasons, sortable by stars."""
    unit, month, ratings = _ratings()
    page = page_for(len(ratings), size=RATING_PAGE)
    stars = {n: sum(r.stars == n for r in ratings) for n in range(5, -1, -1)}
    return render_template("reports/rating.html", unit=unit, month=month, total=len(ratings),
                           ratings=page.of(ratings), page=page, stars=stars,
                           sort=request.args.get("sort") or "stars",
                           weights=weights_from(current_app.config["RATING_CRITERIA"]),
                           townships=dash.township_names() if current_user.role == "admin" else [])


@bp.route("/reports/rating.<any(csv, xlsx):fmt>")
@roles_required(*STAFF)
def rating_export(fmt: str):
    """The rating list as CSV or XLSX, one column per criterion's score."""
    unit, month, ratings = _ratings()
    weights = weights_from(current_app.config["RATING_CRITERIA"])
    stem = f"rating-{unit.name if unit else 'city'}-{month.strftime('%Y-%m')}"
    return download(rating_table(ratings, list(weights)), fmt, stem)

"""Report pages: a site's monthly report card (月报卡) and the township or city roll-up."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth.access import roles_required, site_or_404
from . import bp
from .services import (
    LEVELS,
    local_today,
    monthly_card,
    parse_month,
    rollup,
    rollup_scope,
    rules_from,
    shift,
)

STAFF = ("admin", "township", "operator")
RULE_LABELS = {
    "sessions": _l("Sessions held"),
    "group_sessions": _l("Group study sessions"),
    "hours": _l("Hours played"),
    "study_hours": _l("Study hours per party member"),
    "six_days": _l("Screenings on the 6th, 16th and 26th (days)"),
    "days_open": _l("Days open"),
    "attendance": _l("Attendance (present or late)"),
    "participation_rate": _l("Party member participation rate"),
}
LEVEL_LABELS = {"site": _l("Site"), "township": _l("Township"), "city": _l("City")}


@bp.context_processor
def _labels():
    return {"RULE_LABELS": RULE_LABELS, "LEVEL_LABELS": LEVEL_LABELS, "LEVELS": LEVELS,
            "shift": shift,
            "this_month": local_today(current_app.config["TIMEZONE"]).replace(day=1)}


def _settings() -> tuple[str, list]:
    config = current_app.config
    return config["TIMEZONE"], rules_from(config["REPORT_RULES"])


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
    return render_template("reports/card.html", card=card, month=month, tz=tz)


@bp.route("/reports/township")
@roles_required(*STAFF)
def township():
    tz, rules = _settings()
    month = parse_month(request.args.get("month"), tz=tz)
    unit = rollup_scope(current_user, request.args.get("name"))
    result = rollup(unit, month, tz=tz, rules=rules)
    return render_template("reports/township.html", result=result, month=month, tz=tz)

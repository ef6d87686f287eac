"""The home page of each role: parse, call home.services, render."""

from __future__ import annotations

from flask import current_app, render_template
from flask_login import current_user

from ..auth.roles import ADMIN, OPERATOR, TOWNSHIP
from ..auth.scope import visible_sites
from ..catalog.titles import catalog_counts
from ..clock import now
from ..models import Site
from ..places.services import sites_by_kind
from ..reports.labels import LEVEL_LABELS, RULE_LABELS
from . import services


def home_page():
    """The signed-in user's home page by role, or None for a login with no site or township
    (a kiosk never gets here)."""
    tz = current_app.config["TIMEZONE"]
    if current_user.role == OPERATOR and current_user.site is not None:
        return render_template("home/operator.html", tz=tz, page=services.operator_today(
            current_user.site, now=now(), tz=tz))
    if current_user.role == TOWNSHIP and current_user.unit is not None:
        page = services.township_home(current_user.unit, now=now(), tz=tz)
        return render_template("home/township.html", tz=tz, page=page, SHOWN=services.SHOWN,
                               RULE_LABELS=RULE_LABELS, LEVEL_LABELS=LEVEL_LABELS)
    if current_user.role == ADMIN:
        site_ids = visible_sites(current_user).with_only_columns(Site.id)
        return render_template("home/admin.html", net=services.network(now=now(), tz=tz),
                               by_kind=sites_by_kind(site_ids), stats=catalog_counts(site_ids))
    return None  # an operator with no site, an officer with no township: the overview

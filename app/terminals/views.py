"""The hub's Terminals page: each site's health and problems, worst first; and its download."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, render_template, url_for
from flask_login import current_user

from ..auth.access import roles_required
from ..auth.roles import OFFICERS
from ..auth.scope import visible_sites
from ..i18n import machine_time
from ..paging import page_for
from ..reports.export import download
from .blueprint import bp
from .services import (
    Limits,
    gigabytes,
    offset_text,
    problems,
    readiness_label,
    terminals,
    terminals_table,
)


def _rows():
    limits = Limits.from_config(current_app.config)
    return terminals(visible_sites(current_user), now=datetime.now(UTC), limits=limits), limits


@bp.route("/terminals")
@roles_required(*OFFICERS)
def index():
    rows, limits = _rows()
    page = page_for(len(rows), anchor="terminals")
    alerting = sum(1 for row in rows if row.alerts)
    downloads = {fmt: url_for("terminals.export", fmt=fmt) for fmt in ("csv", "xlsx")}
    return render_template("terminals/index.html", rows=page.of(rows), page=page,
                           total=len(rows), alerting=alerting, limits=limits,
                           downloads=downloads, problems=problems, offset_text=offset_text,
                           gigabytes=gigabytes, readiness_label=readiness_label)


@bp.route("/terminals.<any(csv, xlsx):fmt>")
@roles_required(*OFFICERS)
def export(fmt: str):
    rows, limits = _rows()
    return download(terminals_table(rows, limits, show_time=machine_time), fmt, "terminals")

"""The operator's reflections page of a screening, and the month's reflections downloaded with
the site's report card."""

from __future__ import annotations

import uuid

from flask import abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..attendance.rollcall import load
from ..attendance.sheet import roster
from ..auth.access import roles_required
from ..auth.roles import STAFF
from ..auth.scope import site_or_404
from ..clock import local
from ..models.people import COUNTED
from ..pages import save
from ..reports.export import Table, download
from ..reports.months import parse_month
from .blueprint import bp
from .forms import ReflectionsForm
from .reflections import reflections_in_month, reflections_of, write_many


def _posted_texts(person_ids) -> dict[uuid.UUID, str]:
    return {pid: request.form[f"text-{pid}"] for pid in person_ids
            if f"text-{pid}" in request.form}


@bp.route("/screenings/<screening_id>/reflections", methods=["GET", "POST"])
@roles_required(*STAFF)
def screening_reflections(screening_id: str):
    """Type the reflections (心得) of the people who attended, one box each."""
    screening = load(screening_id, change=request.method == "POST")
    rows = [r for r in roster(screening)
            if r.attendance is not None and r.attendance.status in COUNTED]
    form = ReflectionsForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        texts = _posted_texts([r.person.id for r in rows])
        saved = save(lambda: write_many(screening, texts, by=current_user.username),
                     lambda n: _("%(num)d reflections saved.", num=n) if n else None,
                     url_for("notices.screening_reflections", screening_id=screening.id))
        if saved is not None:
            return saved
        return render_template("notices/reflections.html", screening=screening, rows=rows,
                               kept=reflections_of(screening), posted=texts, form=form), 422
    return render_template("notices/reflections.html", screening=screening, rows=rows,
                           kept=reflections_of(screening), posted={}, form=form)


@bp.route("/reports/monthly/reflections.<any(csv, xlsx):fmt>")
@roles_required(*STAFF)
def card_reflections(fmt: str):
    """The reflections on a site's screenings of a month, beside its report card."""
    tz = current_app.config["TIMEZONE"]
    month = parse_month(request.args.get("month"), tz=tz)
    code = request.args.get("site") or (current_user.site.code if current_user.site else "")
    if not code:
        abort(404)
    site = site_or_404(code)
    methods = {"phone": _("phone"), "operator": _("operator")}
    table = Table("reflections", _("Reflections"), [
        ("date", _("Date")), ("topic", _("Topic")), ("person", _("Name")),
        ("village", _("Village")), ("text", _("Reflection")), ("method", _("Written on")),
        ("by", _("Typed by"))])
    for row, screening in reflections_in_month(site.id, month, tz):
        table.rows.append({
            "date": local(screening.starts_at, tz).strftime("%Y-%m-%d %H:%M"),
            "topic": screening.topic, "person": row.person.name,
            "village": row.person.village.name if row.person.village else None,
            "text": row.text, "method": methods.get(row.method, row.method),
            "by": row.written_by})
    return download(table, fmt, f"reflections-{site.code}-{month:%Y-%m}")

"""Site pages: list and filter, view and edit, import from CSV or XLSX."""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..auth.access import roles_required
from ..auth.scope import site_or_404, visible_sites, visible_units
from ..errors import DianjiaoError
from ..extensions import db
from ..labels import SITE_KIND_LABELS
from ..models import Site, Unit
from ..pages import save
from ..paging import paginate
from .blueprint import bp
from .forms import ImportForm, SiteForm, UnitForm
from .services import (
    filter_sites,
    import_sites,
    present_files,
    read_table,
    rename_unit,
    township_names,
)


@bp.route("/sites/")
@roles_required("admin", "township", "operator")
def index():
    kind = request.args.get("kind") or None
    township = request.args.get("township") or None
    q = request.args.get("q") or None
    query = filter_sites(visible_sites(current_user), kind=kind, township=township, q=q)
    # a row shows its township and village: the units above a site, read with the page
    sites, page = paginate(query.options(
        selectinload(Site.unit).selectinload(Unit.parent).selectinload(Unit.parent)))
    return render_template(
        "places/index.html", sites=sites, page=page, kinds=SITE_KIND_LABELS,
        townships=township_names(), kind=kind, township=township, q=q,
    )


@bp.route("/sites/<code>", methods=["GET", "POST"])
@roles_required("admin", "township", "operator")
def detail(code: str):
    site = site_or_404(code)
    form = SiteForm(obj=site)
    if current_user.role == "operator":
        # An operator keeps the name and contact details; what kind of site it is, and whether
        # it counts in roll-ups, alerts and ratings, is the township's to say.
        del form.kind, form.active
    if form.validate_on_submit():
        site = site_or_404(code, change=True)
        return save(lambda: form.populate_obj(site), _("Site saved."),
                    url_for("places.detail", code=code), raising=(DianjiaoError,))
    return render_template("places/detail.html", site=site, form=form, files=present_files(site))


@bp.route("/sites/import", methods=["GET", "POST"])
@roles_required("admin")
def import_file():
    form = ImportForm()
    errors, failed = None, False
    if form.validate_on_submit():
        upload = form.file.data
        refusals: list[DianjiaoError] = []

        def refused(exc: DianjiaoError) -> None:
            flash(exc.message, "error")
            refusals.append(exc)

        saved = save(lambda: import_sites(read_table(upload.filename, upload.read())),
                     lambda report: _("Imported: %(c)d new, %(u)d updated, %(n)d unchanged.",
                                      c=report.created, u=report.updated, n=report.unchanged),
                     url_for("places.index"), refused=refused)
        if saved is not None:
            return saved
        errors, failed = refusals[0].details, True
    status = 422 if failed or form.errors else 200
    return render_template("places/import.html", form=form, errors=errors), status


@bp.route("/units", methods=["GET", "POST"])
@roles_required("admin", "township")
def units():
    """The tree of places (city, townships, villages) with their sites; admins rename units."""
    if request.method == "POST":
        if current_user.role != "admin":
            abort(403)
        form = UnitForm()
        unit = db.session.get(Unit, _uuid_or_404(request.form.get("unit_id", "")))
        if unit is None:
            abort(404)
        if form.validate_on_submit():
            return save(lambda: rename_unit(unit, form.name.data), _("Place renamed."),
                        url_for("places.units"), back=True)
        return redirect(url_for("places.units"))
    scope = visible_units(current_user)
    all_units = db.session.scalars(select(Unit).order_by(Unit.name)).all()
    children: dict = {}
    for unit in all_units:
        children.setdefault(unit.parent_id, []).append(unit)
    counts = dict(db.session.execute(
        select(Site.unit_id, func.count(Site.id)).group_by(Site.unit_id)).all())
    roots = [u for u in all_units if (scope is None and u.parent_id is None)
             or (scope is not None and u.id == current_user.unit_id)]
    return render_template("places/units.html", roots=roots, children=children, counts=counts,
                           form=UnitForm())


def _uuid_or_404(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        abort(404)

"""Distribution pages: batches, consigning kits, kit labels, receipts, whereis and coverage."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import selectinload

from .. import limits
from ..auth.access import roles_required
from ..auth.roles import OFFICERS, STAFF
from ..auth.scope import site_or_404
from ..catalog.picking import apply_pick, picker
from ..catalog.titles import titles_matching
from ..errors import DianjiaoError, Forbidden
from ..extensions import db
from ..lookup import by_id
from ..models import Batch, Shipment, Title, Unit
from ..models.catalog import SERIES
from ..pages import save
from ..paging import page_for, paginate
from ..places.tree import Tree, township_named
from ..public_url import public_url, unreachable
from ..qrcodes import svg as qr_svg
from .batches import (
    batch_or_404,
    batch_titles,
    batch_townships,
    create_batch,
    kits_by_township,
    recent_batches,
)
from .blueprint import bp
from .coverage import KIND_PLURALS, coverage, series_whereis, township_lines
from .forms import BatchForm, ConfirmForm, ConsignForm, ReceiveForm, StatusForm
from .holdings import holder_dict, holdings, sorted_holders
from .kits import (
    ENDINGS,
    FORM_LABELS,
    STATUS_LABELS,
    choose_sites,
    consign,
    kit_or_404,
    may_receive,
    replace,
    replaced_ids,
    send_planned,
    set_status,
    shipment_or_404,
    shipments_query,
    status_counts,
    status_counts_by_batch,
    township_choices,
)
from .manifest import manifest, missing_files


@bp.context_processor
def _labels():
    return {"KIT_STATUS_LABELS": STATUS_LABELS, "FORM_LABELS": FORM_LABELS,
            "KIND_PLURALS": KIND_PLURALS}


def _split(text: str | None) -> list[str]:
    return [part for part in re.split(r"[\s,，、;；]+", text or "") if part]


@bp.route("/distribution/")
@roles_required(*STAFF)
def index():
    if current_user.role == "operator":
        if current_user.site is None:
            abort(403)
        return redirect(url_for("distribution.site_kits", code=current_user.site.code))
    return render_template("distribution/index.html", batches=recent_batches(),
                           counts=status_counts_by_batch(current_user), series=SERIES)


def _prefill(args) -> dict:
    """A new batch's fields given in the query string (a teaching plan's lacking titles):
    ?name=...&title=ID&title=ID&sites=P-001,P-002; ignored once the form is posted."""
    if request.method != "GET":
        return {}
    data = {"name": args.get("name"), "titles": args.getlist("title"),
            "sites": ", ".join(_split(args.get("sites")))}
    return {key: value for key, value in data.items() if value}


@bp.route("/distribution/batches/new", methods=["GET", "POST"])
@roles_required(*OFFICERS)
def new_batch():
    form = BatchForm(**_prefill(request.args))
    picking = request.method == "POST" and bool(request.form.get("titles_pick"))
    if not picking and form.validate_on_submit():
        saved = save(lambda: create_batch(form.name.data, form.form.data, form.titles.data or [],
                                          made_on=form.made_on.data, notes=form.notes.data),
                     _("Batch made. Now consign it to sites."),
                     lambda batch: url_for("distribution.batch", batch_id=batch.id,
                                           sites=form.sites.data or None,
                                           _anchor="consign" if form.sites.data else None))
        if saved is not None:
            return saved
    # The title picker (catalog/picking.py): the titles the city approved, by pinyin.
    form.titles.data = apply_pick(request.form.get("titles_pick"), list(form.titles.data or []),
                                  limit=limits.BATCH_TITLES)
    state = picker(None, form.titles.data, request.values.get("titles_q"),
                   unit=current_user.unit if current_user.role == "township" else None)
    status = 422 if request.method == "POST" and not picking else 200
    return render_template("distribution/batch_form.html", form=form, picker=state), status


def _batch(batch_id: str) -> Batch:
    try:
        return batch_or_404(batch_id)
    except DianjiaoError:
        abort(404)


def _township_filter() -> Unit | None:
    """The township asked for (?township=); a township officer is always held to their own."""
    name = request.args.get("township") or None
    if current_user.role == "township":
        if name and name != current_user.unit.name:
            abort(403)
        return current_user.unit
    if not name:
        return None
    try:
        return township_named(name)
    except DianjiaoError:
        abort(404)


@bp.route("/distribution/batches/<batch_id>")
@roles_required(*OFFICERS)
def batch(batch_id: str):
    batch = _batch(batch_id)
    township = _township_filter() if current_user.role == "admin" else None
    status = request.args.get("status") or None
    if status not in (None, *STATUS_LABELS):
        status = None
    shipments, page = paginate(
        shipments_query(current_user, batch=batch, township=township, status=status)
        .options(selectinload(Shipment.site)), anchor="kits")
    consign_form = ConsignForm(sites=", ".join(_split(request.args.get("sites"))) or None)
    consign_form.townships.choices = [(n, n) for n in township_choices(current_user)]
    return render_template(
        "distribution/batch.html", batch=batch, titles=batch_titles(batch), shipments=shipments,
        page=page, statuses=status_counts(current_user, batch, township),
        consign_form=consign_form, status_form=StatusForm(), confirm=ConfirmForm(),
        townships=batch_townships(current_user, batch), township=township, status=status,
        replaced=replaced_ids(batch), endings=ENDINGS, places=Tree())


@bp.route("/distribution/batches/<batch_id>/consign", methods=["POST"])
@roles_required(*OFFICERS)
def consign_batch(batch_id: str):
    batch = _batch(batch_id)
    form = ConsignForm()
    form.townships.choices = [(n, n) for n in township_choices(current_user)]
    if not form.validate_on_submit():
        for name, errors in form.errors.items():
            for error in errors:
                flash(f"{form[name].label.text}: {error}", "error")
        return redirect(url_for("distribution.batch", batch_id=batch.id))
    try:
        sites = choose_sites(current_user, codes=_split(form.sites.data), kinds=form.kinds.data,
                             townships=form.townships.data, villages=_split(form.villages.data))
    except DianjiaoError as exc:
        flash(exc.message, "error")
        return redirect(url_for("distribution.batch", batch_id=batch.id))
    return save(lambda: consign(batch, sites, copies=form.copies.data, form=form.form.data or None),
                lambda result: ngettext("%(num)d kit planned.", "%(num)d kits planned.",
                                        len(result.created)),
                url_for("distribution.batch", batch_id=batch.id), back=True, one_at_a_time=True,
                notes=lambda result: [_("Already consigned, skipped: %(codes)s.",
                                        codes=", ".join(s.code for s in result.skipped))]
                if result.skipped else [])


@bp.route("/distribution/batches/<batch_id>/send", methods=["POST"])
@roles_required(*OFFICERS)
def send_all(batch_id: str):
    """Mark every planned kit of the batch (in the caller's area, or one township) sent."""
    batch = _batch(batch_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    township = _township_filter()
    return save(lambda: send_planned(current_user, batch, township),
                lambda kits: ngettext("%(num)d kit marked sent.", "%(num)d kits marked sent.",
                                      len(kits)),
                url_for("distribution.batch", batch_id=batch.id), raising=(DianjiaoError,))


def _shipment(shipment_id: str) -> Shipment:
    try:
        shipment = shipment_or_404(shipment_id)
    except DianjiaoError:
        abort(404)
    site_or_404(shipment.site.code)
    return shipment


def _back(shipment: Shipment) -> str:
    """Where a kit's action leads back to: the page it was sent from, else the kit's list."""
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return target
    if current_user.role == "operator":
        return url_for("distribution.site_kits", code=shipment.site.code)
    return url_for("distribution.batch", batch_id=shipment.batch_id)


@bp.route("/distribution/shipments/<shipment_id>/status", methods=["POST"])
@roles_required(*STAFF)
def change_status(shipment_id: str):
    shipment = _shipment(shipment_id)
    form = StatusForm()
    if not form.validate_on_submit():
        flash(_("Choose a status."), "error")
        return redirect(_back(shipment))
    return save(lambda: set_status(shipment, form.status.data, user=current_user,
                                   received_by=request.form.get("received_by")),
                lambda changed: _("Kit %(serial)s is now %(status)s.", serial=shipment.serial,
                                  status=STATUS_LABELS[shipment.status]) if changed else None,
                _back(shipment), back=True, raising=(Forbidden,))


@bp.route("/distribution/shipments/<shipment_id>/replace", methods=["POST"])
@roles_required(*OFFICERS)
def replace_kit(shipment_id: str):
    shipment = _shipment(shipment_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return save(lambda: replace(shipment, user=current_user),
                lambda new: _("Replacement kit %(serial)s planned.", serial=new.serial),
                _back(shipment), back=True, raising=(Forbidden,), one_at_a_time=True)


def _grouped(batch: Batch) -> list[tuple[str, list[Shipment]]]:
    """The batch's live kits in the caller's area (or the township asked for), by township."""
    return kits_by_township(current_user, batch, _township_filter())


@bp.route("/distribution/batches/<batch_id>/labels")
@roles_required(*OFFICERS)
def labels(batch_id: str):
    batch = _batch(batch_id)
    groups = _grouped(batch)
    addresses = {kit.id: public_url("distribution.kit", serial=kit.serial)
                 for _name, kits in groups for kit in kits}
    codes = {kit_id: qr_svg(address) for kit_id, address in addresses.items()}
    return render_template("distribution/labels.html", batch=batch, groups=groups, codes=codes,
                           addresses=addresses, titles=batch_titles(batch), places=Tree(),
                           unreachable=unreachable())


@bp.route("/distribution/batches/<batch_id>/<any(dispatch, receipt):sheet>")
@roles_required(*OFFICERS)
def sheet(batch_id: str, sheet: str):
    batch = _batch(batch_id)
    return render_template("distribution/sheet.html", batch=batch, sheet=sheet,
                           groups=_grouped(batch), titles=batch_titles(batch), places=Tree(),
                           files=manifest(batch) if sheet == "dispatch" else [])


@bp.route("/distribution/sites/<code>/kits")
@roles_required(*STAFF)
def site_kits(code: str):
    site = site_or_404(code)
    kits = db.session.scalars(shipments_query(current_user, site=site)).all()
    return render_template("distribution/site_kits.html", site=site, kits=kits,
                           receive_form=ReceiveForm(), status_form=StatusForm())


@bp.route("/kits/<serial>")
@roles_required(*STAFF)
def kit(serial: str):
    try:
        shipment = kit_or_404(serial)
    except DianjiaoError:
        abort(404)
    site_or_404(shipment.site.code)
    form = ReceiveForm(received_by=shipment.site.contact_name or current_user.username)
    return render_template("distribution/kit.html", kit=shipment, form=form,
                           titles=batch_titles(shipment.batch), files=manifest(shipment.batch),
                           missing=missing_files(shipment)
                           if shipment.status in ("sent", "received") else [],
                           can_receive=may_receive(current_user, shipment)
                           and shipment.status in ("planned", "sent"))


@bp.route("/kits/<serial>/receive", methods=["POST"])
@roles_required(*STAFF)
def receive(serial: str):
    try:
        shipment = kit_or_404(serial)
    except DianjiaoError:
        abort(404)
    if not may_receive(current_user, shipment):
        abort(403)
    form = ReceiveForm()
    if not form.validate_on_submit():
        abort(400)
    return save(lambda: set_status(shipment, "received", user=current_user,
                                   received_by=form.received_by.data),
                lambda changed: _("Receipt of kit %(serial)s confirmed.", serial=serial)
                if changed else None,
                url_for("distribution.kit", serial=serial), back=True)


@bp.route("/distribution/whereis")
@roles_required(*STAFF)
def whereis():
    title = by_id(Title, request.args.get("title")) if request.args.get("title") else None
    series = request.args.get("series") or None
    q = request.args.get("q") or None
    matches = titles_matching(q, limit=50) if q else []
    holders, lines, of = [], [], 0
    if title is not None:
        of = 1
        holders = sorted_holders(holdings(current_user, [title.id]))
    elif series:
        try:
            found = series_whereis(current_user, series)
        except DianjiaoError as exc:
            flash(exc.message, "error")
        else:
            holders, lines, of = found.holders, found.lines, found.of
    page = page_for(len(holders), anchor="holders")
    return render_template(
        "distribution/whereis.html", title=title, series=series, q=q, matches=matches,
        holders=[holder_dict(h, of) for h in page.of(holders)], page=page, lines=lines,
        all_series=SERIES)


@bp.route("/distribution/coverage")
@roles_required(*STAFF)
def coverage_page():
    series = request.args.get("series") or None
    rows, count = [], 0
    if series:
        try:
            rows, count = coverage(current_user, series)
        except DianjiaoError as exc:
            flash(exc.message, "error")
    return render_template("distribution/coverage.html", series=series, rows=rows, count=count,
                           all_series=SERIES, lines=township_lines(series, rows) if rows else [])


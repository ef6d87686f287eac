"""Sync pages: export to USB and upload on a site; every site's last bundle on the hub."""

from __future__ import annotations

import io
import os
from functools import wraps
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import clock
from ..auth.access import roles_required
from ..auth.scope import site_or_404, visible_sites
from ..errors import Conflict, DianjiaoError
from ..extensions import db, login_manager
from ..install import is_site
from ..models import Site, SyncPeer
from ..pages import save, unit_of_work
from ..paging import page_for, paginate
from .blueprint import bp
from .export import export_bundle
from .forms import ConfirmForm, ExportForm, UploadForm
from .services import enroll_peer, hub_peer, my_code, revoke, rotate_key, site_peer
from .status import conflicts_of, enrolled_to_hub, hub_code, hub_overview, links
from .uploads import download_name, import_upload, save_upload

SITE_ROLES = ("admin", "operator")
HUB_ROLES = ("admin", "township")
MAX_DAYS = 3650


def sync_roles(view):
    """On a site its admin and operators; on the hub its admin and the township officers."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role not in (SITE_ROLES if is_site() else HUB_ROLES):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def hub_only(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if is_site():
            abort(404)
        return view(*args, **kwargs)

    return wrapped


@bp.url_value_preprocessor
def _bundle_size(endpoint, _values):
    # Runs before the CSRF check reads the form: a bundle may be larger than other uploads.
    if endpoint == "sync.upload":
        request.max_content_length = int(current_app.config["SYNC_MAX_BUNDLE_MB"]) * 1024 * 1024


def _download(buffer: io.BytesIO, summary: dict):
    for warning in summary.get("warnings") or []:
        flash(warning, "error")
    day = clock.now().astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime("%Y%m%d")
    buffer.seek(0)
    response = send_file(buffer, mimetype="application/zip", as_attachment=True,
                         download_name=download_name(summary, day))
    response.headers["Cache-Control"] = "no-store"  # an enrollment bundle carries a key
    return response


def _days() -> tuple[int, str | None]:
    """The ?days= of the hub page: whole days from 1 to MAX_DAYS, else the default and why."""
    default = int(current_app.config["SYNC_STALE_DAYS"])
    raw = request.args.get("days", "").strip()
    if not raw:
        return default, None
    if raw.isdigit() and 1 <= int(raw) <= MAX_DAYS:
        return int(raw), None
    return default, _("Days must be a whole number from 1 to %(max)d; showing %(days)d.",
                      max=MAX_DAYS, days=default)


def _township_codes() -> list[str] | None:
    """The site codes a township officer may see; None for everyone else (no limit)."""
    if current_user.role != "township":
        return None
    return list(db.session.scalars(visible_sites(current_user).with_only_columns(Site.code)))


NEVER_PAGE = 20  # never-enrolled sites shown at a time


def _enrolled_site() -> bool:
    return is_site() and enrolled_to_hub()


def _page(upload: UploadForm, *, result: dict | None = None, refusal: str | None = None,
          status: int = 200):
    if is_site():
        try:
            peer = hub_peer()
        except DianjiaoError:
            peer = None
        link = next((row for row in links(clock.now()) if peer and row["code"] == peer.code), None)
        return render_template("sync/site.html", code=my_code(), peer=peer, link=link,
                               upload=upload, export=ExportForm(), result=result,
                               refusal=refusal), status
    days, days_error = _days()
    sites = db.session.scalars(visible_sites(current_user).order_by(Site.code)).all()
    overview = hub_overview(sites, days, clock.now())
    # At the network's size most sites are never enrolled: both lists page, the problems first
    # (hub_overview's order), and the never-enrolled ones can be searched by code or name.
    links_page = page_for(len(overview["links"]), anchor="links")
    q = request.args.get("q", "").strip()[:40]
    never = [s for s in overview["never"] if not q or q.lower() in s.code.lower() or q in s.name]
    never_page = page_for(len(never), size=NEVER_PAGE, arg="never_page", anchor="never")
    hub_id = hub_code()
    if days_error and status == 200:
        status = 422
    return render_template("sync/hub.html", overview=overview, days=days, days_error=days_error,
                           links=links_page.of(overview["links"]), links_page=links_page,
                           never=never_page.of(never), never_page=never_page, q=q,
                           hub_id=hub_id, upload=upload, export=ExportForm(), result=result,
                           refusal=refusal), status


@bp.route("/")
@sync_roles
def index():
    return _page(UploadForm())


@bp.route("/import", methods=["POST"])
@sync_roles
def upload():
    form = UploadForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    try:
        with unit_of_work():
            path = save_upload(form.file.data)
            try:
                summary = import_upload(path, origins=_township_codes(),
                                        enrolled=_enrolled_site())
            finally:
                os.unlink(path)
    except DianjiaoError as exc:
        return _page(UploadForm(formdata=None), refusal=exc.message, status=exc.status)
    return _page(UploadForm(formdata=None), result=summary)


@bp.route("/export", methods=["POST"])
@sync_roles
def export():
    """On a site: the bundle for the hub, as a download (to carry on a USB stick)."""
    if not is_site():
        abort(404)
    form = ExportForm()
    if not form.validate_on_submit():
        abort(400)
    buffer = io.BytesIO()
    summary = export_bundle(buffer, full=form.full.data)
    return _download(buffer, summary)


# --- the hub's per-site actions (admin only) ---------------------------------------------------

@bp.route("/sites/<code>/enroll", methods=["POST"])
@roles_required("admin")
@hub_only
def enroll(code: str):
    """Make the site's enrollment bundle; enrolling a live link again needs a confirmation."""
    site = site_or_404(code)
    form = ConfirmForm()
    peer = db.session.scalar(select(SyncPeer).where(SyncPeer.kind == "site",
                                                    SyncPeer.code == code))
    live = peer is not None and peer.revoked_at is None
    if live and not (form.validate_on_submit() and form.confirm.data):
        asked = "asked" in request.form  # the confirmation page was sent without the tick
        return render_template("sync/confirm.html", site=site, action="enroll", form=form,
                               asked=asked), 422 if asked else 200
    enroll_peer(code)
    buffer = io.BytesIO()
    summary = export_bundle(buffer, to=code, enroll=True)
    return _download(buffer, summary)


@bp.route("/sites/<code>/export", methods=["POST"])
@roles_required("admin")
@hub_only
def export_site(code: str):
    site_or_404(code)
    form = ExportForm()
    if not form.validate_on_submit():
        abort(400)
    peer = site_peer(code)
    if peer.revoked_at is not None:
        raise Conflict(_("Site %(code)s was revoked: a bundle for it could be read by whoever "
                         "holds its old key. Enroll it again instead.", code=code))
    buffer = io.BytesIO()
    summary = export_bundle(buffer, to=code, full=form.full.data)
    return _download(buffer, summary)


@bp.route("/sites/<code>/rotate", methods=["POST"])
@roles_required("admin")
@hub_only
def rotate(code: str):
    site_or_404(code)
    return save(lambda: rotate_key(code),
                lambda peer: _("Site %(code)s has a new key (version %(v)d). It reaches the site "
                               "with the next bundle; the old key works until the site answers "
                               "with the new one.", code=code, v=peer.key_version),
                url_for("sync.index"), raising=(DianjiaoError,))


@bp.route("/sites/<code>/revoke", methods=["GET", "POST"])
@roles_required("admin")
@hub_only
def revoke_site(code: str):
    site = site_or_404(code)
    peer = site_peer(code)
    form = ConfirmForm()
    if form.validate_on_submit() and form.confirm.data:
        return save(lambda: revoke(code) if peer.revoked_at is None else None,
                    _("Site %(code)s is revoked: its bundles are refused from now on. Enroll it "
                      "again to give it a new key.", code=code),
                    url_for("sync.index"), raising=(DianjiaoError,))
    asked = request.method == "POST"
    return render_template("sync/confirm.html", site=site, action="revoke", form=form,
                           asked=asked), 422 if asked else 200


# --- conflicts ----------------------------------------------------------------------------------

@bp.route("/conflicts")
@sync_roles
def conflicts():
    """Every field both sides changed, newest first; a township officer sees their sites'."""
    rows, page = paginate(conflicts_of(_township_codes()))
    return render_template("sync/conflicts.html", rows=rows, page=page)

"""The home page and the error pages / JSON error envelope."""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from . import labels
from .auth.access import roles_required, visible_sites
from .errors import DianjiaoError, Invalid
from .extensions import db
from .models import FileEntry, LibraryRoot, MediaFile, Site, Title

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.role == "kiosk":
        return redirect(url_for("auth.kiosk"))
    return dashboard()


@roles_required("admin", "township", "operator")
def dashboard():
    site_ids = visible_sites(current_user).with_only_columns(Site.id)
    by_kind = db.session.execute(
        select(Site.kind, func.count(Site.id)).where(Site.id.in_(site_ids)).group_by(Site.kind)
    ).all()
    files = db.session.scalar(
        select(func.count(func.distinct(FileEntry.media_file_id))).join(LibraryRoot)
        .where(LibraryRoot.site_id.in_(site_ids), FileEntry.missing.is_(False)))
    stats = {
        "titles": db.session.scalar(select(func.count(Title.id))),
        "approved": db.session.scalar(select(func.count(Title.id)).where(Title.approved)),
        "files": files or 0,
        "unassigned": db.session.scalar(
            select(func.count(MediaFile.id)).where(MediaFile.title_id.is_(None))),
    }
    return render_template("home.html", by_kind=by_kind, stats=stats)


ERROR_TEXT = {
    400: lambda: _("The request was not understood."),
    401: lambda: _("Please log in."),
    403: lambda: _("You are not allowed to open this page."),
    404: lambda: _("This page does not exist."),
    405: lambda: _("This action is not allowed here."),
    413: lambda: _("The file is too large."),
    422: lambda: _("The data sent could not be used."),
    429: lambda: _("Too many attempts. Wait a minute and try again."),
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(status: int, code: str, message: str):
    if wants_json():
        return jsonify(error={"code": code, "message": message}), status
    return render_template("error.html", status=status, message=message), status


def _has_nul(value) -> bool:
    """Whether a NUL character is in any text of a query, a form or a JSON document."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    if hasattr(value, "lists"):  # a MultiDict: every value of every key
        return any(_has_nul(k) or _has_nul(vs) for k, vs in value.lists())
    return False


def _refuse_nul():
    """Text with a NUL character is refused on every request: PostgreSQL cannot store it (it was
    a 500 there, in names, notes and searches alike) and no text typed by a person holds one."""
    body = request.get_json(silent=True) if request.is_json else None
    # Only a plain form is read here: reading a multipart upload now would apply the pages'
    # size limit before a view can set its own (a sync bundle may be larger).
    form = request.form if request.mimetype == "application/x-www-form-urlencoded" else None
    if _has_nul(request.args) or _has_nul(form) or _has_nul(body):
        raise Invalid(_("The text sent contains a NUL character, which cannot be stored."))


def init_app(app: Flask) -> None:
    labels.init_app(app)
    app.register_blueprint(bp)
    app.before_request(_refuse_nul)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        text = ERROR_TEXT.get(exc.code)
        message = text() if text else (exc.description or exc.name)
        if isinstance(exc, CSRFError):
            message = _("The form expired or was sent from elsewhere. Reload the page and try again.")
        code = exc.name.lower().replace(" ", "_")
        return error_response(exc.code or 500, code, message)

    @app.errorhandler(DianjiaoError)
    def _domain_error(exc: DianjiaoError):
        db.session.rollback()
        return error_response(exc.status, exc.code, exc.message)

"""The home page and the error pages / JSON error envelope."""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from flask import Blueprint, Flask, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from . import labels, limits
from .auth.access import roles_required
from .auth.scope import visible_sites
from .catalog.titles import catalog_counts
from .errors import DianjiaoError, Invalid
from .extensions import db
from .home.views import home_page
from .models import Site
from .places.services import sites_by_kind

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.role == "kiosk":
        return redirect(url_for("auth.kiosk"))
    return dashboard()


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico before reading the page's <link rel="icon">: send the SVG."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@roles_required("admin", "township", "operator")
def dashboard():
    """The role's home page (home/views.py); the catalogue's overview for a login with no site
    or township yet."""
    page = home_page()
    if page is not None:
        return page
    site_ids = visible_sites(current_user).with_only_columns(Site.id)
    return render_template("home/overview.html", by_kind=sites_by_kind(site_ids),
                           stats=catalog_counts(site_ids))


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


def _text_problem(value) -> str | None:
    """What is wrong with the text of a query, a form or a JSON document: "nul" (a NUL
    character), "broken" (a lone UTF-16 surrogate), "deep" (nested beyond JSON_DEPTH), or None.

    Walks without recursion: a document nested thousands deep must not exhaust the stack."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return "nul"
            if _SURROGATE.search(item):
                return "broken"
        elif isinstance(item, dict | list):
            if depth >= limits.JSON_DEPTH:
                return "deep"
            children = (item.items() if isinstance(item, dict) else enumerate(item))
            for key, child in children:
                stack.append((key, depth + 1))
                stack.append((child, depth + 1))
        elif hasattr(item, "lists"):  # a MultiDict: every value of every key
            for key, values in item.lists():
                stack.append((key, depth))
                stack.extend((v, depth) for v in values)
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _valid_utf8(encoded: bytes) -> bool:
    """Whether a query string or a plain form, once its %XX escapes are undone, is UTF-8.

    Werkzeug keeps an escape it cannot decode as it was (%ED%A0%80, a lone surrogate, stays
    those nine characters), so the raw bytes are the only place to see it."""
    try:
        unquote_to_bytes(encoded.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _refuse_bad_text():
    """Text that cannot be stored is refused on every request, pages included: a NUL character
    (PostgreSQL cannot store it: a 500 there, in names, notes and searches alike), a lone
    surrogate or broken UTF-8 (neither database can: a 500), JSON nested deeper than any body
    of ours (Python's parser gave up with a RecursionError: a 500). No text typed by a person
    holds any of them."""
    # Only a plain form is read here: reading a multipart upload now would apply the pages'
    # size limit before a view can set its own (a sync bundle may be larger).
    plain_form = request.mimetype == "application/x-www-form-urlencoded"
    if not _valid_utf8(request.query_string) or plain_form and not _valid_utf8(request.get_data()):
        problem = "broken"
    else:
        try:
            body = request.get_json(silent=True) if request.is_json else None
        except RecursionError:
            body, problem = None, "deep"
        else:
            problem = None
        problem = problem or _text_problem(request.args) or _text_problem(
            request.form if plain_form else None) or _text_problem(body)
    if problem == "nul":
        raise Invalid(_("The text sent contains a NUL character, which cannot be stored."))
    if problem == "broken":
        raise Invalid(_("The text sent contains a broken character (a lone surrogate or invalid "
                        "UTF-8), which cannot be stored."))
    if problem == "deep":
        raise Invalid(_("The JSON sent is nested more than %(num)d levels deep.",
                        num=limits.JSON_DEPTH))
    for key, value in request.args.items(multi=True):
        if len(value) > limits.QUERY_VALUE:  # a search of 100,000 characters is no search
            raise Invalid(_("%(field)s is longer than %(num)d characters.", field=key,
                            num=limits.QUERY_VALUE))


def init_app(app: Flask) -> None:
    labels.init_app(app)
    app.register_blueprint(bp)
    # First of all before-request functions: CSRF protection reads the form, and once the form
    # is parsed its raw bytes (where broken UTF-8 shows) are gone.
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_bad_text)

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

"""API plumbing: authentication and roles, CSRF for cookie sessions, paging, and the schemas
of a view (its body checked, its answers documented)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from .. import limits
from ..auth.access import token_login
from ..errors import DianjiaoError, Forbidden, Invalid
from .schemas.base import load


class Unauthorized(DianjiaoError):
    status = 401
    code = "unauthorized"


def api_roles(*roles: str) -> Callable:
    """Require a token or session user with one of the roles; cookie writes also need CSRF."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                raise Unauthorized(_("Log in or send an API token (Authorization: Bearer ...)."))
            if current_user.role not in roles:
                raise Forbidden(_("Your role may not use this."))
            # A cookie session stays one even with an Authorization header it did not log in by
            if request.method not in ("GET", "HEAD", "OPTIONS") and not token_login():
                try:
                    validate_csrf(request.headers.get("X-CSRFToken"))
                except ValidationError as exc:
                    raise Forbidden(_("Missing or invalid CSRF token (X-CSRFToken header).")) from exc
            return view(*args, **kwargs)

        wrapped.api_roles = roles  # the OpenAPI document adds 401 and 403 from it
        return wrapped

    return decorator


def paging() -> tuple[int, int]:
    """Read limit (1..500, default 100) and offset (0..OFFSET) from the query string.

    An offset past any list is refused: the databases take at most a 64-bit one (2^63 was a
    500) and no list of ours comes near a billion rows."""
    try:
        limit = int(request.args.get("limit", 100))
        offset = int(request.args.get("offset", 0))
    except ValueError as exc:
        raise Invalid(_("limit and offset must be whole numbers.")) from exc
    if not 1 <= limit <= 500 or not 0 <= offset <= limits.OFFSET:
        raise Invalid(_("limit must be 1 to 500 and offset 0 to %(num)d.", num=limits.OFFSET))
    return limit, offset


def schemas(**operations: dict) -> Callable:
    """Declare the schemas of a view's operations, once for the checks and the document:
    `post={"body": TitleIn(), 201: ("Created", Title())}`. `body()` loads the body with the
    request's schema; app/api/spec.py writes both into the OpenAPI document."""

    def decorator(view):
        view.api_schemas = {method.lower(): declared for method, declared in operations.items()}
        return view

    return decorator


def body() -> dict:
    """The JSON body of this request, checked by the schema its view declared (422 otherwise)."""
    view = current_app.view_functions[request.endpoint]
    schema = view.api_schemas[request.method.lower()]["body"]
    return load(schema, request.get_json(silent=True))

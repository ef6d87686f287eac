"""Who may open what: role checks (roles_required), logins by session or API token, and the kiosk
fence. Which rows a user may see is scope (auth/scope.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps

from flask import Flask, abort, g, request
from flask_login import current_user
from sqlalchemy import inspect, select, update
from sqlalchemy.orm import joinedload, make_transient_to_detached

from .. import hotcache
from ..extensions import db, login_manager
from ..models import ApiToken, User

# The only endpoints a kiosk login may open (its sign-in pages, and the attendee's guide: the help
# views refuse a kiosk the staff guides); everything else is 403.
KIOSK_ENDPOINTS = {"main.home", "main.favicon", "auth.login", "auth.logout", "auth.set_language",
                   "auth.kiosk", "static", "help.index", "help.guide",
                   "api.people", "api.attendance", "attendance.kiosk_sign", "attendance.kiosk_undo",
                   "attendance.kiosk_count", "attendance.qr_svg"}


def roles_required(*roles: str) -> Callable:
    """Require a logged-in user with one of the given roles (401 to log in, 403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


_TOKENS = hotcache.cache("api tokens")  # token digest → (token id, last used, user values)
_USERS = hotcache.cache("users")  # user id → user values


def _load_user(user_id: str) -> User | None:
    try:
        key = uuid.UUID(user_id)
    except ValueError:
        return None
    values = _USERS.read(key, lambda: _values(db.session.get(User, key)))
    return attached(User, values) if values is not None else None


def _values(row) -> dict | None:
    """A row's column values (None for no row): what a cache keeps instead of the ORM object."""
    if row is None:
        return None
    return {attr.key: getattr(row, attr.key) for attr in inspect(type(row)).column_attrs}


def attached(model, values: dict):
    """The row of these cached column values as an object of this request's session, made
    without a query (the values were read from the database and nothing changed them since)."""
    row = model.__mapper__.class_manager.new_instance()  # no __init__: no attribute events
    row.__dict__.update(values)
    make_transient_to_detached(row)  # as if just loaded: its values are the database's
    here = db.session.identity_map.get(inspect(row).key)
    if here is not None:  # this request already holds the row (the session's own user)
        return here
    db.session.add(row)
    return row


def _token(digest: str) -> tuple | None:
    token = db.session.scalar(  # with its user: one query when the token is not cached
        select(ApiToken).options(joinedload(ApiToken.user))
        .where(ApiToken.token_sha256 == digest))
    if token is None:
        return None
    return token.id, token.last_used_at, _values(token.user)


def _load_from_token(req) -> User | None:
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    digest = ApiToken.digest(header[7:].strip())
    found = _TOKENS.read(digest, lambda: _token(digest))
    if found is None or not found[2]["active"]:
        return None
    token_id, last_used_at, values = found
    now = datetime.now(UTC)
    if last_used_at is None or now - last_used_at > timedelta(minutes=1):
        # At most a write a minute: it is on every API call's path (and it empties the caches).
        db.session.execute(update(ApiToken).where(ApiToken.id == token_id)
                           .values(last_used_at=now))
        db.session.commit()
    g.token_login = True  # this request's user is the token's, not a cookie session's
    return attached(User, values)


def token_login() -> bool:
    """Whether an API token (not the browser session) authenticated this request."""
    return bool(g.get("token_login"))


def _kiosk_fence():
    if (
        current_user.is_authenticated
        and current_user.role == "kiosk"
        and request.endpoint not in KIOSK_ENDPOINTS
    ):
        abort(403)


def init_app(app: Flask) -> None:
    login_manager.user_loader(_load_user)
    login_manager.request_loader(_load_from_token)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    app.before_request(_kiosk_fence)

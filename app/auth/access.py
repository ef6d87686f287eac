"""Who may open what: role checks (roles_required), logins by session or API token, and the kiosk
fence. Which rows a user may see is scope (auth/scope.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps

from flask import Flask, abort, g, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

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


def _load_user(user_id: str) -> User | None:
    try:
        return db.session.get(User, uuid.UUID(user_id))
    except ValueError:
        return None


def _load_from_token(req) -> User | None:
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    token = db.session.scalar(  # with its user: one query on every API call's path
        select(ApiToken).options(joinedload(ApiToken.user))
        .where(ApiToken.token_sha256 == ApiToken.digest(header[7:].strip()))
    )
    if token is None or not token.user.active:
        return None
    now = datetime.now(UTC)
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now  # at most a write a minute: it is on every API call's path
        db.session.commit()
    g.token_login = True  # this request's user is the token's, not a cookie session's
    return token.user


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

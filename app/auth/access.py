"""Who may see what: role checks, scope (township or site), and the kiosk fence."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps

from flask import Flask, abort, g, request
from flask_login import current_user
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from ..extensions import db, login_manager
from ..models import ApiToken, Site, Unit, User

# The only endpoints a kiosk login may open (its sign-in pages); everything else is 403.
KIOSK_ENDPOINTS = {"main.home", "main.favicon", "auth.login", "auth.logout", "auth.set_language",
                   "auth.kiosk", "static",
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


def unit_subtree_ids(unit_id: uuid.UUID) -> set[uuid.UUID]:
    """Return the ids of a unit and every unit below it."""
    ids, frontier = {unit_id}, [unit_id]
    while frontier:
        children = db.session.scalars(select(Unit.id).where(Unit.parent_id.in_(frontier))).all()
        frontier = [c for c in children if c not in ids]
        ids.update(frontier)
    return ids


def visible_sites(user: User) -> Select:
    """Return a query of the sites a user may see."""
    query = select(Site)
    if user.role == "admin":
        return query
    if user.role == "township" and user.unit_id:
        return query.where(Site.unit_id.in_(unit_subtree_ids(user.unit_id)))
    if user.role in ("operator", "kiosk") and user.site_id:
        return query.where(Site.id == user.site_id)
    return query.where(Site.id.is_(None))


def can_see_site(user: User, site: Site) -> bool:
    if user.role == "admin":
        return True
    if user.role == "township" and user.unit_id:
        return site.unit_id in unit_subtree_ids(user.unit_id)
    return site.id == user.site_id


def can_change_site(user: User, site: Site) -> bool:
    """Admins and township officers edit sites' records; an operator only their own site's."""
    return user.role in ("admin", "township", "operator") and can_see_site(user, site)


def site_or_404(code: str, *, change: bool = False) -> Site:
    """Load a site by code for the current user: 404 if unknown, 403 if out of scope."""
    site = db.session.scalar(select(Site).where(Site.code == code))
    if site is None:
        abort(404)
    allowed = can_change_site if change else can_see_site
    if not allowed(current_user, site):
        abort(403)
    return site


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

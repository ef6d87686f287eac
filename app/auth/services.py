"""Creating users and API tokens (shared by the CLI and the admin pages)."""

from __future__ import annotations

import secrets

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..models import ApiToken, Site, Unit, User
from .roles import ROLES


def add_user(
    username: str,
    role: str,
    password: str,
    *,
    site_code: str | None = None,
    township: str | None = None,
) -> User:
    """Create a user; operators and kiosks need a site, township officers a township."""
    if role not in ROLES:
        raise Invalid(_("Unknown role %(role)s; use one of %(roles)s.", role=role, roles=", ".join(ROLES)))
    if not username.strip():
        raise Invalid(_("A user name is required."))
    if len(password) < 8:
        raise Invalid(_("The password must have at least 8 characters."))
    if db.session.scalar(select(User).where(User.username == username)):
        raise Conflict(_("User %(name)s already exists.", name=username))
    user = User(username=username.strip(), role=role)
    user.set_password(password)
    if role in ("operator", "kiosk"):
        if not site_code:
            raise Invalid(_("Role %(role)s needs a site (--site CODE).", role=role))
        site = db.session.scalar(select(Site).where(Site.code == site_code))
        if site is None:
            raise NotFound(_("No site with code %(code)s.", code=site_code))
        user.site = site
    elif role == "township":
        if not township:
            raise Invalid(_("Role township needs a township (--township NAME)."))
        unit = db.session.scalar(select(Unit).where(Unit.name == township, Unit.kind == "township"))
        if unit is None:
            raise NotFound(_("No township named %(name)s.", name=township))
        user.unit = unit
    db.session.add(user)
    return user


def new_token(username: str) -> str:
    """Make a new API token for a user and return it (only its hash is kept)."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(_("No user named %(name)s.", name=username))
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_sha256=ApiToken.digest(token)))
    return token

"""Row factories with defaults (CTFd style): make_x(**overrides) adds and flushes one row."""

from __future__ import annotations

import itertools

from app.auth.services import add_user
from app.catalog.titles import create_title
from app.extensions import db
from app.models import Site, Title, User
from app.places.services import city, get_or_make_unit

PASSWORD = "secret-pass-1"
_n = itertools.count(1)


def site(code: str | None = None, *, township: str = "城关镇", village: str | None = "东村",
         kind: str = "playback_point", name: str | None = None) -> Site:
    top = city() or get_or_make_unit("示范市", "city", None)
    unit = get_or_make_unit(township, "township", top)
    if village:
        unit = get_or_make_unit(village, "village", unit)
    code = code or f"P-{next(_n):03d}"
    row = Site(code=code, name=name or f"{village or township}播放点{code}", kind=kind, unit=unit)
    db.session.add(row)
    db.session.commit()
    return row


def user(username: str, role: str, *, site: Site | None = None, township: str | None = None,
         password: str = PASSWORD) -> User:
    row = add_user(username, role, password, site_code=site.code if site else None,
                   township=township)
    db.session.commit()
    return row


def title(name: str = "果树修剪技术", **fields) -> Title:
    row = create_title(name, **fields)
    db.session.commit()
    return row

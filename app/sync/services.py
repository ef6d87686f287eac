"""Sync identities and keys: the names in bundles, enrolling a site, rotating and revoking keys.

The install's role (hub or site) is app/install.py's; the hub's id is a sync row, so it is here.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ..clock import now as utcnow
from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..install import Role, is_site, role
from ..models import Site, SyncPeer


def new_key() -> str:
    return secrets.token_hex(32)


def hub_identity() -> str:
    """The hub's id (HUB-xxxxxxxx), made on first use; bundles to it name it as destination."""
    row = db.session.scalar(select(SyncPeer).where(SyncPeer.kind == "self"))
    if row is None:
        row = SyncPeer(code=f"HUB-{secrets.token_hex(4).upper()}", kind="self", key="")
        db.session.add(row)
        db.session.flush()
    return row.code


def my_code(as_role: Role | None = None) -> str:
    """This install's name in bundles (or the name it has `as_role`): its site code, or the
    hub's id."""
    as_role = as_role or role()
    if as_role.is_site:
        if not as_role.site:
            raise Invalid(_("This install is a site but DIANJIAO_SITE is not set."))
        return as_role.site
    return hub_identity()


def hub_peer() -> SyncPeer:
    """On a site: the hub it is enrolled with."""
    peer = db.session.scalar(select(SyncPeer).where(SyncPeer.kind == "hub"))
    if peer is None:
        raise NotFound(_("This site is not enrolled yet: import the enrollment bundle from "
                         "the township first."))
    return peer


def site_peer(code: str) -> SyncPeer:
    """On the hub: the enrolled site with this code."""
    peer = db.session.scalar(select(SyncPeer).where(SyncPeer.kind == "site",
                                                    SyncPeer.code == code))
    if peer is None:
        raise NotFound(_("Site %(code)s is not enrolled: run `dianjiao sync enroll %(code)s` "
                         "on the hub first.", code=code))
    return peer


def enrolled_site_ids() -> set:
    """On the hub: the sites that run their own install (enrolled, not revoked).

    Their screenings are closed and their own plans extended by the site itself; doing it here
    too would make rows (absent marks, screenings) the site makes under other ids.
    """
    if is_site():
        return set()
    return set(db.session.scalars(select(Site.id).join(SyncPeer, SyncPeer.code == Site.code)
                                  .where(SyncPeer.kind == "site",
                                         SyncPeer.revoked_at.is_(None))))


def site_by_code(code: str) -> Site:
    site = db.session.scalar(select(Site).where(Site.code == code))
    if site is None:
        raise NotFound(_("No site with code %(code)s.", code=code))
    return site


def enroll_peer(code: str) -> SyncPeer:
    """On the hub: make (or renew) the link with a site, with a fresh key.

    Enrolling again, after a lost PC or a revocation, gives a new key and sends everything again.
    """
    if is_site():
        raise Invalid(_("Only the hub enrolls sites."))
    site_by_code(code)
    hub_identity()
    peer = db.session.scalar(select(SyncPeer).where(SyncPeer.code == code))
    if peer is None:
        peer = SyncPeer(code=code, kind="site", key=new_key(), key_version=1)
        db.session.add(peer)
    else:
        peer.key, peer.key_version = new_key(), peer.key_version + 1
        peer.previous_key = None
        peer.revoked_at = None
        # A new install numbers its bundles from 1 and has its own clock: the link starts over
        # (the old install's sequence and watermark would make its first bundles look stale).
        peer.out_acked = None
        peer.in_seq, peer.in_watermark = 0, None
    db.session.flush()
    return peer


def rotate_key(code: str) -> SyncPeer:
    """On the hub: give a site a new key. It travels in the next bundle, signed by the old one;
    both are accepted until a bundle signed with the new key comes back."""
    peer = site_peer(code)
    if peer.revoked_at is not None:
        raise Conflict(_("Site %(code)s was revoked; enroll it again instead.", code=code))
    if peer.previous_key is None:
        peer.previous_key = peer.key
    peer.key, peer.key_version = new_key(), peer.key_version + 1
    db.session.flush()
    return peer


def revoke(code: str, now: datetime | None = None) -> SyncPeer:
    """On the hub: refuse every bundle of a site from now on (a lost or stolen PC)."""
    peer = site_peer(code)
    peer.revoked_at = now or utcnow()
    db.session.flush()
    return peer


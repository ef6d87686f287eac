"""Enrollment: a fresh install imports the bundle that makes it a site linked to its hub.

The import runs as the site the bundle enrolls (enroll() returns that role); the install's
settings change only once the import is committed, in install.become_site (see become()).
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ... import install
from ...clock import now as utcnow
from ...errors import DianjiaoError
from ...extensions import db
from ...install import SITE, Role
from ...models import Site, SyncPeer
from ..bundle import BundleError, Opened
from ..services import my_code
from .state import Refused, bundle_message


def enroll(opened: Opened, role: Role) -> tuple[SyncPeer, Role]:
    """Check an enrollment bundle and link this install to its hub; return the link and the
    role the import runs as (a fresh install: the site the bundle enrolls)."""
    m = opened.manifest
    info = m.get("enroll") or {}
    code, hub, key = info.get("site"), info.get("hub"), info.get("key")
    if not (isinstance(code, str) and isinstance(hub, str) and isinstance(key, str)):
        raise Refused(_("The enrollment bundle is incomplete."))
    linked = db.session.scalar(select(SyncPeer).where(SyncPeer.kind == "hub"))
    # Anyone can make a bundle that carries its own key: only a fresh install trusts one. An
    # enrolled site takes a new enrollment only when it is signed with the key it already has.
    keys = [key] if linked is None else [k for k in (linked.key, linked.previous_key) if k]
    try:
        opened.verify(keys)
    except BundleError as exc:
        if linked is not None and exc.reason == "signature":
            raise Refused(_("This site is already enrolled with %(hub)s; an enrollment bundle "
                            "is imported on a fresh install only.", hub=linked.code),
                          reason="signature", status=403) from exc
        raise Refused(bundle_message(exc), reason=exc.reason) from exc
    except ValueError as exc:
        raise Refused(_("The enrollment bundle is damaged."), reason="signature") from exc
    if not role.is_site:
        if db.session.scalar(select(Site.id).limit(1)) is not None:
            raise Refused(_("This install is a hub with its own data; an enrollment bundle is "
                            "imported on a fresh site install."), reason="destination")
        role = Role(SITE, code)  # saved by become() once the import commits
    elif my_code(role) != code:
        raise Refused(_("This install is site %(me)s; the bundle enrolls %(code)s.",
                        me=my_code(role), code=code), reason="destination")
    peer = linked
    if peer is not None and peer.code != hub:
        raise Refused(_("This site is enrolled with %(old)s; the bundle comes from %(new)s.",
                        old=peer.code, new=hub), reason="destination")
    if peer is None:
        peer = SyncPeer(code=hub, kind="hub", key=key, key_version=info.get("key_version", 1),
                        origin_site=code)
        db.session.add(peer)
    else:
        peer.key, peer.key_version = key, info.get("key_version", peer.key_version)
    # The hub holds everything this fresh site holds: start the watermark now, not at zero.
    peer.out_acked = utcnow()
    db.session.flush()
    return peer, role


def become(code: str) -> None:
    """Make this install the enrolled site; a failure to save is told plainly (the import
    itself is in, and importing the same bundle again finishes: see finish())."""
    try:
        install.become_site(code)
    except OSError as exc:
        raise DianjiaoError(_(
            "The enrollment bundle was imported, but this install's settings could not be saved "
            "in instance/config.py (%(error)s). Fix that file or folder, then import the same "
            "bundle again to finish.", error=exc.strerror or str(exc))) from exc


def finish(m: dict) -> None:
    """An enrollment imported before whose settings were not saved (see become()): the
    install holds the hub's link but still starts as a hub. Importing it again finishes."""
    code = (m.get("enroll") or {}).get("site")
    if m["kind"] != "enroll" or install.is_site() or not isinstance(code, str):
        return
    if db.session.scalar(select(SyncPeer.id).where(SyncPeer.kind == "hub")) is None:
        return
    become(code)

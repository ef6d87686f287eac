"""The first stage: the manifest's shape, and the link and signature a bundle comes over."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ...dates import moment_in_range
from ...extensions import db
from ...i18n import show_date
from ...install import Role
from ...models import SyncPeer
from ..bundle import BundleError, Opened
from ..tables import SPECS
from .state import Refused, bundle_message


def manifest_time(value, what: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise Refused(_("The bundle's manifest has no valid %(what)s time.", what=what)) from exc
    if moment.tzinfo is None or not moment_in_range(moment):
        raise Refused(_("The bundle's manifest has no valid %(what)s time.", what=what))
    return moment.astimezone(UTC)


def check_manifest(m: dict) -> None:
    """Read before any signature is checked: a manifest of the wrong shape is bad input."""
    for key in ("origin", "destination", "kind"):
        if not isinstance(m.get(key), str):
            raise Refused(_("The bundle's manifest is incomplete (%(key)s).", key=key))
    if not isinstance(m.get("seq"), int) or not isinstance(m.get("key_version"), int):
        raise Refused(_("The bundle's manifest is incomplete (%(key)s).", key="seq"))
    manifest_time(m.get("created"), "created")
    manifest_time(m.get("watermark"), "watermark")
    for key in ("ack", "rekey", "enroll", "counts"):  # objects when present; read unsigned
        if m.get(key) is not None and not isinstance(m[key], dict):
            raise Refused(_("The bundle's manifest is incomplete (%(key)s).", key=key))
    users = m.get("users")
    if users is not None and not (isinstance(users, list)
                                  and all(isinstance(u, str) for u in users)):
        raise Refused(_("The bundle's manifest is incomplete (%(key)s).", key="users"))
    parts = m.get("parts", [])
    if not isinstance(parts, list) or not all(
            isinstance(part, dict) and isinstance(part.get("name"), str)
            and isinstance(part.get("bytes"), int) and isinstance(part.get("sha256"), str)
            for part in parts):
        raise Refused(_("The bundle's manifest is incomplete (%(key)s).", key="parts"))
    known = {spec.name for spec in SPECS}
    for part in parts:
        if part["name"] not in known:
            raise Refused(_("The bundle carries %(name)s, which this version does not know.",
                            name=part.get("name")))


def check_link(opened: Opened, role: Role, me: str) -> SyncPeer:
    """The link the bundle came over to this install (named `me`), its signature checked."""
    m = opened.manifest
    if m["destination"] != me:
        raise Refused(_("This bundle is for %(dest)s, not for this install (%(me)s).",
                        dest=m["destination"], me=me), reason="destination")
    kind = "hub" if role.is_site else "site"
    peer = db.session.scalar(select(SyncPeer).where(SyncPeer.code == m["origin"],
                                                    SyncPeer.kind == kind))
    if peer is None:
        raise Refused(_("The bundle comes from %(origin)s, which is not enrolled here.",
                        origin=m["origin"]), reason="unknown", status=403)
    if peer.revoked_at is not None:
        raise Refused(_("Site %(origin)s was revoked on %(day)s; its bundles are refused. "
                        "Enroll it again to give it a new key.", origin=peer.code,
                        day=show_date(peer.revoked_at)), reason="revoked", status=403)
    keys = []
    if m["key_version"] == peer.key_version:
        keys.append(peer.key)
    elif m["key_version"] == peer.key_version - 1 and peer.previous_key:
        keys.append(peer.previous_key)
    if not keys:
        raise Refused(_("The bundle is signed with key %(v)s of %(origin)s, which is no longer "
                        "valid here.", v=m["key_version"], origin=peer.code),
                      reason="signature", status=403)
    try:
        opened.verify(keys)
    except BundleError as exc:
        raise Refused(bundle_message(exc), reason=exc.reason) from exc
    return peer


def check_copy(opened: Opened, role: Role) -> None:
    """A copy of a bundle imported before is whole: a damaged one is refused, not "already
    imported" (the sender would think it arrived, and may send the damaged file on).

    Its manifest is the one imported (same SHA-256), so it was trusted then; the parts are
    checked against it, and the signature too while this install still holds the key.
    """
    try:
        keys = _copy_keys(opened.manifest, role)
        if keys:
            opened.verify(keys)
        else:
            opened.check_parts()
    except BundleError as exc:
        raise Refused(bundle_message(exc), reason=exc.reason) from exc


def _copy_keys(m: dict, role: Role) -> list[str]:
    """The key that signed a bundle imported before, if this install still holds it."""
    if m["kind"] == "enroll":
        key = (m.get("enroll") or {}).get("key")
        return [key] if isinstance(key, str) else []  # valid: the bundle was imported
    peer = db.session.scalar(select(SyncPeer).where(
        SyncPeer.code == m["origin"], SyncPeer.kind == ("hub" if role.is_site else "site")))
    if peer is None:
        return []
    if m["key_version"] == peer.key_version:
        return [peer.key]
    if m["key_version"] == peer.key_version - 1 and peer.previous_key:
        return [peer.previous_key]
    return []

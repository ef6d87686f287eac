"""After the rows: the link's watermarks, acknowledgement and keys move on."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _

from ...install import Role
from ...models import SyncPeer
from .manifest import manifest_time

SKEW_WARNING = timedelta(minutes=5)


def acknowledged(peer: SyncPeer, m: dict) -> datetime | None:
    """Up to when (our clock) the sender holds our rows, by the bundle's acknowledgement."""
    watermark = (m.get("ack") or {}).get("watermark")
    if not watermark:
        return None
    acked = manifest_time(watermark, "ack")
    return min(acked, peer.last_export_at) if peer.last_export_at else acked


def advance(peer: SyncPeer, m: dict, now: datetime, role: Role) -> list[str]:
    """Move the link's watermarks and keys after a bundle is merged; return warnings."""
    warnings = []
    created = manifest_time(m["created"], "created")
    watermark = manifest_time(m["watermark"], "watermark")
    if created > now + SKEW_WARNING:
        minutes = int((created - now).total_seconds() // 60)
        warnings.append(_("The sender's clock is about %(n)s minutes ahead of this one; nothing "
                          "is lost, but set the clock right.", n=minutes))
    peer.in_watermark = max(filter(None, (peer.in_watermark, watermark)))
    peer.in_seq = max(peer.in_seq or 0, m["seq"])
    peer.last_import_at = now
    peer.last_bundle_at = max(filter(None, (peer.last_bundle_at, created)))
    acked = acknowledged(peer, m)
    if acked is not None:
        peer.out_acked = max(filter(None, (peer.out_acked, acked)))
    rekey = m.get("rekey")
    if role.is_site and rekey and rekey.get("key_version", 0) > peer.key_version:
        # The hub signs with the old key until the new one comes back: bundles it made since
        # the rotation, signed with the old key, may still arrive, in any order.
        peer.previous_key = peer.key
        peer.key, peer.key_version = rekey["key"], rekey["key_version"]
    elif peer.previous_key and m["key_version"] == peer.key_version:
        peer.previous_key = None  # the other side signs with the new key: the old one is done
    return warnings

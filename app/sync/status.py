"""The state of every sync link, for the hub's page and `dianjiao sync status`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..extensions import db
from ..models import SyncPeer
from ..models.base import utcnow


def links(now: datetime | None = None) -> list[dict]:
    """One line per link: its last bundle in, lag in days, revoked or not."""
    now = now or utcnow()
    out = []
    for peer in db.session.scalars(select(SyncPeer).where(SyncPeer.kind != "self")
                                   .order_by(SyncPeer.code)):
        seen = peer.last_import_at
        out.append({
            "code": peer.code, "kind": peer.kind, "key_version": peer.key_version,
            "revoked": peer.revoked_at is not None,
            "last_bundle_at": peer.last_bundle_at.isoformat() if peer.last_bundle_at else None,
            "last_import_at": seen.isoformat() if seen else None,
            "last_export_at": peer.last_export_at.isoformat() if peer.last_export_at else None,
            "lag_days": (now - seen).days if seen else None,
            "in_seq": peer.in_seq, "out_seq": peer.out_seq,
        })
    return out

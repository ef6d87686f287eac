"""The state of every sync link, for the hub's page and `dianjiao sync status`."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timedelta

from sqlalchemy import Select, select

from ..clock import now as utcnow
from ..extensions import db
from ..models import Site, SyncConflict, SyncPeer


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


def _silent_since(peer: SyncPeer) -> datetime:
    """When we last heard from a site: its last bundle imported here, else its enrollment."""
    return peer.last_import_at or peer.created_at


def not_reporting(days: int, now: datetime | None = None,
                  codes: Collection[str] | None = None) -> list[dict]:
    """The enrolled, non-revoked sites not heard from for more than `days` days, silent longest
    first: their last bundle was imported here (our clock) before now - days, or none came since
    their enrollment and that was before now - days. `codes` limits the answer to those sites
    (a township officer's). Each: code, last_import_at (datetime or None), days (whole days
    silent), never (no bundle yet).
    """
    now = now or utcnow()
    cutoff = now - timedelta(days=days)
    query = select(SyncPeer).where(SyncPeer.kind == "site", SyncPeer.revoked_at.is_(None))
    if codes is not None:
        query = query.where(SyncPeer.code.in_(list(codes)))
    out = []
    for peer in db.session.scalars(query):
        since = _silent_since(peer)
        if since < cutoff:
            out.append({"code": peer.code, "last_import_at": peer.last_import_at,
                        "days": (now - since).days, "never": peer.last_import_at is None})
    out.sort(key=lambda row: (-row["days"], row["code"]))
    return out


def hub_overview(sites: Iterable[Site], days: int, now: datetime | None = None) -> dict:
    """The hub's sync page for these sites: every enrolled one (not reporting first, then by
    code, revoked last), and those never enrolled."""
    now = now or utcnow()
    by_code = {site.code: site for site in sites}
    peers = {peer.code: peer for peer in db.session.scalars(
        select(SyncPeer).where(SyncPeer.kind == "site", SyncPeer.code.in_(list(by_code))))}
    stale = {row["code"]: row for row in not_reporting(days, now, codes=list(peers))}
    rows = []
    for code, peer in peers.items():
        seen = peer.last_import_at
        rows.append({
            "site": by_code[code], "peer": peer, "revoked": peer.revoked_at is not None,
            "lag_days": (now - seen).days if seen else None,
            "stale": code in stale, "silent_days": stale[code]["days"] if code in stale else None,
        })
    rows.sort(key=lambda r: (r["revoked"], not r["stale"], -(r["silent_days"] or 0),
                             r["site"].code))
    never = sorted((s for code, s in by_code.items() if code not in peers), key=lambda s: s.code)
    return {"links": rows, "never": never, "stale": len(stale)}


def conflicts_of(codes: Collection[str] | None) -> Select:
    """Every field both sides changed, newest first: of the peers `codes` (all when None)."""
    query = select(SyncConflict)
    if codes is not None:
        query = query.where(SyncConflict.peer.in_(codes))
    return query.order_by(SyncConflict.created_at.desc(), SyncConflict.id)


def hub_code() -> str | None:
    """This hub's own code, once it has one."""
    return db.session.scalar(select(SyncPeer.code).where(SyncPeer.kind == "self"))


def enrolled_to_hub() -> bool:
    """Whether this install has a hub it sends to (an enrolled site)."""
    return db.session.scalar(select(SyncPeer.id).where(SyncPeer.kind == "hub")) is not None

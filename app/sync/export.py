"""Making a bundle for a peer: the rows it has not acknowledged yet, signed with the link's key."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, or_, select, update

from ..clock import now as utcnow
from ..errors import Conflict
from ..extensions import db
from ..install import is_site
from ..models import ScreeningEvidence, ScreeningItem, Site, SyncArrival, SyncPeer, Unit, User
from .bundle import write_bundle
from .services import hub_identity, hub_peer, my_code, site_by_code, site_peer
from .tables import CODECS, DOWN, HUB_ORIGIN, SPECS, UP, scope_clause

# Rows changed this long before the acknowledged watermark are sent again: a transaction that
# began before an export and committed after it is never skipped. Re-sent rows import unchanged.
OVERLAP = timedelta(minutes=10)
STREAM = 2000
# One encoder for every line: json.dumps with options builds a new one per call.
LINE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
CLOCK_SLACK = timedelta(minutes=1)


def _lines(spec, rows) -> tuple[int, bytes]:
    """The part of one table: its rows as JSON Lines, and how many."""
    codec = CODECS[spec.name]
    out = io.BytesIO()
    count = 0
    for row in rows:
        out.write(LINE.encode(codec.encode(row)).encode())
        out.write(b"\n")
        count += 1
    return count, out.getvalue()


def _units_parents_first(query) -> list:
    rows = db.session.execute(query).all()
    by_id = {row.id: row for row in rows}
    done, ordered = set(), []

    def visit(row):
        if row.id in done:
            return
        parent = by_id.get(row.parent_id)
        if parent is not None:
            visit(parent)
        done.add(row.id)
        ordered.append(row)

    for row in rows:
        visit(row)
    return ordered


def _within(rows, budget: int, deferred: list, acked: datetime | None) -> Iterator:
    """The pictures that fit in `budget` bytes, in the query's order; the ids of those left out
    that the peer has not acknowledged go to `deferred` (export_bundle marks them changed now,
    so the next bundle carries them). One the peer acknowledged (re-sent only for the overlap)
    is simply left out: marking it would send it again and again ahead of new ones."""
    for row in rows:
        size = len(row.jpeg or b"")
        if size > budget:
            if acked is None or row.updated_at > acked:
                deferred.append(row.id)
            continue
        budget -= size
        yield row


def gather(peer: SyncPeer, site: Site, *, since: datetime | None,
           deferred: list | None = None) -> dict[str, tuple[int, bytes]]:
    """The rows of every table travelling to `peer`, changed after `since` (None: all).

    Pictures (screening_evidence) beyond SYNC_EVIDENCE_MB are left for the next bundle, their
    ids put in `deferred`: a bundle stays within the size the hub accepts (SYNC_MAX_BUNDLE_MB).
    """
    deferred = [] if deferred is None else deferred
    direction = UP if is_site() else DOWN
    parts: dict[str, tuple[int, bytes]] = {}
    for spec in SPECS:
        if direction not in spec.directions:
            continue
        table = spec.table
        query = select(table)
        if direction == DOWN:
            query = query.where(scope_clause(spec, site))
        else:
            # A site sends its own rows and its changes to the hub's. A row born at another site
            # (a walk-in of the same village, passed on by the hub) is that site's to send: the
            # hub refuses it from anyone else, and a change made to it here stays here.
            query = query.where(table.c.origin_site.in_((my_code(), HUB_ORIGIN)))
            if spec.scoped_up:
                query = query.where(scope_clause(spec, site))
        if since is not None:
            changed = table.c.updated_at > since
            if direction == DOWN and spec.forward:
                changed = or_(changed, table.c.id.in_(select(SyncArrival.row_id).where(
                    SyncArrival.table == spec.name, SyncArrival.arrived_at > since,
                    SyncArrival.source != peer.code)))
            if spec.model is ScreeningItem:  # a playlist travels whole: see _whole_playlists
                changed = table.c.screening_id.in_(
                    select(table.c.screening_id).where(changed).correlate(None))
            query = query.where(changed)
        if spec.model is ScreeningEvidence and since is not None:
            # Pictures the peer has not acknowledged first: those in the overlap were most
            # likely carried before, and must not take the budget of new ones bundle after bundle.
            query = query.order_by(case((table.c.updated_at > since + OVERLAP, 0), else_=1))
        query = query.order_by(table.c.created_at, table.c.id)
        rows = (_units_parents_first(query) if spec.model is Unit
                else db.session.execute(query.execution_options(yield_per=STREAM)))
        if spec.model is ScreeningEvidence:
            rows = _within(rows, int(float(current_app.config["SYNC_EVIDENCE_MB"]) * 1024 * 1024),
                           deferred, since + OVERLAP if since is not None else None)
        parts[spec.name] = _lines(spec, rows)
    return parts


def export_bundle(target, *, to: str | None = None, full: bool = False, enroll: bool = False,
                  now: datetime | None = None) -> dict:
    """Write the bundle for a peer (on a site: its hub; on the hub: the site `to`).

    Returns the summary: destination, seq, rows per table, digest. The peer's sequence number
    is committed with it, so a bundle made twice is two bundles, each importable.
    """
    now = now or utcnow()
    if is_site():
        peer = hub_peer()
        site = site_by_code(my_code())
    else:
        peer = site_peer(to or "")
        # Two hub workers making the site's bundle at once would both read the same out_seq:
        # the second waits for the first (PostgreSQL locks the row; SQLite has one writer).
        db.session.refresh(peer, with_for_update=True)
        if peer.revoked_at is not None:
            raise Conflict(_("Site %(code)s was revoked; enroll it again to send it anything.",
                             code=peer.code))
        site = site_by_code(peer.code)
    since = None if (full or enroll or peer.out_acked is None) else peer.out_acked - OVERLAP
    warnings = []
    if since is not None and peer.last_export_at and now < peer.last_export_at - CLOCK_SLACK:
        # The clock was set back: rows written since carry times before the watermark. Send
        # everything once; the other side finds what it has unchanged.
        since = None
        warnings.append(_("This computer's clock went back since the last bundle; this "
                          "bundle carries everything again."))
    deferred: list = []
    parts = gather(peer, site, since=since, deferred=deferred)
    if deferred:
        # Changed just after this bundle's watermark: the next bundle carries them, first,
        # even once the peer acknowledges this one.
        db.session.execute(update(ScreeningEvidence).where(ScreeningEvidence.id.in_(deferred))
                           .values(updated_at=now + timedelta(microseconds=1)))
        warnings.append(_("%(n)d pictures did not fit in this bundle; the next one carries "
                          "them.", n=len(deferred)))
    peer.out_seq += 1
    key, version = peer.key, peer.key_version
    manifest = {
        "kind": "enroll" if enroll else "data",
        "origin": my_code(),
        "destination": peer.code,
        "hub": hub_peer().code if is_site() else hub_identity(),
        "site": site.code,
        "seq": peer.out_seq,
        "created": now.isoformat(),
        "watermark": now.isoformat(),
        "since": since.isoformat() if since else None,
        "ack": {"watermark": peer.in_watermark.isoformat() if peer.in_watermark else None,
                "seq": peer.in_seq},
        "counts": {name: rows for name, (rows, _data) in parts.items()},
    }
    if not is_site():
        # Who may log in at the site: a user moved to another site or deleted here stops
        # there too (their row no longer travels to it, so it cannot say so itself).
        manifest["users"] = sorted(str(i) for i in db.session.scalars(
            select(User.id).where(User.site_id == site.id)))
    if enroll:
        manifest["enroll"] = {"site": site.code, "hub": hub_identity(), "key": peer.key,
                              "key_version": peer.key_version}
    elif not is_site() and peer.previous_key:
        # A rotated key travels signed by the old one, which the site still holds.
        manifest["rekey"] = {"key": peer.key, "key_version": peer.key_version}
        key, version = peer.previous_key, peer.key_version - 1
    manifest["key_version"] = version
    digest = write_bundle(target, manifest, parts, key)
    peer.last_export_at = now
    db.session.commit()
    return {"digest": digest, "kind": manifest["kind"], "origin": manifest["origin"],
            "destination": peer.code, "seq": peer.out_seq, "full": since is None,
            "rows": sum(manifest["counts"].values()), "counts": manifest["counts"],
            "warnings": warnings}

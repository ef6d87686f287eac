"""Sync: the peers an install exchanges bundles with, the bundles imported, and their conflicts.

A hub has one SyncPeer per enrolled site; a site has one, its hub. The key of a peer signs every
bundle between the two (HMAC-SHA256). Watermarks are times on the exporter's own clock, so two
clocks that disagree never lose a row (see docs/sync.md).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import Synced, UTCDateTime


class Bundle(Synced, db.Model):
    """A bundle imported here (its digest makes a second import of it a no-op)."""

    __tablename__ = "bundles"

    origin: Mapped[str] = mapped_column(String(32), index=True)
    destination: Mapped[str] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    bundle_created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    kind: Mapped[str] = mapped_column(String(10), default="data", server_default="data")
    summary: Mapped[dict | None] = mapped_column(JSON)


class SyncPeer(Synced, db.Model):
    """The other end of a sync link: an enrolled site (on the hub) or the hub (on a site)."""

    __tablename__ = "sync_peers"

    code: Mapped[str] = mapped_column(String(40), unique=True)  # site code, or the hub's id
    kind: Mapped[str] = mapped_column(String(10))  # "site" (seen from the hub) or "hub"
    key: Mapped[str] = mapped_column(String(64))  # hex of 32 random bytes
    key_version: Mapped[int] = mapped_column(Integer, default=1)
    previous_key: Mapped[str | None] = mapped_column(String(64))  # accepted until the new one is
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    out_seq: Mapped[int] = mapped_column(Integer, default=0)  # last bundle made for the peer
    # Our clock: the peer has imported every row of ours changed before this.
    out_acked: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The peer's clock: we have imported every row of theirs changed before this (sent back).
    in_watermark: Mapped[datetime | None] = mapped_column(UTCDateTime)
    in_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_import_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # our clock
    last_bundle_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # their clock
    last_export_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    clock_skew_s: Mapped[int | None] = mapped_column(Integer)  # seen over HTTP, theirs - ours


class SyncConflict(Synced, db.Model):
    """A field both sides changed, and which value was kept."""

    __tablename__ = "sync_conflicts"

    peer: Mapped[str] = mapped_column(String(40), index=True)
    bundle_digest: Mapped[str] = mapped_column(String(64))
    table: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[uuid.UUID] = mapped_column(db.Uuid)
    field: Mapped[str] = mapped_column(String(60))
    local_value: Mapped[str | None] = mapped_column(Text)
    incoming_value: Mapped[str | None] = mapped_column(Text)
    kept: Mapped[str] = mapped_column(String(10))  # "local" or "incoming"
    reason: Mapped[str] = mapped_column(String(40))  # newer, tie, owned


class SyncArrival(db.Model):
    """A row that arrived from one peer, so the next bundle to the others carries it on.

    Rows changed here are found by their updated_at (our clock); rows that arrived keep the
    origin's updated_at, which may be older than a watermark, so they are listed here.
    """

    __tablename__ = "sync_arrivals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    table: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[uuid.UUID] = mapped_column(db.Uuid)
    source: Mapped[str] = mapped_column(String(40))
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SyncIdMap(db.Model):
    """The same thing born on two sides under two ids (a file's content scanned at two sites):
    the other side's id, and ours. Kept, so later rows naming their id find ours."""

    __tablename__ = "sync_id_map"
    __table_args__ = (db.UniqueConstraint("table", "remote_id", name="uq_sync_id_map_remote"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    table: Mapped[str] = mapped_column(String(40))
    remote_id: Mapped[uuid.UUID] = mapped_column(db.Uuid)
    local_id: Mapped[uuid.UUID] = mapped_column(db.Uuid)

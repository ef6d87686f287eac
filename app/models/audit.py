"""The audit of a screening (防虚报): its flags and the officers' word on them, and the pictures
that back it (snapshot thumbnails, photos of the room)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now as utcnow
from ..extensions import db
from .base import Synced, UTCDateTime

FLAG_CODES = ("no_playback", "short_playback", "signin_burst", "frozen_or_black", "late_paper")
SEVERITIES = ("high", "medium", "low")
FLAG_STATES = ("open", "explained", "confirmed")  # confirmed: counted against the site
EVIDENCE_KINDS = ("snapshot", "photo")


class AuditCheck(db.Model):
    """The latest audit of a screening at this install (local: each side audits what it holds;
    the hub audits again when the site's records arrive)."""

    __tablename__ = "audit_checks"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    screening_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("screenings.id", ondelete="CASCADE"), unique=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Remarks that are not flags: [{"code": "no_snapshots" | "clock_ahead", "params": {...}}]
    notes: Mapped[list] = mapped_column(JSON, default=list)
    # The site's clock minus the hub's, as far as it is known, taken out of its times
    clock_offset_s: Mapped[int | None] = mapped_column(Integer)


class AuditFlag(db.Model):
    """One finding of an audit, and what an officer made of it (local to the install)."""

    __tablename__ = "audit_flags"
    __table_args__ = (UniqueConstraint("screening_id", "code", name="uq_audit_flags"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    screening_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("screenings.id", ondelete="CASCADE"), index=True)
    screening = relationship("Screening")
    code: Mapped[str] = mapped_column(String(30))
    severity: Mapped[str] = mapped_column(String(10))
    params: Mapped[dict] = mapped_column(JSON, default=dict)  # the figures its detail names
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[str] = mapped_column(String(12), default="open", index=True)
    note: Mapped[str | None] = mapped_column(String(500))
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ScreeningEvidence(Synced, db.Model):
    """A small JPEG proving a screening: a thumbnail of a player snapshot, or a photo of the room
    an operator added. Born at the site, it travels up to the hub (docs/sync.md)."""

    __tablename__ = "screening_evidence"
    # Three identical snapshots are three rows (the audit counts them: a frozen screen); the
    # same photo twice is one.
    __table_args__ = (UniqueConstraint("screening_id", "kind", "label", "sha256",
                                       name="uq_screening_evidence"),)

    screening_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("screenings.id"), index=True)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # snapshot or photo
    label: Mapped[str] = mapped_column(String(20))  # start, middle, end; photo
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the site's clock
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    jpeg: Mapped[bytes] = mapped_column(LargeBinary)
    added_by: Mapped[str | None] = mapped_column(String(80))

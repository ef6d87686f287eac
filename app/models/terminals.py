"""The unattended terminal: readiness checks of screenings, and each site's health report."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now as utcnow
from ..extensions import db
from .base import Synced, UTCDateTime

READINESS_STATUSES = ("ready", "at_risk")
READINESS_KINDS = ("full", "quick")


class ReadinessCheck(db.Model):
    """The latest readiness check of a screening at this install (local: it does not travel;
    the next screening's readiness reaches the hub in the site's health report)."""

    __tablename__ = "readiness_checks"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    screening_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("screenings.id", ondelete="CASCADE"),
                                                    unique=True)
    screening = relationship("Screening")
    kind: Mapped[str] = mapped_column(String(10))  # full or quick
    status: Mapped[str] = mapped_column(String(10))  # ready or at_risk
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    full_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last full check
    # [{"position", "sha256", "problem", "path", "substitutes": [{"sha256", "path"}]}]
    problems: Mapped[list] = mapped_column(JSON, default=list)


class TerminalHealth(Synced, db.Model):
    """A site's health, recorded there every hour; one row a site, the newest wins at the hub."""

    __tablename__ = "terminal_health"

    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"), unique=True)
    site = relationship("Site")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the site's clock
    app_version: Mapped[str | None] = mapped_column(String(40))
    libvlc_version: Mapped[str | None] = mapped_column(String(80))
    free_disk_bytes: Mapped[int | None] = mapped_column(BigInteger)
    last_played_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    player_faults_30d: Mapped[int] = mapped_column(Integer, default=0)
    next_screening_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    next_screening_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_readiness: Mapped[str | None] = mapped_column(String(10))  # ready, at_risk, or unchecked
    next_problems: Mapped[list] = mapped_column(JSON, default=list)
    uptime_s: Mapped[int | None] = mapped_column(Integer)

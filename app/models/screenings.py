"""Recurring plans, screenings and their playlists, the operator's queue, and proof of play."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Synced, UTCDateTime

SCREENING_STATUSES = ("planned", "running", "done", "partial", "missed", "cancelled")
HELD_SCREENINGS = ("done", "partial")  # a screening was held when it played, in full or in part
PLAY_OUTCOMES = ("completed", "skipped", "stopped", "error")


class Series(Synced, db.Model):
    """A recurring plan stored as an RFC 5545 RRULE."""

    __tablename__ = "series"

    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"), index=True)
    rrule: Mapped[str] = mapped_column(String(500))
    dtstart: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_min: Mapped[int] = mapped_column(Integer, default=60)
    topic: Mapped[str] = mapped_column(String(200))
    audience: Mapped[str] = mapped_column(String(60), default="all")
    playlist: Mapped[list] = mapped_column(JSON, default=list)  # [{"sha256": ...} | {"title_id": ...}]
    notes: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Screening(Synced, db.Model):
    __tablename__ = "screenings"

    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"), index=True)
    site = relationship("Site")
    series_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("series.id"), index=True)
    # The start its series gave it (RFC 5545 RECURRENCE-ID): it stays when the start is edited.
    recurrence_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    topic: Mapped[str] = mapped_column(String(200))
    audience: Mapped[str] = mapped_column(String(60), default="all")
    status: Mapped[str] = mapped_column(String(20), default="planned", index=True)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    edited: Mapped[bool] = mapped_column(Boolean, default=False)  # changed by hand, not by its series
    notes: Mapped[str | None] = mapped_column(Text)
    status_reason: Mapped[str | None] = mapped_column(String(300))
    discussion: Mapped[str | None] = mapped_column(Text)  # notes and reflections (心得) afterwards
    attendance_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    # The operator's override of "one person per phone": a family signing in on one phone.
    phone_shared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str | None] = mapped_column(String(80))
    # The session of a teaching plan this screening holds, and what its site changed of it
    # ("moved" or "cancelled": the site's times and status then win over the plan's).
    teaching_session_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("teaching_sessions.id"), index=True)
    teaching_session = relationship("TeachingSession")
    site_change: Mapped[str | None] = mapped_column(String(20))
    items: Mapped[list[ScreeningItem]] = relationship(
        back_populates="screening", order_by="ScreeningItem.position",
        cascade="all, delete-orphan",
    )


class ScreeningItem(Synced, db.Model):
    __tablename__ = "screening_items"

    screening_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("screenings.id"), index=True)
    screening: Mapped[Screening] = relationship(back_populates="items")
    position: Mapped[int] = mapped_column(Integer)
    title_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("titles.id"))
    title = relationship("Title")
    media_file_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("media_files.id"))
    media_file = relationship("MediaFile")


class QueueEntry(Synced, db.Model):
    __tablename__ = "queue_entries"

    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    media_file_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("media_files.id"))


class PlayLog(Synced, db.Model):
    """Proof of play: what really played, when, for how long and how it ended."""

    __tablename__ = "play_logs"

    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"), index=True)
    screening_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("screenings.id"), index=True
    )
    media_file_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("media_files.id"))
    sha256: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    played_s: Mapped[float] = mapped_column(Float, default=0.0)
    outcome: Mapped[str] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(String(300))

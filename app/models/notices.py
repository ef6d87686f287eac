"""A person's reflection (心得) on a screening, and the outbox of reminder messages."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now as utcnow
from ..extensions import db
from .base import Synced, UTCDateTime

REFLECTION_MAX = 1000  # characters of one person's reflection
REFLECTION_METHODS = ("phone", "operator")
REMINDER_STATES = ("queued", "sent", "failed", "cancelled")


class Reflection(Synced, db.Model):
    """What one person took from one screening, in their words: typed on the phone after signing
    in, or by the operator. One a person and screening; it travels with the attendance."""

    __tablename__ = "reflections"
    __table_args__ = (
        UniqueConstraint("screening_id", "person_id", name="uq_reflections_screening_person"),
    )

    screening_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("screenings.id"))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    person = relationship("Person")
    text: Mapped[str] = mapped_column(String(REFLECTION_MAX))
    method: Mapped[str] = mapped_column(String(20))  # phone or operator
    written_by: Mapped[str | None] = mapped_column(String(80))  # the operator's login


class Reminder(db.Model):
    """One message in the outbox: a person reminded of a screening the day before.

    Local to the install that sends it (it never travels): the unique key holds it to one
    message a person and screening, however often the queue is filled.
    """

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("screening_id", "person_id", name="uq_reminders_screening_person"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    screening_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("screenings.id"))
    screening = relationship("Screening")
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    person = relationship("Person")
    phone: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When the next try is due (queued and failed); None once sent, cancelled or given up.
    next_try_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(String(300))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

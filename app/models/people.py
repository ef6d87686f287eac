"""The roster of people and their sign-ins at screenings."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Synced, UTCDateTime

PERSON_ROLES = ("cadre", "member", "activist", "villager")
ATTENDANCE_METHODS = ("kiosk", "phone", "operator", "paper")
ATTENDANCE_STATUSES = ("present", "late", "excused", "absent")
COUNTED = ("present", "late")  # sign-ins that count: the kiosk's count, study time, attendance


class Person(Synced, db.Model):
    __tablename__ = "people"

    name: Mapped[str] = mapped_column(String(100), index=True)
    pinyin: Mapped[str] = mapped_column(String(300), default="", index=True)
    initials: Mapped[str] = mapped_column(String(100), default="", index=True)
    # The common reading of a surname with two (曾 zeng/ceng): search matches both.
    pinyin_alt: Mapped[str] = mapped_column(String(300), default="")
    initials_alt: Mapped[str] = mapped_column(String(100), default="")
    village_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("units.id"), index=True)
    village = relationship("Unit")
    party_member: Mapped[bool] = mapped_column(Boolean, default=False)
    role: Mapped[str] = mapped_column(String(20), default="villager")
    phone: Mapped[str | None] = mapped_column(String(40))
    walkin: Mapped[bool] = mapped_column(Boolean, default=False)  # signed in unknown, to review
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    notes: Mapped[str | None] = mapped_column(String(500))


# Whom every report counts as a party member: on the roster, active, of the party, no walk-in
# (conditions of a WHERE; `and_(*PARTY_MEMBER)` as a column).
PARTY_MEMBER = (Person.active.is_(True), Person.walkin.is_(False), Person.party_member.is_(True))


class Attendance(Synced, db.Model):
    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("screening_id", "person_id", name="uq_attendance_screening_person"),
    )

    # No index of its own: the unique constraint's index leads with it. A second one cost
    # every sign-in (and a sync import of 100,000 sign-ins half a second) for nothing.
    screening_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("screenings.id"))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    person = relationship("Person")
    method: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="present")  # present late excused absent
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str | None] = mapped_column(String(80))
    device: Mapped[str | None] = mapped_column(String(120))

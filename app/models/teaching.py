"""Teaching plans (教学计划): one plan issued by the county or a township to many sites, and its
sessions, each expanded into a screening at every site it covers."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Synced, UTCDateTime

# Site changes a site may make to a plan's screening (Screening.site_change).
SITE_CHANGES = ("moved", "cancelled")
ALL_AREA = "*"  # the issuer's area of an admin's plan: every site


class TeachingPlan(Synced, db.Model):
    __tablename__ = "teaching_plans"
    # One plan of a name for a period per issuing area: two officers issuing the same plan at
    # once make one plan, the second is refused.
    __table_args__ = (UniqueConstraint("area", "name", "starts_on",
                                       name="uq_teaching_plans_area_name_start"),)

    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # The selection as given: {kind, townships, villages, codes}
    sites: Mapped[dict] = mapped_column(JSON, default=dict)
    move_window_days: Mapped[int] = mapped_column(Integer, default=3)
    issued_by: Mapped[str | None] = mapped_column(String(80))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issuer_unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("units.id"))
    area: Mapped[str] = mapped_column(String(40), default=ALL_AREA)  # unit id, or ALL_AREA
    sessions: Mapped[list[TeachingSession]] = relationship(
        back_populates="plan", order_by="TeachingSession.position")


class TeachingSession(Synced, db.Model):
    __tablename__ = "teaching_sessions"

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teaching_plans.id"), index=True)
    plan: Mapped[TeachingPlan] = relationship(back_populates="sessions")
    position: Mapped[int] = mapped_column(Integer, default=0)
    topic: Mapped[str] = mapped_column(String(200))
    audience: Mapped[str] = mapped_column(String(60), default="all")
    titles: Mapped[list] = mapped_column(JSON, default=list)  # title ids (text), in order
    # {"kind": "six_days" | "first_saturday" | "weekly" | "dates" | "rrule", ...}
    rule: Mapped[dict] = mapped_column(JSON, default=dict)
    start_time: Mapped[str | None] = mapped_column(String(5))  # "HH:MM"; none: the site's usual
    minutes: Mapped[int] = mapped_column(Integer, default=90)

"""The kept monthly figures of each site: derived data, kept in step by app/reports/kept.py."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import BigInteger, Date, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class SiteMonth(db.Model):
    """One site's figures for one local calendar month, as the monthly card counts them.

    Not synced: every install computes its own from its screenings, play logs and sign-ins
    (a hub on import). A (site, month) with nothing to count has no row. What depends on the
    roster alone (the party members, their study targets) is read with the card, not kept.
    """

    __tablename__ = "site_months"

    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    screenings: Mapped[int] = mapped_column(Integer, default=0)  # of any status
    sessions: Mapped[int] = mapped_column(Integer, default=0)  # held (done, partial)
    group_sessions: Mapped[int] = mapped_column(Integer, default=0)
    minutes: Mapped[float] = mapped_column(Float, default=0.0)  # played, capped by each slot
    days_open: Mapped[int] = mapped_column(Integer, default=0)
    six_days: Mapped[int] = mapped_column(Integer, default=0)
    six_day_sessions: Mapped[int] = mapped_column(Integer, default=0)
    attendance: Mapped[int] = mapped_column(Integer, default=0)
    missed: Mapped[int] = mapped_column(Integer, default=0)
    planned: Mapped[int] = mapped_column(Integer, default=0)
    cancelled: Mapped[int] = mapped_column(Integer, default=0)
    plan_sessions: Mapped[int] = mapped_column(Integer, default=0)
    plan_held: Mapped[int] = mapped_column(Integer, default=0)
    audit_flagged: Mapped[int] = mapped_column(Integer, default=0)  # held, a flag confirmed
    participants: Mapped[int] = mapped_column(Integer, default=0)  # members reached (distinct)
    study_minutes: Mapped[float] = mapped_column(Float, default=0.0)  # of its party members, summed


class ReportStamp(db.Model):
    """A counter the database's own triggers move on in the transaction of a change: `roster`
    (sites, people, units) and `months` (site_months of a month at least 27 days old). A
    remembered roll-up (app/reports/remembered.py) is used while they read as when it was
    counted. See the migration c51d0e7a9b42. Not synced: every install stamps its own."""

    __tablename__ = "report_stamps"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, default=0)
    epoch: Mapped[str] = mapped_column(String(16), default="")  # random, new with the row


FIGURES = ("screenings", "sessions", "group_sessions", "minutes", "days_open", "six_days",
           "six_day_sessions", "attendance", "missed", "planned", "cancelled", "plan_sessions",
           "plan_held", "audit_flagged", "participants", "study_minutes")

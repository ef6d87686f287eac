"""The loan register of a site: equipment and courseware lent out, and when it came back."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import limits
from ..extensions import db
from .base import Synced

LOAN_KINDS = ("equipment", "courseware")
ITEM_MAX = limits.LOAN_ITEM
BORROWER_MAX = limits.BORROWER


class Loan(Synced, db.Model):
    __tablename__ = "loans"

    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"), index=True)
    site = relationship("Site")
    item: Mapped[str] = mapped_column(String(ITEM_MAX))
    kind: Mapped[str] = mapped_column(String(20), default="equipment")
    borrower: Mapped[str] = mapped_column(String(BORROWER_MAX))
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"), index=True)
    person = relationship("Person")
    lent_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    returned_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)

    def days_overdue(self, today: date) -> int:
        """Days past due on `today` (0 when returned or not yet due)."""
        if self.returned_on is not None or self.due_on >= today:
            return 0
        return (today - self.due_on).days

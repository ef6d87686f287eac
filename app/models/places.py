"""Administrative units (city, township, village) and the sites of the network."""

from __future__ import annotations

import uuid

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Synced

UNIT_KINDS = ("city", "township", "village", "community")
SITE_KINDS = (
    "station",
    "playback_point",
    "center_household",
    "demo_household",
    "local_talent",
    "tech_association",
)


class Unit(Synced, db.Model):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_units_parent_name"),)

    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("units.id"), index=True)
    parent: Mapped[Unit | None] = relationship(remote_side="Unit.id", back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent")

    def ancestor(self, kind: str) -> Unit | None:
        """Return this unit or the nearest parent of the given kind."""
        unit: Unit | None = self
        while unit is not None and unit.kind != kind:
            unit = unit.parent
        return unit

    def lineage(self) -> list[Unit]:
        """Return the units from the top of the tree down to this one."""
        chain, unit = [], self
        while unit is not None:
            chain.append(unit)
            unit = unit.parent
        return chain[::-1]


class Site(Synced, db.Model):
    __tablename__ = "sites"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30), index=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("units.id"), index=True)
    unit: Mapped[Unit] = relationship()
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # When the site's evening screenings usually start ("HH:MM"): a teaching plan's session
    # without a time of its own starts then.
    usual_start: Mapped[str] = mapped_column(String(5), default="19:30", server_default="19:30")

    @property
    def township(self) -> Unit | None:
        return self.unit.ancestor("township")

    @property
    def village(self) -> Unit | None:
        return self.unit.ancestor("village") or self.unit.ancestor("community")

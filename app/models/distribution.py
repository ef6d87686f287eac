"""Distribution batches, their titles, and each consignment (shipment) to a site."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Synced, UTCDateTime

FORMS = ("DVD", "VCD", "USB", "file")
SHIPMENT_STATUSES = ("planned", "sent", "received", "verified", "lost", "damaged", "returned")
KITS_IN_HAND = ("received", "verified")  # a site holds a kit it received (and maybe verified)


class Batch(Synced, db.Model):
    __tablename__ = "batches"

    name: Mapped[str] = mapped_column(String(200))
    form: Mapped[str] = mapped_column(String(10), default="DVD")
    made_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    items: Mapped[list[BatchItem]] = relationship(back_populates="batch")


class BatchItem(Synced, db.Model):
    __tablename__ = "batch_items"
    __table_args__ = (UniqueConstraint("batch_id", "title_id", name="uq_batch_items"),)

    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("batches.id"), index=True)
    batch: Mapped[Batch] = relationship(back_populates="items")
    title_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("titles.id"), index=True)
    title = relationship("Title")


class BatchManifest(Synced, db.Model):
    """A file a batch carries, as the station held it when the batch was made: a kit is verified
    when its site's scans hold every one of these hashes."""

    __tablename__ = "batch_manifests"
    __table_args__ = (UniqueConstraint("batch_id", "sha256", name="uq_batch_manifests"),)

    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("batches.id"), index=True)
    title_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("titles.id"), index=True)
    title = relationship("Title")
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str | None] = mapped_column(String(300))  # the station's file name, for the list


class Shipment(Synced, db.Model):
    __tablename__ = "shipments"

    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("batches.id"), index=True)
    batch: Mapped[Batch] = relationship()
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"), index=True)
    site = relationship("Site")
    form: Mapped[str] = mapped_column(String(10), default="DVD")
    copies: Mapped[int] = mapped_column(Integer, default=1)
    serial: Mapped[str | None] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="planned")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_by: Mapped[str | None] = mapped_column(String(100))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replaces_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("shipments.id"))

"""Sync bundles imported, which make a re-import idempotent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import Synced, UTCDateTime


class Bundle(Synced, db.Model):
    __tablename__ = "bundles"

    origin: Mapped[str] = mapped_column(String(32), index=True)
    destination: Mapped[str] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    bundle_created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

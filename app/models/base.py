"""Column types and the mixin every synced row carries (id, origin_site, timestamps)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from flask import has_app_context
from sqlalchemy import DateTime, String, TypeDecorator, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import now as utcnow
from ..install import site_code


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite stores naive values)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is UTC:  # the usual case, and a third of the cost of converting
            return value.replace(tzinfo=None)
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def current_origin() -> str:
    """Return the code of the install a new row is born at ("HUB" on a hub)."""
    if has_app_context():
        return site_code() or "HUB"
    return "HUB"


class Synced:
    """Columns of every row that travels between sites and the hub."""

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    origin_site: Mapped[str] = mapped_column(String(32), default=current_origin)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

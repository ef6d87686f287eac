"""Load a row by its UUID given as text, as ids arrive from URLs and JSON."""

from __future__ import annotations

import uuid

from .extensions import db


def by_id(model, value):
    """Return the row of `model` with this id, or None for an unknown or malformed id."""
    try:
        return db.session.get(model, uuid.UUID(str(value)))
    except (ValueError, TypeError):
        return None

"""Looking rows up: by a UUID given as text (as ids arrive from URLs and JSON), and many ids a
query at a time."""

from __future__ import annotations

import uuid
from itertools import islice

from .extensions import db


def by_id(model, value, options=()):
    """Return the row of `model` with this id, or None for an unknown or malformed id.

    `options` are loader options, such as a relationship to load in the same query."""
    try:
        return db.session.get(model, uuid.UUID(str(value)), options=options)
    except (ValueError, TypeError):
        return None


def chunks(iterable, size: int = 500):
    """Lists of `size` items (the last one shorter): ids to look up a query at a time."""
    it = iter(iterable)
    while chunk := list(islice(it, size)):
        yield chunk

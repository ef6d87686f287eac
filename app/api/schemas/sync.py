"""Sync over the network: what the hub answers when a site pushes a bundle."""

from __future__ import annotations

from .base import Out, fields


class Counts(Out):
    inserted = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    conflicts = fields.Integer()


class SyncImport(Counts):
    """The import's summary (app/sync/importer): its totals, and the same per table."""

    digest = fields.String()
    origin = fields.String()
    kind = fields.String()
    seq = fields.Integer()
    already_imported = fields.Boolean()
    imported_at = fields.String(metadata={
        "format": "date-time", "description": "when it was imported before (already_imported only)"})
    tables = fields.Dict(keys=fields.String(), values=fields.Nested(Counts))
    warnings = fields.List(fields.String())

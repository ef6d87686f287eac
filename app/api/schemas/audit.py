"""The audit of a screening (app/audit/services.audit_dict)."""

from __future__ import annotations

from ...models.audit import FLAG_CODES, FLAG_STATES, SEVERITIES
from .base import Out, fields

AT = {"format": "date-time"}


class AuditFlag(Out):
    code = fields.String(required=True, metadata={"enum": list(FLAG_CODES)})
    severity = fields.String(required=True, metadata={"enum": list(SEVERITIES)})
    detail = fields.String(required=True, metadata={
        "description": "a plain sentence in the request's language"})
    state = fields.String(metadata={
        "enum": list(FLAG_STATES), "description": "what an officer at this install made of it"})
    note = fields.String(allow_none=True)


class AuditNote(Out):
    code = fields.String(required=True, metadata={"enum": ["no_snapshots", "clock_off"]})
    detail = fields.String(required=True)


class Audit(Out):
    """The latest audit of a screening at this install."""

    screening = fields.String(metadata={"format": "uuid"})
    checked_at = fields.String(required=True, metadata=AT)
    clock_offset_s = fields.Integer(allow_none=True, metadata={
        "description": "the site's clock minus this install's, taken out of its times"})
    flags = fields.List(fields.Nested(AuditFlag), required=True)
    notes = fields.List(fields.Nested(AuditNote), metadata={
        "description": "remarks that are no flag: no snapshots (no screen), a clock off"})

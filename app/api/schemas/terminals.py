"""Terminal health at the hub: each site's last report and its alerts."""

from __future__ import annotations

from .base import Out, fields

AT = {"format": "date-time"}


class NextScreening(Out):
    id = fields.String(metadata={"format": "uuid"})
    starts_at = fields.String(allow_none=True, metadata=AT)
    readiness = fields.String(allow_none=True,
                              metadata={"enum": ["ready", "at_risk", "unchecked"]})


class Terminal(Out):
    """A site's health (app/terminals/services.terminal_dict)."""

    site = fields.String(required=True)
    name = fields.String()
    last_heard_at = fields.String(required=True, allow_none=True, metadata={
        **AT, "description": "the hub's clock: its last bundle imported (or the report "
                             "recorded on this install)"})
    recorded_at = fields.String(allow_none=True, metadata={
        **AT, "description": "the site's clock"})
    app_version = fields.String(required=True, allow_none=True)
    libvlc_version = fields.String(allow_none=True)
    free_disk_bytes = fields.Integer(required=True, allow_none=True)
    player_faults_30d = fields.Integer(required=True, allow_none=True)
    last_played_at = fields.String(required=True, allow_none=True, metadata=AT)
    uptime_s = fields.Integer(allow_none=True)
    clock_offset_s = fields.Integer(required=True, allow_none=True, metadata={
        "description": "the site's clock minus the hub's; null when unknown"})
    clock_offset_at_least = fields.Boolean(metadata={
        "description": "true: a lower bound, from a bundle made later than the hub imported it"})
    next_screening = fields.Nested(NextScreening, required=True, allow_none=True)
    alerts = fields.List(fields.String(metadata={"enum": [
        "silent", "next_at_risk", "player_faults", "damaged_files", "disk_low", "clock_off"]}),
        required=True)
    damaged_files = fields.Integer(metadata={
        "description": "copies in the site's library the integrity check found damaged"})

"""Screenings, what really played, and a screening's readiness check (DESIGN.md section 4)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ... import limits
from ...screenings.playlist import file_name
from ...screenings.single import teaching_fields
from .base import Bool, In, Out, Text, fields, playlist

STATUSES = ["planned", "running", "done", "partial", "missed", "cancelled"]
AT = {"format": "date-time"}


class ScreeningIn(In):
    """A screening to plan; the services check the times, the site and the playlist."""

    site = Text(limits.SITE_CODE, required=True)
    starts_at = Text(required=True, metadata={
        **AT, "description": "ISO 8601; without an offset it is read in DIANJIAO_TIMEZONE"})
    ends_at = Text(required=True, metadata=AT)
    topic = Text(limits.TOPIC, required=True)
    audience = Text(limits.AUDIENCE, metadata={
        "description": "all, party_members, cadres, villagers or a group"})
    items = playlist(error_messages={"invalid": _l("items is a list of {sha256} or {title_id}.")})
    notes = Text(limits.NOTES, nullable=True)
    force = Bool(allow_none=True, metadata={"description": "plan even when it overlaps"})


class ScreeningPatch(ScreeningIn):
    """Fields of a planned screening to change, or {"status": "cancelled"}."""

    status = Text(metadata={"enum": ["cancelled"]})
    reason = Text(300, nullable=True, metadata={
        "description": "why it is cancelled (a site must say so for a teaching plan's screening)"})


class Warning(Out):
    code = fields.String()
    message = fields.String()


class ScreeningItem(Out):
    position = fields.Integer()
    title_id = fields.UUID(allow_none=True)
    sha256 = fields.Function(lambda i: i.media_file.sha256 if i.media_file else None,
                             allow_none=True, metadata={"type": "string"})
    name = fields.Function(lambda i: i.title.name if i.title else (
        file_name(i.media_file) if i.media_file else ""), metadata={"type": "string"})


class Screening(Out):
    """A screening as the API answers it; `warnings` are those of the planning checks."""

    id = fields.UUID()
    site = fields.String(attribute="site.code")
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    topic = fields.String()
    audience = fields.String(metadata={
        "description": "all, party_members, cadres, villagers or a group"})
    notes = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": STATUSES})
    status_reason = fields.String(allow_none=True)
    late = fields.Boolean()
    series_id = fields.UUID(allow_none=True)
    edited = fields.Boolean()
    teaching_plan = fields.Function(lambda s: teaching_fields(s)["teaching_plan"], allow_none=True,
                                    metadata={"type": "object", "description":
                                              "{id, name, move_window_days} of its teaching plan"})
    session = fields.Function(lambda s: teaching_fields(s)["session"], allow_none=True,
                              metadata={"type": "object", "description":
                                        "{id, position, topic, planned_at} of the plan's session"})
    site_change = fields.Function(lambda s: s.site_change, allow_none=True, metadata={
        "type": "string", "enum": ["moved", "cancelled", None]})
    items = fields.List(fields.Nested(ScreeningItem))
    warnings = fields.List(fields.Nested(Warning))


class PlayLog(Out):
    id = fields.UUID()
    screening_id = fields.UUID(allow_none=True)
    sha256 = fields.String(allow_none=True)
    started_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)
    played_s = fields.Function(lambda log: round(log.played_s, 2), metadata={"type": "number"})
    outcome = fields.String(metadata={"enum": ["completed", "skipped", "stopped", "error"]})
    error = fields.String(allow_none=True)


class Substitute(Out):
    sha256 = fields.String(allow_none=True)
    path = fields.String()


class ReadinessProblem(Out):
    position = fields.Integer(allow_none=True)
    sha256 = fields.String(allow_none=True)
    problem = fields.String()
    path = fields.String(allow_none=True)
    substitutes = fields.List(fields.Nested(Substitute))


class Readiness(Out):
    """A readiness check (app/screenings/readiness.readiness_dict, which the CLI prints too)."""

    status = fields.String(required=True, metadata={"enum": ["ready", "at_risk"]})
    kind = fields.String(metadata={"enum": ["full", "quick"]})
    checked_at = fields.String(required=True, metadata=AT)
    problems = fields.List(fields.Nested(ReadinessProblem), required=True)

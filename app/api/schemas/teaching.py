"""Teaching plans (issue #17): the plan a township issues to many sites, its changes, and how it
is followed. The services (app/teaching/) check the meaning of each value (dates in the period,
the day rules, the sites of the caller's area); these schemas check the shape."""

from __future__ import annotations

from ... import limits
from .base import Bool, In, Int, List, Longest, Out, Strings, Text, fields

WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
RULE_KINDS = ["six_days", "first_saturday", "weekly", "dates", "rrule"]


class SitesIn(In):
    """Which sites a plan covers: a kind, and townships, villages or site codes."""

    kind = Text(limits.SITE_KIND, nullable=True)
    townships = Strings(limits.PLACE_NAME, limits.CHOSEN_SITES)
    villages = Strings(limits.PLACE_NAME, limits.CHOSEN_SITES)
    codes = Strings(limits.SITE_CODE, limits.CHOSEN_SITES)


class Rule(fields.Raw):
    """six_days, first_saturday, weekly:SA, an RRULE, or {kind, weekday, dates, rrule}: the
    services read it (app/teaching/rules.py)."""

    def _jsonschema_type_mapping(self):  # apispec: how the document shows it
        return {"description": self.__doc__, "oneOf": [
            {"type": "string", "maxLength": limits.RRULE},
            {"type": "object", "properties": {
                "kind": {"type": "string", "enum": RULE_KINDS},
                "weekday": {"type": "string", "enum": WEEKDAYS},
                "dates": {"type": "array", "items": {"type": "string", "format": "date"}},
                "rrule": {"type": "string", "maxLength": limits.RRULE}}}]}


class SessionIn(In):
    """One session of a plan: what is screened, for whom, on which days, how long."""

    id = Text(limits.ID, metadata={"format": "uuid", "description": "PATCH: the session changed"})
    topic = Text(limits.TOPIC, required=True)
    audience = Text(limits.AUDIENCE)
    titles = Strings(limits.ID, limits.PLAYLIST_ITEMS, metadata={"items": {"format": "uuid"}})
    rule = Rule(required=True)
    start_time = Text(5, nullable=True, metadata={
        "example": "19:30", "description": "local time of day; none: each site's usual start"})
    minutes = Int(metadata={"minimum": 5, "maximum": 1440})


class TeachingPlanIn(In):
    name = Text(limits.TITLE_NAME, required=True)
    starts_on = Text(10, required=True, metadata={"format": "date"})
    ends_on = Text(10, required=True, metadata={"format": "date"})
    sites = fields.Nested(SitesIn, required=True)
    move_window_days = Int(metadata={"minimum": 0, "maximum": 31, "default": 3})
    sessions = List(fields.Nested(SessionIn), required=True, validate=[Longest(31, least=1)])
    force = Bool(metadata={"description": "make screenings that overlap too"})


class TeachingPlanPatch(In):
    name = Text(limits.TITLE_NAME)
    move_window_days = Int(metadata={"minimum": 0, "maximum": 31})
    sessions = List(fields.Nested(SessionIn), validate=[Longest(31, least=1)])
    force = Bool()


class Session(Out):
    id = fields.String()
    position = fields.Integer()
    topic = fields.String()
    audience = fields.String()
    titles = fields.List(fields.String())
    rule = fields.Dict()
    start_time = fields.String(allow_none=True)
    minutes = fields.Integer()


class Sites(Out):
    kind = fields.String(allow_none=True)
    townships = fields.List(fields.String())
    villages = fields.List(fields.String())
    codes = fields.List(fields.String())


class TeachingPlan(Out):
    """A plan as the API answers it (app/teaching/shape.py plan_dict gives the values)."""

    id = fields.String(metadata={"format": "uuid"})
    name = fields.String()
    starts_on = fields.String(metadata={"format": "date"})
    ends_on = fields.String(metadata={"format": "date"})
    sites = fields.Nested(Sites)
    move_window_days = fields.Integer()
    issued_by = fields.String(allow_none=True)
    issued_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    area = fields.String()
    screenings = fields.Integer()
    sessions = fields.List(fields.Nested(Session))


class Overlap(Out):
    site = fields.String()
    session = fields.Integer()
    starts_at = fields.String(metadata={"format": "date-time"})
    other_id = fields.String()
    other_topic = fields.String()
    made = fields.Boolean()


class Lack(Out):
    title_id = fields.String()
    name = fields.String()
    sites = fields.List(fields.String())


class TeachingPlanIssued(TeachingPlan):
    screenings_made = fields.Integer()
    sites_covered = fields.Integer()
    overlaps = fields.List(fields.Nested(Overlap))
    lacking = fields.List(fields.Nested(Lack))
    batch_url = fields.String(allow_none=True)


class TeachingPlanChanged(TeachingPlan):
    followed = fields.Integer()
    screenings_made = fields.Integer()
    dropped = fields.Integer()
    overlaps = fields.List(fields.Nested(Overlap))


class SiteOutcome(Out):
    site = fields.String()
    screening_id = fields.String()
    outcome = fields.String(metadata={"enum": ["held", "missed", "moved", "cancelled", "ahead"]})
    moved = fields.Boolean()
    planned_at = fields.String()
    starts_at = fields.String()
    reason = fields.String(allow_none=True)
    attendance = fields.Integer()


def _counts() -> dict:
    return {name: fields.Integer() for name in
            ("held", "missed", "moved", "cancelled", "ahead", "attendance")}


SessionProgress = Out.from_dict({"id": fields.String(), "position": fields.Integer(),
                                 "topic": fields.String(), **_counts(),
                                 "sites": fields.List(fields.Nested(SiteOutcome))},
                                name="SessionProgress")
SiteCompliance = Out.from_dict({"site": fields.String(), **_counts(), "due": fields.Integer(),
                                "compliance": fields.Float(allow_none=True)},
                               name="SiteCompliance")


class TeachingPlanProgress(Out):
    plan_id = fields.String()
    name = fields.String()
    sessions = fields.List(fields.Nested(SessionProgress))
    sites = fields.List(fields.Nested(SiteCompliance))

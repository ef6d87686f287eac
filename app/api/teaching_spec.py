"""The OpenAPI schemas of teaching plans (app/api/teaching.py)."""

from __future__ import annotations

from .. import limits

_STR = {"type": "string"}
_NAMES = {"type": "array", "maxItems": limits.CHOSEN_SITES, "items": _STR}
RULE = {"description": "six_days, first_saturday, weekly:SA, an RRULE, or an object "
                       "{kind: six_days|first_saturday|weekly|dates|rrule, weekday, dates, rrule}",
        "oneOf": [_STR, {"type": "object", "properties": {
            "kind": {"type": "string",
                     "enum": ["six_days", "first_saturday", "weekly", "dates", "rrule"]},
            "weekday": {"type": "string", "enum": ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]},
            "dates": {"type": "array", "items": {"type": "string", "format": "date"}},
            "rrule": {"type": "string", "maxLength": limits.RRULE}}}]}
SESSION_IN = {"type": "object", "required": ["topic", "rule"], "properties": {
    "id": {"type": "string", "format": "uuid", "description": "PATCH: the session changed"},
    "topic": {"type": "string", "maxLength": limits.TOPIC},
    "audience": {"type": "string", "maxLength": limits.AUDIENCE},
    "titles": {"type": "array", "maxItems": limits.PLAYLIST_ITEMS,
               "items": {"type": "string", "format": "uuid"}},
    "rule": RULE,
    "start_time": {"type": "string", "nullable": True, "example": "19:30",
                   "description": "local time of day; none: each site's usual start"},
    "minutes": {"type": "integer", "minimum": 5, "maximum": 1440}}}
SITES = {"type": "object", "properties": {
    "kind": {"type": "string", "nullable": True}, "townships": _NAMES, "villages": _NAMES,
    "codes": _NAMES}}
SESSION = {"type": "object", "properties": {**SESSION_IN["properties"],
                                            "position": {"type": "integer"},
                                            "rule": {"type": "object"}}}
PLAN = {"type": "object", "properties": {
    "id": {"type": "string", "format": "uuid"}, "name": _STR,
    "starts_on": {"type": "string", "format": "date"},
    "ends_on": {"type": "string", "format": "date"}, "sites": SITES,
    "move_window_days": {"type": "integer"}, "issued_by": {"type": "string", "nullable": True},
    "issued_at": {"type": "string", "format": "date-time", "nullable": True},
    "area": _STR, "screenings": {"type": "integer"},
    "sessions": {"type": "array", "items": SESSION}}}
OVERLAP = {"type": "object", "properties": {
    "site": _STR, "session": {"type": "integer"},
    "starts_at": {"type": "string", "format": "date-time"}, "other_id": _STR,
    "other_topic": _STR, "made": {"type": "boolean"}}}
LACK = {"type": "object", "properties": {"title_id": _STR, "name": _STR,
                                         "sites": {"type": "array", "items": _STR}}}
_COUNTS = {name: {"type": "integer"} for name in
           ("held", "missed", "moved", "cancelled", "ahead", "attendance")}
SCHEMAS = {
    "TeachingPlanIn": {"type": "object", "required": ["name", "starts_on", "ends_on", "sites",
                                                      "sessions"], "properties": {
        "name": {"type": "string", "maxLength": limits.TITLE_NAME},
        "starts_on": {"type": "string", "format": "date"},
        "ends_on": {"type": "string", "format": "date"}, "sites": SITES,
        "move_window_days": {"type": "integer", "minimum": 0, "maximum": 31, "default": 3},
        "sessions": {"type": "array", "minItems": 1, "maxItems": 31, "items": SESSION_IN},
        "force": {"type": "boolean", "description": "make screenings that overlap too"}}},
    "TeachingPlanPatch": {"type": "object", "properties": {
        "name": {"type": "string", "maxLength": limits.TITLE_NAME},
        "move_window_days": {"type": "integer", "minimum": 0, "maximum": 31},
        "sessions": {"type": "array", "minItems": 1, "maxItems": 31, "items": SESSION_IN},
        "force": {"type": "boolean"}}},
    "TeachingPlan": PLAN,
    "TeachingPlanList": {"type": "object", "required": ["items", "total"], "properties": {
        "items": {"type": "array", "items": PLAN}, "total": {"type": "integer"}}},
    "TeachingPlanIssued": {"type": "object", "properties": {
        **PLAN["properties"], "screenings_made": {"type": "integer"},
        "sites_covered": {"type": "integer"},
        "overlaps": {"type": "array", "items": OVERLAP},
        "lacking": {"type": "array", "items": LACK},
        "batch_url": {"type": "string", "nullable": True}}},
    "TeachingPlanChanged": {"type": "object", "properties": {
        **PLAN["properties"], "followed": {"type": "integer"},
        "screenings_made": {"type": "integer"}, "dropped": {"type": "integer"},
        "overlaps": {"type": "array", "items": OVERLAP}}},
    "TeachingPlanProgress": {"type": "object", "properties": {
        "plan_id": _STR, "name": _STR,
        "sessions": {"type": "array", "items": {"type": "object", "properties": {
            "id": _STR, "position": {"type": "integer"}, "topic": _STR, **_COUNTS,
            "sites": {"type": "array", "items": {"type": "object", "properties": {
                "site": _STR, "screening_id": _STR, "outcome": _STR,
                "moved": {"type": "boolean"}, "planned_at": _STR, "starts_at": _STR,
                "reason": {"type": "string", "nullable": True},
                "attendance": {"type": "integer"}}}}}}},
        "sites": {"type": "array", "items": {"type": "object", "properties": {
            "site": _STR, **_COUNTS, "due": {"type": "integer"},
            "compliance": {"type": "number", "nullable": True}}}}}},
}
TEACHING_FIELDS = {
    "teaching_plan": {"type": "object", "nullable": True, "properties": {
        "id": _STR, "name": _STR, "move_window_days": {"type": "integer"}}},
    "session": {"type": "object", "nullable": True, "properties": {
        "id": _STR, "position": {"type": "integer"}, "topic": _STR, "planned_at": _STR}},
    "site_change": {"type": "string", "nullable": True, "enum": ["moved", "cancelled", None]},
}

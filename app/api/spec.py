"""The OpenAPI 3 document, built from the API views' docstrings."""

from __future__ import annotations

from flask import Flask

from .. import limits
from .teaching_spec import SCHEMAS as TEACHING_SCHEMAS
from .teaching_spec import TEACHING_FIELDS

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}}}},
}
NULLABLE_STR = {"type": "string", "nullable": True}


def text(limit: int, *, nullable: bool = False) -> dict:
    """A string of at most `limit` characters (app/limits.py), checked on every body received."""
    return {"type": "string", "maxLength": limit, **({"nullable": True} if nullable else {})}


def strings(limit: int, items: int) -> dict:
    """A list of at most `items` strings of at most `limit` characters each."""
    return {"type": "array", "maxItems": items, "items": text(limit)}


SCHEMAS = {
    "Error": ERROR,
    "Site": {"type": "object", "properties": {
        "code": {"type": "string"}, "name": {"type": "string"}, "kind": {"type": "string"},
        "township": NULLABLE_STR, "village": NULLABLE_STR,
        "usual_start": {"type": "string", "example": "19:30",
                        "description": "local time teaching plans start at, unless a session "
                                       "sets its own"}}},
    "File": {"type": "object", "properties": {
        "id": {"type": "string", "format": "uuid"}, "sha256": NULLABLE_STR,
        "size": {"type": "integer"}, "duration_s": {"type": "number", "nullable": True},
        "container": NULLABLE_STR, "video_codec": NULLABLE_STR, "audio_codec": NULLABLE_STR,
        "width": {"type": "integer", "nullable": True},
        "height": {"type": "integer", "nullable": True},
        "title_id": {"type": "string", "format": "uuid", "nullable": True},
        "paths": {"type": "array", "items": {"type": "string"}}}},
    "Title": {"type": "object", "properties": {
        "id": {"type": "string", "format": "uuid"}, "name": {"type": "string"},
        "series": NULLABLE_STR, "topics": {"type": "array", "items": {"type": "string"}},
        "audience": {"type": "string"}, "approved": {"type": "boolean"},
        "producer": NULLABLE_STR, "year": {"type": "integer", "nullable": True},
        "summary": NULLABLE_STR, "duration_s": {"type": "number", "nullable": True},
        "files": {"type": "array", "items": {"type": "string"}}}},
    "TitleIn": {"type": "object", "required": ["name"], "additionalProperties": False,
                "properties": {
        "name": text(limits.TITLE_NAME), "series": text(limits.SERIES, nullable=True),
        "topics": strings(limits.TOPIC, limits.TOPICS),
        "audience": {"type": "string", "enum": ["all", "party_members", "cadres", "villagers"]},
        "approved": {"type": "boolean"}, "producer": text(limits.TITLE_NAME, nullable=True),
        "year": {"type": "integer", "nullable": True},
        "summary": text(limits.SUMMARY, nullable=True),
        "sha256": strings(limits.SHA256, limits.TITLE_FILES)}},
}
ITEM_IN = {"type": "object", "properties": {
    "sha256": text(limits.SHA256), "title_id": {**text(limits.ID), "format": "uuid"},
    "file_id": {**text(limits.ID), "format": "uuid"}}}
PLAYLIST = {"type": "array", "maxItems": limits.PLAYLIST_ITEMS, "items": ITEM_IN}
SCREENING_FIELDS = {
    "site": text(limits.SITE_CODE),
    "starts_at": {"type": "string", "format": "date-time",
                  "description": "ISO 8601; without an offset it is read in DIANJIAO_TIMEZONE"},
    "ends_at": {"type": "string", "format": "date-time"},
    "topic": text(limits.TOPIC),
    "audience": {**text(limits.AUDIENCE),
                 "description": "all, party_members, cadres, villagers or a group"},
    "items": PLAYLIST,
    "notes": text(limits.NOTES, nullable=True),
    "force": {"type": "boolean", "description": "plan even when it overlaps"},
}
WARNING = {"type": "object", "properties": {"code": {"type": "string"},
                                            "message": {"type": "string"}}}
SCHEMAS.update({
    "ScreeningIn": {"type": "object", "required": ["site", "starts_at", "ends_at", "topic"],
                    "properties": SCREENING_FIELDS},
    "ScreeningPatch": {"type": "object", "properties": {
        **SCREENING_FIELDS, "status": {"type": "string", "enum": ["cancelled"]},
        "reason": {**text(300), "description": "why it is cancelled (a site must say so for "
                                               "a teaching plan's screening)"}}},
    "Screening": {"type": "object", "properties": {
        **{k: v for k, v in SCREENING_FIELDS.items() if k not in ("items", "force")},
        "id": {"type": "string", "format": "uuid"},
        "status": {"type": "string", "enum": ["planned", "running", "done", "partial", "missed",
                                              "cancelled"]},
        "status_reason": NULLABLE_STR, "late": {"type": "boolean"},
        "series_id": {"type": "string", "nullable": True}, "edited": {"type": "boolean"},
        **TEACHING_FIELDS,
        "items": {"type": "array", "items": {"type": "object", "properties": {
            "position": {"type": "integer"}, "title_id": NULLABLE_STR, "sha256": NULLABLE_STR,
            "name": {"type": "string"}}}},
        "warnings": {"type": "array", "items": WARNING}}},
    "PlayLog": {"type": "object", "properties": {
        "id": {"type": "string", "format": "uuid"}, "screening_id": NULLABLE_STR,
        "sha256": NULLABLE_STR, "started_at": {"type": "string", "format": "date-time"},
        "ended_at": {"type": "string", "format": "date-time", "nullable": True},
        "played_s": {"type": "number"},
        "outcome": {"type": "string", "enum": ["completed", "skipped", "stopped", "error"]},
        "error": NULLABLE_STR}},
})
SCHEMAS.update(TEACHING_SCHEMAS)
SCHEMAS["PlayerStatus"] = {"type": "object", "properties": {
    "site": {"type": "string"},
    "state": {"type": "string", "enum": ["idle", "playing", "paused"]},
    "current": {"type": "object", "nullable": True},
    "volume": {"type": "integer"},
    "queue": {"type": "array", "items": {"type": "object"}},
    "index": {"type": "integer", "nullable": True},
    "screening_id": NULLABLE_STR,
    "available": {"type": "boolean"}, "reason": NULLABLE_STR,
    "reason_shown": {**NULLABLE_STR, "description": "the reason in the caller's language"},
    "next_screening": {"type": "object", "nullable": True}}}
SCHEMAS["Readiness"] = {"type": "object", "required": ["status", "checked_at", "problems"],
                        "properties": {
    "status": {"type": "string", "enum": ["ready", "at_risk"]},
    "kind": {"type": "string", "enum": ["full", "quick"]},
    "checked_at": {"type": "string", "format": "date-time"},
    "problems": {"type": "array", "items": {"type": "object", "properties": {
        "position": {"type": "integer", "nullable": True}, "sha256": NULLABLE_STR,
        "problem": {"type": "string"}, "path": NULLABLE_STR,
        "substitutes": {"type": "array", "items": {"type": "object", "properties": {
            "sha256": NULLABLE_STR, "path": {"type": "string"}}}}}}}}}
SCHEMAS.update({
    "Person": {"type": "object", "properties": {
        "id": {"type": "string", "format": "uuid"}, "name": {"type": "string"},
        "pinyin": {"type": "string"}, "initials": {"type": "string"},
        "village": NULLABLE_STR, "township": NULLABLE_STR, "party_member": {"type": "boolean"},
        "role": {"type": "string", "enum": ["cadre", "member", "activist", "villager"]},
        "phone": NULLABLE_STR, "walkin": {"type": "boolean"}, "active": {"type": "boolean"}}},
    "PersonIn": {"type": "object", "required": ["name"], "properties": {
        "name": text(limits.PERSON_NAME), "village": text(limits.PLACE_NAME, nullable=True),
        "township": text(limits.PLACE_NAME, nullable=True), "party_member": {"type": "boolean"},
        "role": {"type": "string", "enum": ["cadre", "member", "activist", "villager"]},
        "phone": text(limits.PHONE, nullable=True)}},
    "Attendance": {"type": "object", "properties": {
        "id": {"type": "string", "format": "uuid"}, "screening_id": {"type": "string"},
        "person_id": {"type": "string"}, "name": {"type": "string"},
        "method": {"type": "string", "enum": ["kiosk", "phone", "operator", "paper"]},
        "status": {"type": "string", "enum": ["present", "late", "excused", "absent"]},
        "signed_at": {"type": "string", "format": "date-time"}, "recorded_by": NULLABLE_STR,
        "device": NULLABLE_STR}},
    "AttendanceIn": {"type": "object", "properties": {
        "person_id": {**text(limits.ID), "format": "uuid"},
        "walkin_name": text(limits.PERSON_NAME), "village": text(limits.PLACE_NAME, nullable=True),
        "method": {"type": "string", "enum": ["kiosk", "phone", "operator", "paper"]},
        "status": {"type": "string", "enum": ["present", "late", "excused", "absent"]},
        "device": text(limits.DEVICE, nullable=True)}},
    "QueueIn": {"type": "object", "properties": {
        "items": PLAYLIST, "mode": {"type": "string", "enum": ["append", "replace"]},
        "remove": {"type": "integer", "minimum": 0},
        "move": {"type": "object", "properties": {"from": {"type": "integer"},
                                                  "to": {"type": "integer"}}},
        "clear": {"type": "boolean"}}},
})
DATE_TIME_OR_NULL = {"type": "string", "format": "date-time", "nullable": True}
SCHEMAS["Terminal"] = {"type": "object", "required": [
    "site", "last_heard_at", "app_version", "free_disk_bytes", "player_faults_30d",
    "last_played_at", "clock_offset_s", "next_screening", "alerts"], "properties": {
    "site": {"type": "string"}, "name": {"type": "string"},
    "last_heard_at": {**DATE_TIME_OR_NULL, "description": "the hub's clock: its last bundle "
                      "imported (or the report recorded on this install)"},
    "recorded_at": {**DATE_TIME_OR_NULL, "description": "the site's clock"},
    "app_version": NULLABLE_STR, "libvlc_version": NULLABLE_STR,
    "free_disk_bytes": {"type": "integer", "nullable": True},
    "player_faults_30d": {"type": "integer", "nullable": True},
    "last_played_at": DATE_TIME_OR_NULL,
    "uptime_s": {"type": "integer", "nullable": True},
    "clock_offset_s": {"type": "integer", "nullable": True,
                       "description": "the site's clock minus the hub's; null when unknown"},
    "clock_offset_at_least": {"type": "boolean", "description": "true: a lower bound, from a "
                              "bundle made later than the hub imported it"},
    "next_screening": {"type": "object", "nullable": True, "properties": {
        "id": {"type": "string", "format": "uuid"}, "starts_at": DATE_TIME_OR_NULL,
        "readiness": {"type": "string", "enum": ["ready", "at_risk", "unchecked"],
                      "nullable": True}}},
    "alerts": {"type": "array", "items": {"type": "string", "enum": [
        "silent", "next_at_risk", "player_faults", "disk_low", "clock_off"]}}}}
for _name in ("Site", "File", "Title", "Screening", "PlayLog", "Person", "Attendance",
              "Terminal"):
    SCHEMAS[f"{_name}List"] = {"type": "object", "required": ["items", "total"], "properties": {
        "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{_name}"}},
        "total": {"type": "integer"}}}

SHIPMENT_STATUS = {"type": "string", "enum": ["planned", "sent", "received", "verified", "lost",
                                              "damaged", "returned"]}
FORM = {"type": "string", "enum": ["DVD", "VCD", "USB", "file"]}
STRINGS = {"type": "array", "items": {"type": "string"}}
SCHEMAS.update({
    "Batch": {"type": "object", "properties": {
        "id": {"type": "string", "format": "uuid"}, "name": {"type": "string"}, "form": FORM,
        "made_on": {"type": "string", "format": "date", "nullable": True}, "notes": NULLABLE_STR,
        "titles": {"type": "array", "items": {"type": "string", "format": "uuid"}},
        "shipments": {"type": "object", "additionalProperties": {"type": "integer"},
                      "description": "kits per status"}}},
    "BatchIn": {"type": "object", "required": ["name", "titles"], "properties": {
        "name": text(limits.BATCH_NAME), "form": FORM,
        "made_on": {"type": "string", "format": "date", "nullable": True},
        "notes": text(limits.NOTES, nullable=True),
        "titles": {"type": "array", "minItems": 1, "maxItems": limits.BATCH_TITLES,
                   "items": {**text(limits.ID), "format": "uuid"}}}},
    "ConsignIn": {"type": "object", "properties": {
        "sites": {**strings(limits.SITE_CODE, limits.CHOSEN_SITES), "description": "site codes"},
        "kind": {"oneOf": [text(limits.SITE_KIND), strings(limits.SITE_KIND, limits.SITE_KINDS)],
                 "description": "site kind(s)"},
        "townships": strings(limits.PLACE_NAME, limits.CHOSEN_SITES),
        "villages": strings(limits.PLACE_NAME, limits.CHOSEN_SITES),
        "copies": {"type": "integer", "minimum": 1, "default": 1},
        "form": {**FORM, "nullable": True, "description": "default: the batch's form"}}},
    "Shipment": {"type": "object", "properties": {
        "id": {"type": "string", "format": "uuid"}, "site": {"type": "string"},
        "status": SHIPMENT_STATUS, "copies": {"type": "integer"}, "form": FORM,
        "serial": {"type": "string"}, "batch": {"type": "string", "format": "uuid"},
        "sent_at": {"type": "string", "format": "date-time", "nullable": True},
        "received_at": {"type": "string", "format": "date-time", "nullable": True},
        "received_by": NULLABLE_STR,
        "verified_at": {"type": "string", "format": "date-time", "nullable": True},
        "replaces": {"type": "string", "format": "uuid", "nullable": True}}},
    "ShipmentPatch": {"type": "object", "required": ["status"], "properties": {
        "status": SHIPMENT_STATUS, "received_by": text(limits.RECEIVED_BY, nullable=True)}},
    "Holder": {"type": "object", "properties": {
        "site": {"type": "string"}, "name": {"type": "string"}, "kind": {"type": "string"},
        "township": NULLABLE_STR, "village": NULLABLE_STR,
        "how": {"type": "array", "items": {"type": "string", "enum": ["seen", "received"]}},
        "titles": {"type": "integer"}, "of": {"type": "integer"}, "complete": {"type": "boolean"},
        "serials": STRINGS}},
    "TownshipLine": {"type": "object", "properties": {
        "township": NULLABLE_STR, "line": {"type": "string"},
        "kinds": {"type": "array", "items": {"type": "object", "properties": {
            "kind": {"type": "string"}, "holding": {"type": "integer"},
            "total": {"type": "integer"}}}}}},
    "CoverageRow": {"type": "object", "properties": {
        "township": NULLABLE_STR, "kind": {"type": "string"}, "holding": {"type": "integer"},
        "complete": {"type": "integer"}, "total": {"type": "integer"},
        "required": {"type": "boolean"}, "short": STRINGS}},
})
for _name in ("Batch", "Shipment"):
    SCHEMAS[f"{_name}List"] = {"type": "object", "required": ["items", "total"], "properties": {
        "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{_name}"}},
        "total": {"type": "integer"}}}
SCHEMAS["Consignment"] = {"type": "object", "required": ["items", "total"], "properties": {
    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Shipment"}},
    "total": {"type": "integer"}, "skipped": STRINGS}}
SCHEMAS["Whereis"] = {"type": "object", "required": ["items", "total"], "properties": {
    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Holder"}},
    "total": {"type": "integer"}, "title": {"type": "object"}, "series": {"type": "string"},
    "townships": {"type": "array", "items": {"$ref": "#/components/schemas/TownshipLine"}}}}
SCHEMAS["Coverage"] = {"type": "object", "required": ["items", "total"], "properties": {
    "series": {"type": "string"}, "titles": {"type": "integer"},
    "items": {"type": "array", "items": {"$ref": "#/components/schemas/CoverageRow"}},
    "total": {"type": "integer"},
    "townships": {"type": "array", "items": {"$ref": "#/components/schemas/TownshipLine"}}}}
NUMBER = {"type": "number"}
INTEGER = {"type": "integer"}
QUOTA = {"type": "object", "required": ["rule", "required", "actual", "met"], "properties": {
    "rule": {"type": "string", "description": "the figure the rule requires (REPORT_RULES)"},
    "required": NUMBER, "actual": NUMBER, "met": {"type": "boolean"}}}
REPORT_FIGURES = {
    "sessions": INTEGER, "group_sessions": INTEGER, "hours": NUMBER, "attendance": INTEGER,
    "study_hours": NUMBER, "party_members": INTEGER, "participants": INTEGER,
    "participation_rate": NUMBER, "six_days": INTEGER, "six_day_sessions": INTEGER,
    "days_open": INTEGER, "missed": INTEGER, "planned": INTEGER, "cancelled": INTEGER}
SCHEMAS["ReportCard"] = {"type": "object", "required": [
    "sessions", "group_sessions", "hours", "attendance", "quotas"], "properties": {
    "site": {"type": "string"}, "name": {"type": "string"}, "township": NULLABLE_STR,
    "village": NULLABLE_STR, "month": {"type": "string"}, "timezone": {"type": "string"},
    **REPORT_FIGURES, "quotas": {"type": "array", "items": QUOTA}}}
SCHEMAS["ReportAlert"] = {"type": "object", "properties": {
    "site": {"type": "string"}, "name": {"type": "string"}, "rule": {"type": "string"},
    "required": NUMBER, "actual": NUMBER, "months": INTEGER,
    "level": {"type": "string", "enum": ["site", "township", "city"]}}}
QUOTA_COUNT = {"type": "object", "properties": {
    "rule": {"type": "string"}, "required": NUMBER, "sites_met": INTEGER, "sites": INTEGER}}
SCHEMAS["ReportRollup"] = {"type": "object", "properties": {
    "township": {**NULLABLE_STR, "description": "null for the city"},
    "month": {"type": "string"}, "timezone": {"type": "string"}, "sites": INTEGER,
    **{k: v for k, v in REPORT_FIGURES.items() if k not in ("study_hours", "six_days")},
    "quotas": {"type": "array", "items": QUOTA_COUNT},
    "alerts": {"type": "array", "items": {"$ref": "#/components/schemas/ReportAlert"}},
    "cards": {"type": "array", "items": {"$ref": "#/components/schemas/ReportCard"}},
    "townships": {"type": "array", "items": {"type": "object"},
                  "description": "the city's lines per township"}}}


ERROR_REF = {"$ref": "#/components/responses/Error"}
# The statuses any operation may answer for a reason common to many, each a reusable response
# with the error envelope; build_spec adds them where they apply (see common_statuses).
COMMON_RESPONSES = {
    "401": ("Unauthorized", "Not logged in: no browser session and no valid API token "
                            "(Authorization: Bearer ...)."),
    "403": ("Forbidden", "Not allowed: the caller's role, a site or place outside its area, or a "
                         "browser session's write without its CSRF token (X-CSRFToken)."),
    "404": ("NotFound", "No such thing: an unknown id, code or name in the path or the query."),
    "413": ("TooLarge", "The body is larger than this server accepts."),
    "429": ("TooManyRequests", "Too many refused API tokens (Authorization: Bearer) from this "
                               "address in the last minute (DIANJIAO_TOKEN_RATE_LIMIT): wait "
                               "for the Retry-After header's seconds."),
    "422": ("Invalid", "The request cannot be used: a parameter or a field missing, of the wrong "
                       "type or out of range, or text with a NUL character."),
}


def _error_response(description: str) -> dict:
    return {"description": description, "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


# Query parameters that name a row by its code or id: an unknown one is 404, like a path's id.
REFERENCES = {"site", "screening", "batch", "title"}


def common_statuses(view, operation: dict, path_args) -> list[str]:
    """The statuses an operation answers through the API's plumbing, whatever its docstring says:
    422 for any request (text with a NUL is refused before the view), 401, 403 and 429 (refused
    tokens, rate-limited) where a login is required (api_roles), 404 for an id in the path or a reference in the query, 413 where a
    body is read."""
    statuses = ["422", "429"]  # 429: any Bearer request, once an address's tokens were refused
    if getattr(view, "api_roles", None):
        statuses += ["401", "403"]
    query = {p.get("name") for p in operation.get("parameters", []) if isinstance(p, dict)
             and p.get("in") == "query"}
    if path_args or query & REFERENCES:
        statuses.append("404")
    if "requestBody" in operation:
        statuses.append("413")
    return statuses


def add_common_responses(view, operation: dict, path_args) -> None:
    """Document the common statuses with the error envelope; a status the docstring describes
    in its own words (not the bare Error response) keeps that description."""
    responses = {str(k): v for k, v in operation.get("responses", {}).items()}
    for status in common_statuses(view, operation, path_args):
        if responses.get(status) not in (None, ERROR_REF):
            continue
        name, description = COMMON_RESPONSES[status]
        if status == "403":  # say who may: the roles differ from one operation to the next
            roles = ", ".join(view.api_roles)
            responses[status] = _error_response(f"{description} Roles allowed: {roles}.")
        else:
            responses[status] = {"$ref": f"#/components/responses/{name}"}
    operation["responses"] = dict(sorted(responses.items()))


def build_spec(app: Flask) -> dict:
    from apispec import APISpec  # with PyYAML: loaded when the document is first asked for
    from apispec.yaml_utils import load_operations_from_docstring

    spec = APISpec(title="Dianjiao API", version="1", openapi_version="3.0.3",
                   info={"description": "Catalog, screenings and sites of Dianjiao. Errors are "
                                        '{"error": {"code", "message"}} with a 4xx status.'})
    for name, schema in SCHEMAS.items():
        spec.components.schema(name, schema)
    spec.components.response("Error", _error_response("Error"))
    for name, description in COMMON_RESPONSES.values():
        spec.components.response(name, _error_response(description))
    spec.components.parameter("limit", "query", {"schema": {
        "type": "integer", "minimum": 1, "maximum": 500, "default": 100}})
    spec.components.parameter("offset", "query", {"schema": {
        "type": "integer", "minimum": 0, "maximum": limits.OFFSET, "default": 0}})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        view = app.view_functions[rule.endpoint]
        operations = load_operations_from_docstring(view.__doc__ or "")
        for operation in operations.values():
            add_common_responses(view, operation, rule.arguments)
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<{arg}>", "{" + arg + "}")
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    document["security"] = [{"bearer": []}]
    return document

"""The OpenAPI 3 document, built from the API views' docstrings."""

from __future__ import annotations

from apispec import APISpec
from apispec.yaml_utils import load_operations_from_docstring
from flask import Flask

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}}}},
}
NULLABLE_STR = {"type": "string", "nullable": True}
SCHEMAS = {
    "Error": ERROR,
    "Site": {"type": "object", "properties": {
        "code": {"type": "string"}, "name": {"type": "string"}, "kind": {"type": "string"},
        "township": NULLABLE_STR, "village": NULLABLE_STR}},
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
        "name": {"type": "string"}, "series": NULLABLE_STR,
        "topics": {"type": "array", "items": {"type": "string"}},
        "audience": {"type": "string", "enum": ["all", "party_members", "cadres", "villagers"]},
        "approved": {"type": "boolean"}, "producer": NULLABLE_STR,
        "year": {"type": "integer", "nullable": True}, "summary": NULLABLE_STR,
        "sha256": {"type": "array", "items": {"type": "string"}}}},
}
ITEM_IN = {"type": "object", "properties": {
    "sha256": {"type": "string"}, "title_id": {"type": "string", "format": "uuid"},
    "file_id": {"type": "string", "format": "uuid"}}}
SCREENING_FIELDS = {
    "site": {"type": "string"},
    "starts_at": {"type": "string", "format": "date-time",
                  "description": "ISO 8601; without an offset it is read in DIANJIAO_TIMEZONE"},
    "ends_at": {"type": "string", "format": "date-time"},
    "topic": {"type": "string"},
    "audience": {"type": "string", "description": "all, party_members, cadres, villagers or a group"},
    "items": {"type": "array", "items": ITEM_IN},
    "notes": NULLABLE_STR,
    "force": {"type": "boolean", "description": "plan even when it overlaps"},
}
WARNING = {"type": "object", "properties": {"code": {"type": "string"},
                                            "message": {"type": "string"}}}
SCHEMAS.update({
    "ScreeningIn": {"type": "object", "required": ["site", "starts_at", "ends_at", "topic"],
                    "properties": SCREENING_FIELDS},
    "ScreeningPatch": {"type": "object", "properties": {
        **SCREENING_FIELDS, "status": {"type": "string", "enum": ["cancelled"]}}},
    "Screening": {"type": "object", "properties": {
        **{k: v for k, v in SCREENING_FIELDS.items() if k not in ("items", "force")},
        "id": {"type": "string", "format": "uuid"},
        "status": {"type": "string", "enum": ["planned", "running", "done", "partial", "missed",
                                              "cancelled"]},
        "status_reason": NULLABLE_STR, "late": {"type": "boolean"},
        "series_id": {"type": "string", "nullable": True}, "edited": {"type": "boolean"},
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
SCHEMAS["PlayerStatus"] = {"type": "object", "properties": {
    "site": {"type": "string"},
    "state": {"type": "string", "enum": ["idle", "playing", "paused"]},
    "current": {"type": "object", "nullable": True},
    "volume": {"type": "integer"},
    "queue": {"type": "array", "items": {"type": "object"}},
    "index": {"type": "integer", "nullable": True},
    "screening_id": NULLABLE_STR,
    "available": {"type": "boolean"}, "reason": NULLABLE_STR,
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
        "name": {"type": "string", "maxLength": 40}, "village": NULLABLE_STR,
        "township": NULLABLE_STR, "party_member": {"type": "boolean"},
        "role": {"type": "string", "enum": ["cadre", "member", "activist", "villager"]},
        "phone": NULLABLE_STR}},
    "Attendance": {"type": "object", "properties": {
        "id": {"type": "string", "format": "uuid"}, "screening_id": {"type": "string"},
        "person_id": {"type": "string"}, "name": {"type": "string"},
        "method": {"type": "string", "enum": ["kiosk", "phone", "operator", "paper"]},
        "status": {"type": "string", "enum": ["present", "late", "excused", "absent"]},
        "signed_at": {"type": "string", "format": "date-time"}, "recorded_by": NULLABLE_STR,
        "device": NULLABLE_STR}},
    "AttendanceIn": {"type": "object", "properties": {
        "person_id": {"type": "string", "format": "uuid"}, "walkin_name": {"type": "string"},
        "village": NULLABLE_STR,
        "method": {"type": "string", "enum": ["kiosk", "phone", "operator", "paper"]},
        "status": {"type": "string", "enum": ["present", "late", "excused", "absent"]},
        "device": NULLABLE_STR}},
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
        "name": {"type": "string", "maxLength": 200}, "form": FORM,
        "made_on": {"type": "string", "format": "date", "nullable": True}, "notes": NULLABLE_STR,
        "titles": {"type": "array", "minItems": 1,
                   "items": {"type": "string", "format": "uuid"}}}},
    "ConsignIn": {"type": "object", "properties": {
        "sites": {**STRINGS, "description": "site codes"},
        "kind": {"oneOf": [{"type": "string"}, STRINGS], "description": "site kind(s)"},
        "townships": STRINGS, "villages": STRINGS,
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
        "status": SHIPMENT_STATUS, "received_by": NULLABLE_STR}},
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


def build_spec(app: Flask) -> dict:
    spec = APISpec(title="Dianjiao API", version="1", openapi_version="3.0.3",
                   info={"description": "Catalog, screenings and sites of Dianjiao."})
    for name, schema in SCHEMAS.items():
        spec.components.schema(name, schema)
    spec.components.response("Error", {"description": "Error", "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
    spec.components.parameter("limit", "query", {"schema": {
        "type": "integer", "minimum": 1, "maximum": 500, "default": 100}})
    spec.components.parameter("offset", "query", {"schema": {
        "type": "integer", "minimum": 0, "default": 0}})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        view = app.view_functions[rule.endpoint]
        operations = load_operations_from_docstring(view.__doc__ or "")
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<{arg}>", "{" + arg + "}")
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    document["security"] = [{"bearer": []}]
    return document

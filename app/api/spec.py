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
for _name in ("Site", "File", "Title"):
    SCHEMAS[f"{_name}List"] = {"type": "object", "required": ["items", "total"], "properties": {
        "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{_name}"}},
        "total": {"type": "integer"}}}


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

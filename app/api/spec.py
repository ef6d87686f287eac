"""The OpenAPI 3 document's assembly: its info, security, the error envelope and the statuses
common to many operations, the paging parameters; the schemas come from app/api/schemas (one
marshmallow class per resource, through apispec's MarshmallowPlugin), each operation's summary,
description and parameters from its view's docstring (after '---'), its body and answers from
the view's `schemas(...)` declaration (app/api/helpers.py)."""

from __future__ import annotations

from flask import Flask

from .. import limits
from .schemas import COMPONENTS

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}}}},
}
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


def add_schemas(view, operations: dict) -> None:
    """The request body and the answers a view declared with `schemas(...)` (app/api/helpers)."""
    for method, declared in getattr(view, "api_schemas", {}).items():
        operation = operations.setdefault(method, {})
        responses = operation["responses"] = operation.get("responses") or {}
        for key, value in declared.items():
            if key == "body":
                operation["requestBody"] = {"required": True, "content": {
                    "application/json": {"schema": value}}}
            else:
                description, schema = value
                responses[key] = {"description": description,
                                  "content": {"application/json": {"schema": schema}}}


def _schema_name(schema) -> str | None:
    """Nested schemas not registered by name are written inline."""
    return None


def build_spec(app: Flask) -> dict:
    # apispec with PyYAML and marshmallow: loaded when the document is first asked for
    from apispec import APISpec
    from apispec.ext.marshmallow import MarshmallowPlugin
    from apispec.yaml_utils import load_operations_from_docstring

    spec = APISpec(title="Dianjiao API", version="1", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name)],
                   info={"description": "Catalog, screenings and sites of Dianjiao. Errors are "
                                        '{"error": {"code", "message"}} with a 4xx status.'})
    spec.components.schema("Error", ERROR)
    for name, schema in COMPONENTS.items():
        spec.components.schema(name, schema=schema)
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
        add_schemas(view, operations)
        for operation in operations.values():
            add_common_responses(view, operation, rule.arguments)
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<{arg}>", "{" + arg + "}")
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    document["security"] = [{"bearer": []}]
    return document

"""The OpenAPI document, now written from the API's marshmallow schemas, still holds everything
the hand-written one did (issue #16, item 4): every path and method, every status each answers,
every parameter, every request body, and every component schema with its fields and required
fields. tests/web/openapi_summary.json is that summary of the document before the change."""

from __future__ import annotations

import json
from pathlib import Path

SUMMARY = json.loads((Path(__file__).parent / "openapi_summary.json").read_text("utf-8"))


def _parameter(parameter: dict) -> str:
    return parameter["name"] if "name" in parameter else parameter["$ref"].split("/")[-1]


def test_the_document_holds_every_path_method_status_and_parameter_it_had(client):
    document = client.get("/api/openapi.json").json
    for path, methods in SUMMARY["paths"].items():
        assert path in document["paths"], path
        for method, was in methods.items():
            operation = document["paths"][path].get(method)
            assert operation is not None, (method, path)
            assert set(was["statuses"]) <= set(operation["responses"]), (method, path)
            names = {_parameter(p) for p in operation.get("parameters", [])}
            assert set(was["parameters"]) <= names, (method, path)
            assert was["body"] == ("requestBody" in operation), (method, path)


def test_the_document_holds_every_schema_and_field_it_had(client):
    schemas = client.get("/api/openapi.json").json["components"]["schemas"]
    for name, was in SUMMARY["schemas"].items():
        assert name in schemas, name
        assert set(was["fields"]) <= set(schemas[name].get("properties", {})), name
        assert set(was["required"]) <= set(schemas[name].get("required", [])), name


def test_a_request_body_is_checked_by_the_schema_it_is_documented_with(client):
    """The limit the document states is the one the API keeps: one class says both."""
    schemas = client.get("/api/openapi.json").json["components"]["schemas"]
    assert schemas["TitleIn"]["additionalProperties"] is False
    assert schemas["TitleIn"]["properties"]["name"]["maxLength"] == 200

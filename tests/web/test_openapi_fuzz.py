"""The OpenAPI document lists every status each operation answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from openapi_spec_validator import validate

from tests.conftest import token_client


def test_the_document_lists_every_status_an_operation_answers(client):
    """401 and 403 wherever a login is needed, 404 for an id in the path or a site, screening,
    batch or title named in the query, 413 where a body is sent, 422 everywhere (NUL text);
    every error with the one envelope."""
    document = client.get("/api/openapi.json").json
    validate(document)
    error = document["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["required"] == ["code", "message"]
    operations = [(method, path, operation) for path, item in document["paths"].items()
                  for method, operation in item.items()]
    assert len(operations) >= 31
    for method, path, operation in operations:
        responses = operation["responses"]
        expected = {"422"}
        if operation.get("security") != []:  # all but the sync bundles, signed instead
            expected |= {"401", "403"}
        if "{" in path or {p.get("name") for p in operation.get("parameters", [])} & {
                "site", "screening", "batch", "title"}:
            expected.add("404")
        if "requestBody" in operation:
            expected.add("413")
        assert expected <= set(responses), (method, path, expected - set(responses))
        for status, response in responses.items():
            if status.startswith("4"):
                if "$ref" in response:
                    response = document["components"]["responses"][response["$ref"].split("/")[-1]]
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, status)
    screenings = document["paths"]["/api/v1/screenings"]
    assert {"401", "403", "404", "422"} <= set(screenings["get"]["responses"])
    assert {"401", "403", "404", "409", "413", "422"} <= set(screenings["post"]["responses"])
    assert "Roles allowed: admin, township, operator." in (
        screenings["post"]["responses"]["403"]["description"])


@pytest.mark.parametrize("site", [["P-001"], {"code": "P-001"}, 1])
def test_a_screening_whose_site_is_not_text_is_refused_plainly(app, make, site):
    """It was looked up as it was: a list or an object made the database fail (500)."""
    make.site("P-001")
    make.user("admin", "admin")
    starts = datetime.now(UTC) + timedelta(days=2)
    response = token_client(app, "admin").post("/api/v1/screenings", json={
        "site": site, "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=1)).isoformat(), "topic": "果树修剪"})
    assert response.status_code == 422
    assert response.json["error"]["message"] == "Field site has the wrong type."

"""The API against its own OpenAPI document: schemathesis generates requests for every operation
from the document (valid data and invalid data), an admin and a site's operator send each, and
every answer must be no 5xx, a status the document lists for the operation, and a body of the
documented schema. Bounded and derandomized: the same requests on every run. Also the document's
list of statuses, and the failures the fuzzing found, as plain examples."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
import schemathesis
from flask import g
from hypothesis import HealthCheck, Phase, given, settings
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.extensions import db
from schedules.vlc_backend import NullBackend
from tests.conftest import token_client

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
CONFIG = schemathesis.Config.from_dict({"generation": {"deterministic": True}})
# Examples per operation and kind of data (valid, invalid; and again on real rows for an
# operation with an id in its path), each sent twice (two users). DIANJIAO_FUZZ_EXAMPLES=200
# runs a longer search by hand.
EXAMPLES = int(os.environ.get("DIANJIAO_FUZZ_EXAMPLES", "12"))


@pytest.fixture
def rows(app, make, monkeypatch) -> dict:
    """A hub whose player drives P-001 (no TV: a player that plays nothing) and a few rows of
    each kind: the Authorization headers of an admin and of P-001's operator, and the rows'
    references by the names of the path and query parameters that take them."""
    from app.distribution.batches import create_batch
    from app.distribution.kits import consign
    from app.people.services import create_person
    from app.player.services import close_player
    from app.screenings.single import create_screening

    monkeypatch.setattr("app.player.services.make_backend", lambda args, **_kw: NullBackend("no TV here"))
    app.config["PLAYER_SITE"] = "P-001"
    site = make.site("P-001", township="城关镇", village="东村")
    other = make.site("P-002", township="河口乡", village="石桥村")
    make.user("admin", "admin")
    make.user("op-a", "operator", site=site)
    title = make.title()
    starts = datetime.now(UTC) + timedelta(days=2)
    screening, _ = create_screening(site, starts_at=starts, ends_at=starts + timedelta(hours=1),
                                    topic="果树修剪")
    batch = create_batch("春季", "DVD", [str(title.id)])
    kit = consign(batch, [site, other]).created[0]
    create_person("张三", village=site.unit)
    db.session.commit()
    yield {
        "tokens": [token_client(app, name).environ_base["HTTP_AUTHORIZATION"]
                   for name in ("admin", "op-a")],
        "rows": {"screening_id": str(screening.id), "batch_id": str(batch.id),
                 "shipment_id": str(kit.id), "screening": str(screening.id),
                 "batch": str(batch.id), "title": str(title.id), "site": "P-001"},
    }
    close_player(app)


def served(app):
    """The app as a server runs it: every request starts with an empty `g` (see FreshClient;
    schemathesis brings its own test client)."""

    def wsgi(environ, start_response):
        vars(g).clear()
        return app(environ, start_response)

    return wsgi


def runs(operation, rows: dict):
    """Valid and invalid requests; for an operation naming a row (an id in its path, a site or a
    screening in its query), also both with real rows named, to reach past the lookups."""
    path = {p.name: rows[p.name] for p in operation.path_parameters if p.name in rows}
    query = {p.name: rows[p.name] for p in operation.query if p.name in rows}
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        yield mode.value, operation.as_strategy(generation_mode=mode)
        if path or query:
            yield f"{mode.value}, real rows", operation.as_strategy(
                generation_mode=mode, path_parameters=path or None, query=query or None)


@pytest.mark.parametrize("backend", ["sqlite"])  # one backend holds the API to its document
def test_every_operation_answers_as_documented(app, rows):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash is a 500 with the request that made it
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", served(app), config=CONFIG)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 31
    failures = []
    for operation in operations:
        for label, strategy in runs(operation, rows["rows"]):

            @given(case=strategy)
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=list(HealthCheck))
            def answers_as_documented(case):
                for authorization in rows["tokens"]:
                    case.call_and_validate(headers={"Authorization": authorization},
                                           checks=CHECKS)

            try:
                answers_as_documented()
            except (Exception, FailureGroup) as exc:  # the first failure of each run, then all
                failures.append(f"{operation.label} ({label}): {exc}")
    assert not failures, "\n\n".join(failures)


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
        expected = {"422", "429"}  # 429 for any Bearer request after refused tokens
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

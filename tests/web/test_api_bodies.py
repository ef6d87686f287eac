"""Bodies the API receives are checked by the same marshmallow schema that the OpenAPI document
shows (app/api/schemas): unknown fields and wrong types are 422 naming the field, on every
resource, in the order the checks always had (a limit, an unknown field, a wrong type)."""

from __future__ import annotations

import pytest

from tests.conftest import token_client

STARTS = {"starts_at": "2030-01-01T09:00+08:00", "ends_at": "2030-01-01T10:00+08:00"}


@pytest.fixture
def api(app, make):
    make.site("P-001", township="城关镇", village="东村")
    make.user("admin", "admin")
    return token_client(app, "admin")


@pytest.mark.parametrize("url,body,message", [
    ("/api/v1/screenings", {"site": "P-001", **STARTS, "topic": "x", "force": "false"},
     "Field force has the wrong type."),
    ("/api/v1/screenings", {"site": "P-001", **STARTS, "topic": "x", "colour": "red"},
     "Unknown field colour."),
    ("/api/v1/titles", {"name": "x", "year": True}, "Field year has the wrong type."),
    ("/api/v1/titles", {"name": "x", "approved": 1}, "Field approved has the wrong type."),
    ("/api/v1/titles", {"name": "x", "topics": ["a", 5]}, "Field topics[1] has the wrong type."),
    ("/api/v1/titles", {"series": "x"}, "A title needs a name."),
    ("/api/v1/people", {"name": "x", "village": "东村", "party_member": "true"},
     "Field party_member has the wrong type."),
    ("/api/v1/batches", {"name": "B", "titles": ["x"], "shelf": 3}, "Unknown field shelf."),
    ("/api/v1/batches", {"name": "B"}, "A batch needs at least one title."),
    # a limit is said before an unknown field or a wrong type
    ("/api/v1/titles", {"name": "x", "colour": 1, "summary": "长" * 4001},
     "summary is longer than 4000 characters."),
])
def test_a_body_is_refused_plainly_naming_the_field(api, url, body, message):
    response = api.post(url, json=body)
    assert response.status_code == 422, response.json
    assert response.json == {"error": {"code": "invalid", "message": message}}


def test_the_queue_refuses_a_field_it_does_not_know(app, api):
    app.config.update(PLAYER_SITE="P-001")
    response = api.post("/api/v1/player/queue", json={"clear": True, "colour": 1})
    assert response.status_code == 422
    assert response.json["error"]["message"] == "Unknown field colour."
    response = api.post("/api/v1/player/queue", json={"remove": True})
    assert response.json["error"]["message"] == "Field remove has the wrong type."


def test_the_document_says_what_the_check_refuses(client):
    schemas = client.get("/api/openapi.json").json["components"]["schemas"]
    for name in ("TitleIn", "ScreeningIn", "ScreeningPatch", "PersonIn", "AttendanceIn",
                 "BatchIn", "ConsignIn", "ShipmentPatch", "QueueIn"):
        assert schemas[name]["additionalProperties"] is False, name
    assert "required" not in schemas["ScreeningPatch"]
    assert schemas["ScreeningIn"]["required"] == ["ends_at", "site", "starts_at", "topic"]

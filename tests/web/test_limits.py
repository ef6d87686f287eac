"""Every text and list has a limit (app/limits.py), stated in the OpenAPI document and kept by the
API, the pages' forms and the sync importer: over it is a 422 naming the field and the limit
(issue #14, item 4)."""

from __future__ import annotations

import pytest

from app import limits
from tests.conftest import csrf_token, token_client

pytestmark = pytest.mark.both_databases  # see tests/conftest.py

SHA = "a" * 64


@pytest.fixture
def api(app, make):
    make.site("P-001")
    make.user("admin", "admin")
    return token_client(app, "admin")


@pytest.mark.parametrize("url,body,message", [
    ("/api/v1/titles", {"name": "x", "summary": "长" * 1_000_000},
     "summary is longer than 4000 characters."),
    ("/api/v1/titles", {"name": "x", "topics": ["planting"] * 21}, "topics has more than 20 items."),
    ("/api/v1/titles", {"name": "x", "topics": ["长" * 100_000]},
     "topics[0] is longer than 200 characters."),
    ("/api/v1/titles", {"name": "x", "series": "长" * 101}, "series is longer than 100 characters."),
    ("/api/v1/titles", {"name": "x", "sha256": [SHA] * 201}, "sha256 has more than 200 items."),
    ("/api/v1/screenings", {"site": "P-001", "starts_at": "2030-01-01T09:00+08:00",
                            "ends_at": "2030-01-01T10:00+08:00", "topic": "长" * 100_000},
     "topic is longer than 200 characters."),
    ("/api/v1/screenings", {"site": "P-001", "starts_at": "2030-01-01T09:00+08:00",
                            "ends_at": "2030-01-01T10:00+08:00", "topic": "x",
                            "items": [{"sha256": SHA}] * 20_000},
     "items has more than 200 items."),
    ("/api/v1/screenings", {"site": "P-001", "starts_at": "2030-01-01T09:00+08:00",
                            "ends_at": "2030-01-01T10:00+08:00", "topic": "x",
                            "notes": "长" * 1_000_000}, "notes is longer than 4000 characters."),
    ("/api/v1/people", {"name": "张三", "village": "东" * 101},
     "village is longer than 100 characters."),
    ("/api/v1/batches", {"name": "B", "titles": ["x"], "notes": "长" * 4001},
     "notes is longer than 4000 characters."),
    ("/api/v1/batches", {"name": "B", "titles": ["x"] * 1001}, "titles has more than 1000 items."),
])
def test_a_text_or_list_over_its_limit_is_refused_by_the_api(api, url, body, message):
    response = api.post(url, json=body)
    assert response.status_code == 422
    assert response.json["error"]["message"] == message


def test_a_screening_playlist_at_its_limit_is_accepted(app, api, make):
    title = make.title("果树修剪技术")
    response = api.post("/api/v1/screenings", json={
        "site": "P-001", "starts_at": "2030-01-01T09:00+08:00", "ends_at": "2030-01-01T10:00+08:00",
        "topic": "长" * limits.TOPIC, "notes": "长" * limits.NOTES,
        "items": [{"title_id": str(title.id)}] * limits.PLAYLIST_ITEMS})
    assert response.status_code == 201, response.json
    assert len(response.json["items"]) == limits.PLAYLIST_ITEMS


def test_shipments_people_and_the_player_queue_keep_their_limits(app, api, make):
    app.config.update(PLAYER_SITE="P-001")
    response = api.post("/api/v1/player/queue", json={"items": [{"sha256": SHA}] * 201})
    assert response.json["error"]["message"] == "items has more than 200 items."
    title = make.title("果树修剪技术")
    batch = api.post("/api/v1/batches", json={"name": "B", "titles": [str(title.id)]}).json
    kit = api.post(f"/api/v1/batches/{batch['id']}/shipments", json={"sites": ["P-001"]}).json
    response = api.patch(f"/api/v1/shipments/{kit['items'][0]['id']}",
                         json={"status": "sent", "received_by": "长" * 101})
    assert response.status_code == 422
    assert response.json["error"]["message"] == "received_by is longer than 100 characters."
    response = api.post("/api/v1/people", json={"name": "长" * 41, "village": "东村"})
    assert response.json["error"]["message"] == "name is longer than 40 characters."


def test_the_openapi_document_states_the_limits(client):
    schemas = client.get("/api/openapi.json").json["components"]["schemas"]
    title = schemas["TitleIn"]["properties"]
    assert title["summary"]["maxLength"] == limits.SUMMARY
    assert title["topics"]["maxItems"] == limits.TOPICS
    assert title["topics"]["items"]["maxLength"] == limits.TOPIC
    screening = schemas["ScreeningIn"]["properties"]
    assert screening["items"]["maxItems"] == limits.PLAYLIST_ITEMS
    assert screening["notes"]["maxLength"] == limits.NOTES
    assert screening["topic"]["maxLength"] == limits.TOPIC
    assert schemas["BatchIn"]["properties"]["titles"]["maxItems"] == limits.BATCH_TITLES
    assert schemas["QueueIn"]["properties"]["items"]["maxItems"] == limits.PLAYLIST_ITEMS
    assert schemas["ShipmentPatch"]["properties"]["received_by"]["maxLength"] == limits.RECEIVED_BY
    assert schemas["AttendanceIn"]["properties"]["walkin_name"]["maxLength"] == limits.PERSON_NAME


def test_a_search_of_a_hundred_thousand_characters_is_refused(api):
    response = api.get("/api/v1/titles?q=" + "长" * 100_000)
    assert response.status_code == 422
    assert response.json["error"]["message"] == "q is longer than 1000 characters."


def test_the_title_form_keeps_the_summary_limit(app, make, client, login):
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Title

    make.user("admin", "admin")
    login("admin")
    form = {"name": "果树修剪技术", "audience": "all", "series": "", "summary": "长" * 4001,
            "csrf_token": csrf_token(client, "/titles/new")}
    page = client.post("/titles/new", data=form).get_data(as_text=True)
    assert "4000" in page
    assert db.session.scalar(select(func.count(Title.id))) == 0
    form["summary"] = "长" * limits.SUMMARY
    assert client.post("/titles/new", data=form).status_code == 302


def test_the_site_form_keeps_the_notes_limit(app, make, client, login):
    site = make.site("P-001")
    make.user("admin", "admin")
    login("admin")
    form = {"name": "东村放映点", "kind": "playback_point", "notes": "长" * 4001, "active": "y",
            "csrf_token": csrf_token(client, "/sites/P-001")}
    page = client.post("/sites/P-001", data=form).get_data(as_text=True)
    assert "4000" in page
    from app.extensions import db

    db.session.refresh(site)
    assert not site.notes

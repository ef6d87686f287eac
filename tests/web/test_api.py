"""The /api/v1 catalog API: shapes of DESIGN.md section 4, tokens, search, and no 500 on bad input."""

from __future__ import annotations

import json

import pytest
from openapi_spec_validator import validate

from tests.conftest import csrf_token


@pytest.fixture
def api(app, make):
    """A test client that sends an admin's API token, made by `dianjiao users token`."""
    make.site("P-001")
    make.site("P-002", township="河口乡", village="柳树湾村")
    make.user("admin", "admin")
    make.user("op-a", "operator", site=make.site("P-003"))
    runner = app.test_cli_runner()
    token = runner.invoke(args=["users", "token", "admin"]).stdout.strip().splitlines()[-1]
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def test_openapi_document_is_valid_and_lists_the_api(client):
    document = client.get("/api/openapi.json").json
    validate(document)
    assert {"/api/v1/sites", "/api/v1/files", "/api/v1/titles", "/api/v1/screenings",
            "/api/v1/screenings/{screening_id}", "/api/v1/playlogs", "/api/v1/player/status",
            "/api/v1/player/queue", "/api/v1/player/{action}"} <= set(document["paths"])
    assert "post" in document["paths"]["/api/v1/titles"]


def test_sites_shape_filter_and_paging(api):
    body = api.get("/api/v1/sites").json
    assert body["total"] == 3
    assert body["items"][0] == {"code": "P-001", "name": body["items"][0]["name"],
                                "kind": "playback_point", "township": "城关镇", "village": "东村",
                                "usual_start": "19:30"}
    assert api.get("/api/v1/sites?kind=demo_household").json == {"items": [], "total": 0}
    page = api.get("/api/v1/sites?limit=1&offset=1").json
    assert page["total"] == 3 and [s["code"] for s in page["items"]] == ["P-002"]


def test_titles_post_then_search_by_characters_pinyin_and_initials(api):
    response = api.post("/api/v1/titles", json={
        "name": "果树修剪技术", "series": "农村实用科技", "topics": ["planting"],
        "audience": "villagers", "approved": True})
    assert response.status_code == 201
    created = response.json
    assert created["approved"] is True and created["topics"] == ["planting"]
    api.post("/api/v1/titles", json={"name": "生猪科学养殖", "topics": ["breeding"]})
    for q in ("果树", "guoshu", "gsxj", "果s", "GSXJ"):
        names = [t["name"] for t in api.get(f"/api/v1/titles?q={q}").json["items"]]
        assert names == ["果树修剪技术"], q
    assert api.get("/api/v1/titles?approved=false").json["items"][0]["name"] == "生猪科学养殖"
    assert api.get("/api/v1/titles?topic=breeding").json["total"] == 1


def test_titles_search_mixing_characters_and_letters(api):
    """果s is 果 then a syllable on s, as the roster's 张s; initials alone match by pinyin."""
    for name in ("果树修剪技术", "国审小麦品种介绍", "国家政策解读", "柑橘栽培"):
        assert api.post("/api/v1/titles", json={"name": name}).status_code == 201

    def names(q):
        body = api.get("/api/v1/titles", query_string={"q": q}).json
        assert body["total"] == len(body["items"])
        return [t["name"] for t in body["items"]]

    assert names("果s") == names("果sh") == names("果shu") == ["果树修剪技术"]
    assert names("国s") == names("guo审") == ["国审小麦品种介绍"]
    assert names("gs") == names("guos") == ["国审小麦品种介绍", "果树修剪技术"]
    assert names("果树") == names("guoshu") == names("g树x") == ["果树修剪技术"]
    assert names("g橘") == ["柑橘栽培"] and names("国j") == ["国家政策解读"]
    assert names("树果") == []  # the characters in the order typed


def test_files_of_a_site_with_paths_and_attach_by_sha256(app, api, corpus):
    root, _ = corpus
    result = app.test_cli_runner().invoke(args=["scan", root, "--site", "P-001", "--json"])
    assert result.exit_code == 0
    body = api.get("/api/v1/files?site=P-001&limit=500").json
    by_path = {p: f for f in body["items"] for p in f["paths"]}
    film = by_path[f"{root}/film.mp4"]
    assert set(film) == {"id", "sha256", "size", "duration_s", "container", "video_codec",
                         "audio_codec", "width", "height", "title_id", "paths"}
    assert film["duration_s"] == pytest.approx(3.0, abs=0.5)
    assert film["width"] and film["video_codec"]
    response = api.post("/api/v1/titles", json={"name": "种植技术", "sha256": [film["sha256"]]})
    assert response.status_code == 201
    again = {p: f for f in api.get("/api/v1/files?site=P-001&limit=500").json["items"]
             for p in f["paths"]}
    assert again[f"{root}/film.mp4"]["title_id"] == response.json["id"]
    assert api.get("/api/v1/files?site=P-002").json == {"items": [], "total": 0}

    # A file already in a title is not moved to another one silently; an operator attaches
    # only files its own site holds (film.mp4 is at P-001, the operator's site is P-003).
    taken = api.post("/api/v1/titles", json={"name": "另一个", "sha256": [film["sha256"]]})
    assert taken.status_code == 409
    free = next(f for f in again.values() if f["title_id"] is None)
    from tests.conftest import token_client

    operator = token_client(app, "op-a")
    refused = operator.post("/api/v1/titles", json={"name": "越权", "sha256": [free["sha256"]]})
    assert refused.status_code == 422
    after = {f["sha256"]: f for f in api.get("/api/v1/files?site=P-001&limit=500").json["items"]}
    assert after[free["sha256"]]["title_id"] is None
    assert after[film["sha256"]]["title_id"] == response.json["id"]


BAD_REQUESTS = [
    ("get", "/api/v1/files", None, 422),
    ("get", "/api/v1/files?site=NOPE", None, 404),
    ("get", "/api/v1/sites?kind=cinema", None, 422),
    ("get", "/api/v1/sites?limit=abc", None, 422),
    ("get", "/api/v1/sites?limit=0", None, 422),
    ("get", "/api/v1/sites?offset=-1", None, 422),
    ("get", "/api/v1/titles?approved=maybe", None, 422),
    ("post", "/api/v1/titles", "not json", 422),
    ("post", "/api/v1/titles", [], 422),
    ("post", "/api/v1/titles", {}, 422),
    ("post", "/api/v1/titles", {"name": ""}, 422),
    ("post", "/api/v1/titles", {"name": 5}, 422),
    ("post", "/api/v1/titles", {"name": "x", "topics": ["nonsense"]}, 422),
    ("post", "/api/v1/titles", {"name": "x", "topics": "planting"}, 422),
    ("post", "/api/v1/titles", {"name": "x", "audience": "aliens"}, 422),
    ("post", "/api/v1/titles", {"name": "x", "sha256": ["0" * 64]}, 422),
    ("post", "/api/v1/titles", {"name": "x", "year": True}, 422),
    ("post", "/api/v1/titles", {"name": "x", "colour": "red"}, 422),
    ("post", "/api/v1/titles", {"name": "x", "topics": [1]}, 422),
    ("post", "/api/v1/titles", {"name": "x", "topics": [{}]}, 422),
    ("post", "/api/v1/titles", {"name": "x", "series": "bogus series"}, 422),
    ("post", "/api/v1/titles", {"name": "长" * 201}, 422),
    ("post", "/api/v1/titles", {"name": "x", "producer": "长" * 201}, 422),
    ("post", "/api/v1/titles", {"name": "x", "year": 99999}, 422),
    ("get", "/api/v1/nothing", None, 404),
    ("delete", "/api/v1/titles", None, 405),
]


@pytest.mark.parametrize("method,url,body,status", BAD_REQUESTS)
def test_bad_input_gets_a_clear_4xx_never_500(api, method, url, body, status):
    kwargs = {}
    if isinstance(body, str):
        kwargs = {"data": body, "content_type": "application/json"}
    elif body is not None:
        kwargs = {"data": json.dumps(body), "content_type": "application/json"}
    response = getattr(api, method)(url, **kwargs)
    assert response.status_code == status
    error = response.json["error"]
    assert error["code"] and error["message"]


NUL = "\u0000"


@pytest.mark.both_databases
@pytest.mark.parametrize("method,url,body", [
    ("post", "/api/v1/titles", {"name": f"果树{NUL}修剪"}),
    ("post", "/api/v1/batches", {"name": f"B{NUL}", "titles": []}),
    ("post", "/api/v1/people", {"name": "张三", "village": f"东村{NUL}"}),
    ("get", f"/api/v1/people?q=张{NUL}", None),
    ("get", f"/api/v1/titles?q={NUL}", None),
])
def test_a_nul_character_in_any_text_is_refused_plainly(api, method, url, body):
    """PostgreSQL cannot store NUL: it was a 500 there (names, notes, searches alike)."""
    response = getattr(api, method)(url, json=body) if body else getattr(api, method)(url)
    assert response.status_code == 422
    assert response.json["error"]["message"] == (
        "The text sent contains a NUL character, which cannot be stored.")


@pytest.mark.both_databases
def test_a_nul_character_in_a_form_is_refused_with_a_page(app, make, client, login):
    from tests.conftest import csrf_token

    make.user("admin", "admin")
    login("admin")
    response = client.post("/titles/new", data={"name": f"果树{NUL}", "csrf_token": csrf_token(
        client, "/titles/new")})
    assert response.status_code == 422
    assert "NUL" in response.get_data(as_text=True)


def test_wrong_token_is_401(client, api):
    response = client.get("/api/v1/sites", headers={"Authorization": "Bearer forged"})
    assert response.status_code == 401


def test_browser_session_may_use_the_api_with_its_csrf_header(app, client, api, login):
    login("op-a")
    assert [s["code"] for s in client.get("/api/v1/sites").json["items"]] == ["P-003"]
    token = csrf_token(client, "/titles")
    response = client.post("/api/v1/titles", json={"name": "食用菌栽培"},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 201

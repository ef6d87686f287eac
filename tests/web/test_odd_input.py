"""Odd input gets a plain 4xx in the UI language, never a 500: huge or bad paging numbers, lone
UTF-16 surrogates and broken UTF-8, JSON nested thousands deep (issue #14, item 3)."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token, token_client

pytestmark = pytest.mark.both_databases  # see tests/conftest.py

HUGE = str(2 ** 63)


@pytest.fixture
def api(app, make):
    make.site("P-001")
    make.user("admin", "admin")
    return token_client(app, "admin")


@pytest.mark.parametrize("url", [
    f"/api/v1/sites?offset={HUGE}", f"/api/v1/sites?limit={HUGE}", f"/api/v1/titles?offset={HUGE}",
    f"/api/v1/people?offset={HUGE}", f"/api/v1/batches?offset={HUGE}",
    f"/api/v1/sites?offset=-{HUGE}", "/api/v1/sites?offset=x", "/api/v1/sites?offset=1e3",
])
def test_a_huge_negative_or_non_numeric_offset_is_a_plain_422(api, url):
    response = api.get(url)
    assert response.status_code == 422
    assert "offset" in response.json["error"]["message"]


def test_a_huge_page_of_an_html_list_is_its_last_page(app, make, client, login):
    make.site("P-001")
    make.user("admin", "admin")
    login("admin")
    for url in (f"/sync/conflicts?page={HUGE}", f"/sites/?page={HUGE}", "/sync/conflicts?page=-5"):
        response = client.get(url)
        assert response.status_code == 200, url


SURROGATE = "a\ud800b"
BROKEN = "a%ED%A0%80b"  # the same lone surrogate, as UTF-8 bytes in a form or a query


@pytest.mark.parametrize("method,url,body", [
    ("post", "/api/v1/titles", {"name": SURROGATE}),
    ("post", "/api/v1/titles", {"name": "x", "topics": [SURROGATE]}),
    ("post", "/api/v1/people", {"name": SURROGATE, "village": "东村"}),
    ("post", "/api/v1/batches", {"name": SURROGATE, "titles": []}),
    ("post", "/api/v1/titles", {SURROGATE: "x"}),
])
def test_a_lone_surrogate_in_json_is_refused_plainly(api, method, url, body):
    response = getattr(api, method)(url, json=body)
    assert response.status_code == 422
    assert response.json["error"]["message"] == (
        "The text sent contains a broken character (a lone surrogate or invalid UTF-8), "
        "which cannot be stored.")


@pytest.mark.parametrize("url", [f"/api/v1/titles?q={BROKEN}", f"/api/v1/people?q={BROKEN}",
                                 f"/api/v1/sites?township={BROKEN}"])
def test_a_lone_surrogate_in_a_query_is_refused_plainly(api, url):
    response = api.get(url)
    assert response.status_code == 422
    assert "broken character" in response.json["error"]["message"]


def test_a_lone_surrogate_in_a_form_is_refused_with_a_page(app, make, client, login):
    make.user("admin", "admin")
    login("admin")
    token = csrf_token(client, "/titles/new")
    response = client.post("/titles/new", data=f"name={BROKEN}&csrf_token={token}",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 422
    assert "broken character" in response.get_data(as_text=True)
    assert client.get("/titles?q=a").status_code == 200


@pytest.mark.parametrize("depth", [5000, 200])
def test_json_nested_thousands_deep_is_refused_plainly(api, depth):
    body = '{"name": ' + "[" * depth + "]" * depth + "}"
    response = api.post("/api/v1/titles", data=body, content_type="application/json")
    assert response.status_code == 422
    assert "nested" in response.json["error"]["message"]

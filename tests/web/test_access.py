"""Role and scope on every route: an operator of site A can neither read nor change site B, a
kiosk reaches nothing but its sign-in page, and nobody gets in without logging in."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token


@pytest.fixture
def world(app, make):
    a = make.site("P-001", township="城关镇", village="东村")
    b = make.site("P-002", township="河口乡", village="柳树湾村")
    make.user("admin", "admin")
    make.user("op-a", "operator", site=a)
    make.user("kiosk-a", "kiosk", site=a)
    make.user("town-hk", "township", township="河口乡")
    title = make.title("果树修剪技术")
    return {"a": a, "b": b, "title": title}


def page_urls(world):
    t = world["title"].id
    return [
        "/", "/sites/", "/sites/P-001", "/sites/P-002", "/sites/import", "/titles",
        "/titles/new", f"/titles/{t}", "/files/unassigned", "/sites/P-001/library",
        "/sites/P-002/library",
    ]


API_GETS = ["/api/v1/sites", "/api/v1/files?site=P-001", "/api/v1/files?site=P-002",
            "/api/v1/titles"]


def test_anonymous_is_sent_to_login_and_api_says_401(client, world):
    for url in page_urls(world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"]
    for url in API_GETS:
        response = client.get(url)
        assert response.status_code == 401, url
        assert response.json["error"]["code"] == "unauthorized"


def test_kiosk_reaches_only_its_sign_in_page(client, world, login):
    login("kiosk-a")
    assert client.get("/kiosk").status_code == 200
    for url in page_urls(world)[1:] + API_GETS:
        assert client.get(url).status_code == 403, url
    assert client.get("/").status_code == 302  # home sends the kiosk to its page


# (url, admin, operator of A, township officer of 河口乡 where B lies)
EXPECTED = [
    ("/sites/", 200, 200, 200),
    ("/sites/P-001", 200, 200, 403),
    ("/sites/P-002", 200, 403, 200),
    ("/sites/import", 200, 403, 403),
    ("/sites/P-001/library", 200, 200, 403),
    ("/sites/P-002/library", 200, 403, 200),
    ("/titles", 200, 200, 200),
    ("/titles?site=P-002", 200, 403, 200),
    ("/api/v1/files?site=P-001", 200, 200, 403),
    ("/api/v1/files?site=P-002", 200, 403, 200),
]


@pytest.mark.parametrize("who", ["admin", "op-a", "town-hk"])
def test_scope_of_reads(client, world, login, who):
    login(who)
    column = {"admin": 1, "op-a": 2, "town-hk": 3}[who]
    for row in EXPECTED:
        assert client.get(row[0]).status_code == row[column], (who, row[0])


def test_site_lists_are_scoped(client, world, login):
    login("op-a")
    assert [s["code"] for s in client.get("/api/v1/sites").json["items"]] == ["P-001"]
    assert "P-002" not in client.get("/sites/").get_data(as_text=True)


def test_township_officer_sees_only_their_township(client, world, login):
    login("town-hk")
    assert [s["code"] for s in client.get("/api/v1/sites").json["items"]] == ["P-002"]


def test_operator_cannot_change_another_site(client, world, login, tmp_path):
    login("op-a")
    token = csrf_token(client, "/sites/P-001")
    edit = {"name": "hijacked", "kind": "playback_point", "csrf_token": token}
    assert client.post("/sites/P-002", data=edit).status_code == 403
    root = {"path": str(tmp_path), "csrf_token": token}
    assert client.post("/sites/P-002/library", data=root).status_code == 403
    assert client.post("/sites/P-002/scan", data={"csrf_token": token}).status_code == 403
    assert world["b"].name != "hijacked"
    # and can change their own
    assert client.post("/sites/P-001", data={**edit, "name": "东村新播放点"}).status_code == 302
    assert client.get("/api/v1/sites").json["items"][0]["name"] == "东村新播放点"


def test_operator_cannot_approve_titles(client, world, login):
    login("op-a")
    token = csrf_token(client, "/titles")
    response = client.post(f"/titles/{world['title'].id}/approve", data={"csrf_token": token})
    assert response.status_code == 403
    response = client.post("/api/v1/titles", json={"name": "x", "approved": True},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 403


def test_forms_refuse_posts_without_csrf(client, world, login):
    login("admin")
    response = client.post("/sites/P-001", data={"name": "x", "kind": "playback_point"})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    response = client.post("/api/v1/titles", json={"name": "x"})  # cookie session, no header
    assert response.status_code == 403
    assert client.post("/login", data={"username": "admin", "password": "x"}).status_code == 400


def test_passwords_are_hashed(world):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import User

    stored = db.session.scalar(select(User.password_hash).where(User.username == "op-a"))
    assert "secret-pass-1" not in stored and stored.startswith(("scrypt:", "pbkdf2:"))


def test_an_install_hashes_passwords_with_scrypt_and_logs_in_with_them(app, make):
    """The suite's apps hash cheaply (tests/conftest.py); an install's defaults use scrypt."""
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.models import User

    served = create_app({k: v for k, v in app.config.items() if k != "PASSWORD_HASH_METHOD"})
    served.test_client_class = app.test_client_class
    with served.app_context():
        make.site("P-001")
        make.user("admin", "admin")
        stored = db.session.scalar(select(User.password_hash).where(User.username == "admin"))
        assert stored.startswith("scrypt:")
        client = served.test_client()
        wrong = {"username": "admin", "password": "wrong-pass-1", "csrf_token": csrf_token(client)}
        assert client.post("/login", data=wrong).status_code == 401
        right = {**wrong, "password": "secret-pass-1", "csrf_token": csrf_token(client)}
        assert client.post("/login", data=right).status_code == 302
        db.session.remove()


def test_login_is_rate_limited(client, world):
    token = csrf_token(client)
    codes = [client.post("/login", data={"username": "admin", "password": "wrong",
                                         "csrf_token": token}).status_code for _ in range(11)]
    assert codes[:10] == [401] * 10
    assert codes[10] == 429


def test_wrong_password_says_so(client, world):
    response = client.post("/login", data={"username": "admin", "password": "nope",
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 401
    assert "Wrong user name or password" in response.get_data(as_text=True)


@pytest.mark.parametrize("proxies", [0, 1])
def test_behind_a_proxy_each_client_has_its_own_login_limit(app, world, proxies):
    """nginx in front: with PROXIES = 1 the limit is per client (X-Forwarded-For), not per nginx.

    Without it, every request comes from the proxy's address, so one person's ten wrong
    passwords lock out everyone; with it, a forged header from a direct client is not trusted
    beyond the one hop.
    """
    from werkzeug.middleware.proxy_fix import ProxyFix

    from app import create_app

    behind = create_app({**app.config, "PROXIES": proxies})
    assert isinstance(behind.wsgi_app, ProxyFix) == bool(proxies)
    behind.test_client_class = app.test_client_class

    def attempts(address: str) -> list[int]:
        client = behind.test_client()
        token = csrf_token(client)
        return [client.post("/login", data={"username": "admin", "password": "wrong",
                                            "csrf_token": token},
                            headers={"X-Forwarded-For": address}).status_code
                for _ in range(11)]

    assert attempts("10.0.0.7") == [401] * 10 + [429]
    second = attempts("10.0.0.8")  # another villager's phone, through the same nginx
    assert second[0] == (401 if proxies else 429)


def test_a_made_up_bearer_header_does_not_spare_a_cookie_session_its_csrf_token(
        client, world, login):
    """Only a request the token itself authenticated skips CSRF; a cookie session stays one."""
    login("op-a")
    response = client.post("/api/v1/titles", json={"name": "果树"},
                           headers={"Authorization": "Bearer made-up"})
    assert response.status_code == 403
    assert "CSRF" in response.json["error"]["message"]
    token = csrf_token(client, "/titles")
    assert client.post("/api/v1/titles", json={"name": "果树"},
                       headers={"X-CSRFToken": token}).status_code == 201


def test_a_real_token_still_writes_without_csrf(app, world):
    from tests.conftest import token_client

    api = token_client(app, "op-a")
    assert api.post("/api/v1/titles", json={"name": "果树"}).status_code == 201


@pytest.mark.parametrize("key", ["é", "%C3%A9", "x" * 32, ""])
def test_a_wrong_calendar_key_is_403_not_500(client, world, key):
    from urllib.parse import quote

    response = client.get(f"/sites/P-001/calendar.ics?key={quote(key, safe='%')}")
    assert response.status_code == 403

"""Hardening: security headers on every response, Secure cookies behind HTTPS."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token


@pytest.fixture
def world(app, make):
    site = make.site("P-001", township="城关镇", village="东村")
    make.user("admin", "admin")
    make.user("op-a", "operator", site=site)
    return site


# ---- headers -------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/login", "/", "/no-such-page", "/static/app.css",
                                 "/api/v1/sites", "/api/openapi.json", "/sites/"])
def test_every_response_carries_the_security_headers(client, world, login, url):
    login("op-a")
    response = client.get(url)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self';" in csp  # no inline script may run
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # a Referer to ourselves stays: the CSRF check of HTTPS forms needs it
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_carry_no_inline_script_handlers(client, world, login, make):
    """The print buttons call a script file: an onclick attribute would be refused by the CSP."""
    login("op-a")
    for url in ["/", "/sites/P-001", "/reports/monthly?site=P-001"]:
        response = client.get(url, follow_redirects=True)
        page = response.get_data(as_text=True)
        assert "onclick=" not in page and "<script>" not in page, url
    assert 'src="/static/print.js"' in page and "data-print" in page


# ---- cookies --------------------------------------------------------------------------------

def _login_cookies(app, username="op-a") -> list[str]:
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": "secret-pass-1",
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    return response.headers.getlist("Set-Cookie")


@pytest.mark.parametrize("secure", [False, True])
def test_secure_cookies_setting_marks_the_session_cookie_secure(app, world, secure):
    from app import create_app

    served = create_app({**app.config, "SECURE_COOKIES": secure})
    served.test_client_class = app.test_client_class
    session = [c for c in _login_cookies(served) if c.startswith("session=")]
    assert session
    assert ("; Secure" in session[-1]) == secure
    assert served.config["REMEMBER_COOKIE_SECURE"] == secure

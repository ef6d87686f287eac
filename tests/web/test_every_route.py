"""One rule over every URL of the app: nobody gets in without logging in (but the few public
pages), and a kiosk login reaches nothing but its own sign-in pages."""

from __future__ import annotations

import uuid

import pytest

from app.auth.access import KIOSK_ENDPOINTS

pytestmark = pytest.mark.both_databases  # see tests/conftest.py

# Public on purpose: logging in, the language switch, the phones' QR sign-in pages (villagers
# have no accounts; a rotating code guards them), the calendar feed (a secret key in the address)
# and the API description.
PUBLIC = {"auth.login", "auth.logout", "auth.set_language", "static", "api.openapi",
          "attendance.phone_entry", "attendance.phone_page", "attendance.phone_sign",
          "screenings.feed", "main.home", "main.favicon"}


def urls(app):
    """Every GET-able rule with made-up arguments, as (endpoint, url)."""
    found = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        args = {}
        for name in rule.arguments:
            choices = getattr(rule._converters[name], "items", None)  # an <any(a, b):x> part
            args[name] = (sorted(choices)[0] if choices else
                          str(uuid.UUID(int=0)) if "id" in name else "X")
        with app.test_request_context():
            from flask import url_for

            found.append((rule.endpoint, url_for(rule.endpoint, **args)))
    return found


def test_every_page_and_api_call_needs_a_login(app):
    client = app.test_client()
    checked = 0
    for endpoint, url in urls(app):
        if endpoint in PUBLIC:
            continue
        response = client.get(url)
        if url.startswith("/api/"):
            assert response.status_code == 401, url
        else:
            assert response.status_code == 302 and "/login" in response.headers["Location"], url
        checked += 1
    assert checked > 40


def test_a_kiosk_reaches_nothing_else(app, make, login, client):
    make.user("kiosk-a", "kiosk", site=make.site("P-001"))
    login("kiosk-a")
    for endpoint, url in urls(app):
        if endpoint in PUBLIC | KIOSK_ENDPOINTS:
            continue
        assert client.get(url).status_code == 403, url

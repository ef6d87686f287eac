"""Hardening: security headers on every response, Secure cookies behind HTTPS, private files in the
instance folder, failed API tokens rate-limited, and SQLite that survives a power cut."""

from __future__ import annotations

import os
import stat

import pytest
from sqlalchemy import text

from tests.conftest import csrf_token, token_client


@pytest.fixture
def world(app, make):
    site = make.site("P-001", township="城关镇", village="东村")
    make.user("admin", "admin")
    make.user("op-a", "operator", site=site)
    return site


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


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


# ---- files ----------------------------------------------------------------------------------

def test_a_new_database_and_its_wal_files_are_private_from_the_start(tmp_path):
    """A fresh instance: the database, its -wal and -shm, the secret key and the instance folder
    are the owner's only from their first byte (they hold password hashes and sync keys)."""
    from flask_migrate import upgrade

    from app import MIGRATIONS, create_app
    from app.extensions import db

    instance = tmp_path / "instance"
    app = create_app({"INSTANCE": str(instance), "TESTING": True})
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as conn:  # an open connection keeps its -wal and -shm
            conn.execute(text("SELECT count(*) FROM users"))
            database = instance / "dianjiao.sqlite"
            for path in (database, f"{database}-wal", f"{database}-shm", instance / "secret_key"):
                assert mode(path) == 0o600, path
        db.engine.dispose()
    assert mode(instance) == 0o700


def test_init_makes_an_older_installs_database_private(tmp_path):
    from app import create_app
    from app.extensions import db

    instance = tmp_path / "instance"
    instance.mkdir()
    database = instance / "dianjiao.sqlite"
    database.touch(mode=0o644)
    os.chmod(database, 0o644)
    (instance / "config.py").write_text('SITE = "P-001"\n')
    os.chmod(instance / "config.py", 0o644)
    app = create_app({"INSTANCE": str(instance), "TESTING": True})
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["init"], env={"DIANJIAO_ADMIN_PASSWORD": "x" * 12})
        assert result.exit_code == 0, result.output
        db.engine.dispose()
    assert mode(database) == 0o600
    assert mode(instance / "config.py") == 0o600
    assert "readable by its owner only" in result.stderr


def test_enrollment_writes_a_private_config(app):
    from app.install import write_site_config

    write_site_config("P-009")
    path = os.path.join(app.instance_path, "config.py")
    assert mode(path) == 0o600
    assert 'SITE = "P-009"' in open(path, encoding="utf-8").read()


# ---- API tokens -----------------------------------------------------------------------------

def test_failed_bearer_tokens_are_rate_limited_per_address(app, world):
    app.config["TOKEN_RATE_LIMIT"] = "3 per minute"
    good = token_client(app, "admin")
    for _ in range(6):  # valid tokens never count
        assert good.get("/api/v1/sites").status_code == 200
    bad = app.test_client()
    bad.environ_base["HTTP_AUTHORIZATION"] = "Bearer guessed-token"
    codes = [bad.get("/api/v1/sites").status_code for _ in range(3)]
    assert codes == [401] * 3
    refused = bad.get("/api/v1/sites")
    assert refused.status_code == 429
    assert refused.json["error"]["code"] == "too_many_requests"
    assert refused.json["error"]["message"]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    # the address is blocked for Bearer requests (a guess could otherwise still succeed) ...
    assert good.get("/api/v1/sites").status_code == 429
    # ... but not another address, nor the same address's browser session
    other = token_client(app, "admin")
    other.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert other.get("/api/v1/sites").status_code == 200
    browser = app.test_client()
    browser.post("/login", data={"username": "op-a", "password": "secret-pass-1",
                                 "csrf_token": csrf_token(browser)})
    assert browser.get("/api/v1/sites").status_code == 200


# ---- power cut ------------------------------------------------------------------------------

def test_sqlite_commits_reach_the_disk_before_they_are_acknowledged(tmp_path):
    """synchronous=FULL: a sign-in acknowledged is on the disk, even if the power goes next."""
    from app import create_app
    from app.extensions import db

    app = create_app({"INSTANCE": str(tmp_path / "instance"), "SECRET_KEY": "x", "TESTING": True})
    with app.app_context(), db.engine.connect() as conn:  # a new connection
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        db.engine.dispose()

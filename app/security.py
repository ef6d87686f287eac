"""Response headers every page carries, the cookies' Secure flag, and private files on disk."""

from __future__ import annotations

import os
import stat

from flask import Flask, Response
from sqlalchemy.engine import make_url

# script-src 'self' only: the pages' scripts are files in static/, no inline script or handler.
# style-src also 'unsafe-inline': the dashboard's pygal charts are inline SVG, each with its own
# <style> keyed to a random chart id (no hash or static file can cover it), and a few pages keep
# their print layout in a <style> block. CSS cannot run script.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that know no CSP
    "X-Content-Type-Options": "nosniff",
    # Not no-referrer: Flask-WTF's CSRF check of HTTPS forms needs this site's own Referer.
    "Referrer-Policy": "same-origin",
}


def _security_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    # Behind HTTPS (DIANJIAO_SECURE_COOKIES=1) the browser sends the cookies over HTTPS only.
    secure = bool(app.config.get("SECURE_COOKIES"))
    app.config["SESSION_COOKIE_SECURE"] = secure
    app.config["REMEMBER_COOKIE_SECURE"] = secure
    app.after_request(_security_headers)


def private_opener(path: str, flags: int) -> int:
    """`open(path, mode, opener=private_opener)`: a file it creates gets mode 0600."""
    return os.open(path, flags, 0o600)


def create_private(path: str) -> None:
    """Create `path` empty with mode 0600 unless it exists (an empty file is an empty SQLite
    database; SQLite gives its -wal and -shm files the mode of the database file)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def make_private(path: str) -> bool:
    """Take away the group's and others' rights to `path` if it exists; whether it changed."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return False
    if not mode & 0o077:
        return False
    os.chmod(path, mode & 0o700)
    return True


def sqlite_path(url: str, instance: str) -> str | None:
    """The file of an SQLite database URL (Flask-SQLAlchemy reads a relative one in the instance
    folder); None for one in memory or not SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    if parsed.database.startswith("file:"):
        return None
    return os.path.join(instance, parsed.database)


def instance_secrets(app: Flask) -> list[str]:
    """The instance folder's files that hold secrets: the SQLite database with its -wal and -shm
    (password hashes, sync keys), the secret key, and config.py (which may hold either)."""
    paths = [os.path.join(app.instance_path, name) for name in ("secret_key", "config.py")]
    database = sqlite_path(app.config["SQLALCHEMY_DATABASE_URI"], app.instance_path)
    if database:
        paths += [database + suffix for suffix in ("", "-wal", "-shm", "-journal")]
    return paths

"""The Dianjiao Flask application."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from . import install, security
from .config import Defaults, secret_key
from .extensions import csrf, db, limiter, login_manager

REPO_INSTANCE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "instance")
MIGRATIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """Turn on WAL and foreign keys for every SQLite connection.

    synchronous=FULL: each commit reaches the disk (the WAL is synced) before it returns, so a
    sign-in answered is kept when the village PC loses power; NORMAL may lose the last ones
    (measured cost: docs/performance.md, "synchronous=FULL").

    The driver keeps its own transaction handling (BEGIN just before the first write), which lets
    busy_timeout queue concurrent writers. Its catch: a SAVEPOINT that is the first write of a
    transaction commits at once, so the code avoids savepoints (see attendance.sign_in).
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA busy_timeout=10000")
        # Up to 64 MiB of pages a connection (taken as used; the default is 2): the indexes of
        # a year of sign-ins outgrow 2 MiB, and a sync import of 100,000 ran 15-20 % slower.
        cur.execute("PRAGMA cache_size=-65536")
        cur.close()


def create_app(config: Mapping | None = None, *, pages: bool = True) -> Flask:
    """Build the app: defaults, then instance/config.py and DIANJIAO_* env (or a test mapping).

    `pages=False` leaves out the pages and the API (app/routes.py): an app for a `dianjiao`
    command, which then starts without importing a view; it has every command and signal.
    """
    instance = (config or {}).get("INSTANCE") or os.environ.get("DIANJIAO_INSTANCE") or REPO_INSTANCE
    instance = os.path.abspath(instance)
    os.makedirs(instance, mode=0o700, exist_ok=True)  # it holds the secret key and the database
    app = Flask(__name__, instance_path=instance, instance_relative_config=True)
    app.config.from_object(Defaults)
    if config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("DIANJIAO")
    else:
        app.config.update(config)
    install.init_app(app)
    app.config.setdefault("SECRET_KEY", None)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = secret_key(instance)
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config.get("DATABASE_URL") or (
        "sqlite:///" + os.path.join(instance, "dianjiao.sqlite")
    )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}
        path = security.sqlite_path(app.config["SQLALCHEMY_DATABASE_URI"], instance)
        if path and os.path.isdir(os.path.dirname(path)):
            # made 0600 before SQLite makes it 0644: it holds password hashes and sync keys
            security.create_private(path)

    if app.config["PROXIES"]:
        hops = int(app.config["PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    db.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    security.init_app(app)

    from . import features  # the app's own modules: they import this package first

    features.init_app(app, MIGRATIONS)
    if pages:
        from . import routes  # every view: only an app that serves requests imports them

        routes.init_app(app)
    return app

"""Two real installs: a hub (SQLite or PostgreSQL) and a site on SQLite, exchanging bundles."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager

import pytest

from tests.conftest import FAST_PASSWORD_HASH, empty_postgres


class Install:
    """One Dianjiao install under test; `with inst.ctx():` runs code against it."""

    def __init__(self, app, name: str):
        self.app = app
        self.name = name

    @contextmanager
    def ctx(self):
        from app.extensions import db

        with self.app.app_context():
            try:
                yield db
            finally:
                db.session.remove()


def _app(tmp_path, name: str, url: str | None, template: str, **extra):
    from app import create_app

    instance = tmp_path / name
    os.makedirs(instance)
    if url is None:
        target = instance / "dianjiao.sqlite"
        shutil.copy(template, target)
        url = f"sqlite:///{target}"
    config = {"INSTANCE": str(instance), "DATABASE_URL": url, "SECRET_KEY": "s",
              "TESTING": True, "TIMEZONE": "Asia/Shanghai", "SITE": None,
              "PASSWORD_HASH_METHOD": FAST_PASSWORD_HASH, **extra}
    return create_app(config)


@pytest.fixture(params=["sqlite", "postgres"])
def hub(request, tmp_path, sqlite_template):
    url = request.getfixturevalue("pg_database") if request.param == "postgres" else None
    app = _app(tmp_path, "hub", url, sqlite_template, ROLE="hub")
    yield Install(app, "hub")
    from app.extensions import db

    with app.app_context():
        db.session.remove()
        if url is not None:
            empty_postgres(db)
        db.engine.dispose()


@pytest.fixture
def new_site(tmp_path, sqlite_template):
    """Make fresh site installs (a fresh install is a hub until its enrollment says otherwise)."""
    made = []

    def build(name: str = "site", **extra):
        app = _app(tmp_path, name, None, sqlite_template, **extra)
        made.append(app)
        return Install(app, name)

    yield build
    from app.extensions import db

    for app in made:
        with app.app_context():
            db.engine.dispose()

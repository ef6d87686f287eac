"""Configuration layering, `dianjiao init` (idempotent, first admin), SQLite pragmas, migrations."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest
from sqlalchemy import text

from app import create_app

DIANJIAO = os.path.join(os.path.dirname(sys.executable), "dianjiao")


def run(args, instance, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DIANJIAO_")}
    environment.update({"DIANJIAO_INSTANCE": str(instance), **env})
    return subprocess.run([DIANJIAO, *args], env=environment, capture_output=True, text=True,
                          timeout=120)


def test_config_defaults_then_instance_file_then_environment(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text('TIMEZONE = "Asia/Urumqi"\nROLE = "site"\nSITE = "P-009"\n')
    for key in [k for k in os.environ if k.startswith("DIANJIAO_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("DIANJIAO_INSTANCE", str(tmp_path))
    app = create_app()
    assert (app.config["TIMEZONE"], app.config["ROLE"], app.config["SITE"]) == (
        "Asia/Urumqi", "site", "P-009")
    assert app.config["LOGIN_RATE_LIMIT"] == "10 per minute"  # a default left alone
    monkeypatch.setenv("DIANJIAO_TIMEZONE", "Asia/Shanghai")
    monkeypatch.setenv("DIANJIAO_SITE", "123")
    app = create_app()
    assert app.config["TIMEZONE"] == "Asia/Shanghai"
    assert app.config["SITE"] == "123"  # a site code stays a string
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/dianjiao.sqlite"
    assert len(app.config["SECRET_KEY"]) == 64  # generated once, kept in the instance folder
    assert create_app().config["SECRET_KEY"] == app.config["SECRET_KEY"]


def test_init_creates_admin_once_and_is_idempotent(tmp_path):
    first = run(["init"], tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Created user admin with password: " in first.stderr
    second = run(["init"], tmp_path)
    assert second.returncode == 0 and "password" not in second.stderr
    database = sqlite3.connect(tmp_path / "dianjiao.sqlite")
    assert database.execute("select count(*) from users where role = 'admin'").fetchone() == (1,)
    assert database.execute("pragma journal_mode").fetchone() == ("wal",)


def test_init_takes_the_admin_password_from_the_environment(tmp_path):
    result = run(["init"], tmp_path, DIANJIAO_ADMIN_PASSWORD="chosen-pass-1")
    assert "DIANJIAO_ADMIN_PASSWORD" in result.stderr
    result = run(["users", "token", "admin"], tmp_path)
    assert result.returncode == 0 and len(result.stdout.strip().splitlines()[-1]) >= 40


def test_cli_usage_error_is_exit_2_and_user_error_exit_1(tmp_path):
    run(["init"], tmp_path)
    assert run(["scan"], tmp_path).returncode == 2
    result = run(["users", "add", "x", "--role", "operator", "--password", "long-enough-1"], tmp_path)
    assert result.returncode == 1
    assert "needs a site" in result.stderr


def test_sqlite_has_foreign_keys_and_wal(sqlite_template, tmp_path):
    from app.extensions import db

    app = create_app({"INSTANCE": str(tmp_path), "DATABASE_URL": f"sqlite:///{sqlite_template}",
                      "SECRET_KEY": "x"})
    with app.app_context():
        assert db.session.execute(text("pragma foreign_keys")).scalar() == 1
        assert db.session.execute(text("pragma journal_mode")).scalar() == "wal"
        db.engine.dispose()


@pytest.mark.both_databases
def test_migrations_match_the_models(app):
    """Alembic autogenerate finds nothing to do: every model change has its migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from app.extensions import db

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []

"""The database's own commands: `dianjiao init` (migrate, first admin) and Flask-Migrate's `db`.

Flask-Migrate imports Alembic, and Alembic Mako and Pygments: ~0.1 s that every `dianjiao`
command and every test app would pay at start-up. Here it is imported when a migration runs.
"""

from __future__ import annotations

import secrets
from functools import cached_property

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from .auth.services import add_user
from .cli_support import LazyCommand, plain_errors
from .extensions import db
from .models import User
from .security import instance_secrets, make_private

MIGRATIONS_HELP = "Perform database migrations."  # flask_migrate.cli.db's, shown by `dianjiao --help`


class Migrations:
    """What Flask-Migrate's `init_app` keeps in `app.extensions["migrate"]` (its `_MigrateConfig`:
    `migrate`, `db`, `directory`, `configure_args`), with Flask-Migrate made on first use."""

    def __init__(self, db, directory: str, **options):
        self.db, self.directory, self._options = db, directory, options

    @cached_property
    def migrate(self):
        from flask_migrate import Migrate

        return Migrate(db=self.db, directory=self.directory, **self._options)

    @property
    def configure_args(self) -> dict:
        return self.migrate.alembic_ctx_kwargs

    @property
    def metadata(self):
        return self.db.metadata


@click.command("init")
@with_appcontext
@plain_errors
def init_command():
    """Create or upgrade the database and make the first admin."""
    from flask_migrate import upgrade

    upgrade(directory=current_app.extensions["migrate"].directory)
    # An install made before the files were created private: take away others' rights now.
    tightened = [path for path in instance_secrets(current_app) if make_private(path)]
    for path in tightened:
        click.echo(f"Made {path} readable by its owner only (mode 0600).", err=True)
    if db.session.scalar(select(User).where(User.role == "admin").limit(1)) is None:
        password = current_app.config.get("ADMIN_PASSWORD")
        generated = not password
        password = password or secrets.token_urlsafe(9)
        add_user("admin", "admin", password)
        db.session.commit()
        if generated:
            click.echo(f"Created user admin with password: {password}  (shown only now)", err=True)
        else:
            click.echo("Created user admin with the password from DIANJIAO_ADMIN_PASSWORD.",
                       err=True)
    click.echo("Database is up to date.", err=True)


def init_app(app: Flask, directory: str) -> None:
    """Keep the migrations' settings where Flask-Migrate looks, and add `init` and `db`."""
    app.extensions["migrate"] = Migrations(db, directory, render_as_batch=True)
    app.cli.add_command(init_command)
    app.cli.add_command(LazyCommand("db", "flask_migrate.cli:db", help=MIGRATIONS_HELP))

"""What every app has, whether it serves pages or only runs a command: the hooks of locale and
login, the features' signals, and every command of `dianjiao`.

Each feature owns its commands: its cli.py registers them on its blueprint's `cli`, and they are
added here the way registering the blueprint would add them, without registering it, so that an
app for a command imports no view (the pages are in routes.py).
"""

from __future__ import annotations

from flask import Blueprint, Flask

from . import audit, database, distribution, i18n, screenings
from .auth import access
from .auth import cli as auth_cli
from .catalog import cli as catalog_cli
from .cli_support import LazyCommand
from .extensions import babel
from .notices import cli as notices_cli
from .people import cli as people_cli
from .places import cli as places_cli
from .reports import cli as reports_cli
from .reports import kept
from .screenings import cli as screenings_cli
from .sync import bp as sync_bp

# The blueprints with commands: each cli.py adds its own (`users`, `scan`, `people`, `sites`,
# `readiness`, `reminders`, `reports`); sync's blueprint names `sync`, imported when it runs.
COMMANDS = (auth_cli.bp, catalog_cli.bp, people_cli.bp, places_cli.bp, reports_cli.bp,
            screenings_cli.bp, sync_bp, notices_cli.bp)
# What `dianjiao demo` says of itself, so that listing it does not import app/demo.py (PyAV and the
# whole demo network); tests/app/test_startup.py compares.
DEMO_HELP = "Load the demo: the named sites, titles, users and videos, and the seed's network."


def add_commands(app: Flask, blueprint: Blueprint) -> None:
    """Add a blueprint's commands as `app.register_blueprint` does (Flask's Blueprint.register)."""
    if not blueprint.cli.commands:
        return
    if blueprint.cli_group is None:
        app.cli.commands.update(blueprint.cli.commands)
    else:
        blueprint.cli.name = blueprint.cli_group if isinstance(blueprint.cli_group, str) else blueprint.name
        app.cli.add_command(blueprint.cli)


def init_app(app: Flask, migrations: str) -> None:
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.init_app(app)
    access.init_app(app)
    screenings.init_app(app)  # the features' signals (app/signals.py), connected for this app
    distribution.init_app(app)
    audit.init_app(app)
    kept.init_app(app)  # the kept monthly figures follow every write (app/reports/kept.py)
    for blueprint in COMMANDS:
        add_commands(app, blueprint)
    database.init_app(app, migrations)  # `init` and `db`
    app.cli.add_command(LazyCommand("demo", "app.demo:demo_command", help=DEMO_HELP))

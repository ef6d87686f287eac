"""The `dianjiao` command: a Flask click group with `serve`; the app adds the rest.

Each feature owns its commands and adds them when the app is made (app/features.py): `init` and
`db` (app/database.py), `demo` (app/demo.py), `scan` (catalog/cli.py), `sites` (places/cli.py),
`people` (people/cli.py), `users` (auth/cli.py), `sync` (sync/cli.py), `readiness`
(screenings/cli.py). What they share is in app/cli_support.py. The app of a command has no pages
(`create_app(pages=False)`), and libraries that are slow to import (PyAV, pygal, openpyxl, segno,
icalendar, tqdm, mutagen, libvlc, Alembic, APScheduler, waitress) are imported where they are
used, so that a command starts quickly (docs/performance.md, "Start-up").
"""

from __future__ import annotations

from importlib import metadata

import click
from flask.cli import FlaskGroup, ScriptInfo

from . import create_app
from .cli_support import LazyCommand

# What the lazily loaded commands say of themselves in `dianjiao --help`, so that the list does
# not import them (Flask-Limiter's imports rich, ~0.05 s; serve imports waitress, APScheduler and
# the player); tests/app/test_startup.py compares. A plugin not named here is imported for its line.
PLUGIN_HELP = {"limiter": "Flask-Limiter maintenance & utility commands"}
SERVE_HELP = "Serve the app with a production WSGI server (waitress)."
# Flask's own commands that serve the app (`run`), list its URLs (`routes`) or hand it over
# (`shell`): their app has its pages.
PAGE_COMMANDS = ("run", "routes", "shell")


def _make_app():
    return create_app(pages=False)


class DianjiaoGroup(FlaskGroup):
    """A FlaskGroup whose plugin commands are imported when they run, not before every command,
    and whose app has its pages only for the commands that use them."""

    def _load_plugin_commands(self) -> None:  # FlaskGroup's hook (Flask 1.0 to 3.1)
        if self._loaded_plugin_commands:
            return
        for entry_point in metadata.entry_points(group="flask.commands"):
            self.add_command(LazyCommand(entry_point.name, entry_point.value,
                                         help=PLUGIN_HELP.get(entry_point.name)), entry_point.name)
        self._loaded_plugin_commands = True

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        info = ctx.ensure_object(ScriptInfo)
        if name in PAGE_COMMANDS and info.create_app is _make_app:
            info.create_app = create_app
        return super().get_command(ctx, name)


main = DianjiaoGroup(create_app=_make_app, help="Dianjiao: catalog, screenings and sites.")
main.add_command(LazyCommand("serve", "app.serve:serve_command", help=SERVE_HELP))

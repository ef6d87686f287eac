"""The `dianjiao` command: a Flask click group with `serve`; the app adds the rest.

Each feature owns its commands and adds them when the app is made: `init` and `db`
(app/database.py), `demo` (app/demo.py), `scan` (catalog/cli.py), `sites` (places/cli.py),
`people` (people/cli.py), `users` (auth/cli.py), `sync` (sync/cli.py), `readiness`
(screenings/cli.py). What they share is in app/cli_support.py. Libraries that are slow to import
(PyAV, pygal, openpyxl, segno, icalendar, tqdm, mutagen, libvlc, Alembic) are imported where they
are used, so that a command starts quickly (docs/performance.md, "Start-up").
"""

from __future__ import annotations

from importlib import metadata

import click
from flask.cli import FlaskGroup

from . import create_app
from .cli_support import LazyCommand
from .player.services import close_player


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def serve_command(host: str, port: int, threads: int):
    """Serve the app with a production WSGI server (waitress)."""
    from waitress import serve

    from .runner import ScreeningRunner  # the scheduler (APScheduler): only `serve` runs it

    app = create_app()
    runner = ScreeningRunner(app)
    # Only the serve holding the scheduler lock starts a player: one TV, one player process.
    app.config["PLAYER_OWNER"] = runner.start()
    if not app.config["PLAYER_OWNER"]:
        click.echo("Another `dianjiao serve` schedules screenings on this instance; "
                   "this one serves pages only.", err=True)
    click.echo(f"Dianjiao is serving on http://{host}:{port}/  (Ctrl-C stops it)", err=True)
    click.echo("Log in as admin; the password was printed by `dianjiao init` on first run "
               "(set a new one with `dianjiao users passwd admin`).", err=True)
    try:
        serve(app, host=host, port=port, threads=threads, ident="dianjiao")
    finally:
        runner.stop()
        close_player(app)


def _make_app():
    return create_app()


# What the installed Flask plugins' commands say of themselves in `dianjiao --help`, so that the
# list does not import them (Flask-Limiter's imports rich, ~0.05 s); tests/app/test_startup.py
# compares. A plugin not named here is imported for its line.
PLUGIN_HELP = {"limiter": "Flask-Limiter maintenance & utility commands"}


class DianjiaoGroup(FlaskGroup):
    """A FlaskGroup whose plugin commands are imported when they run, not before every command."""

    def _load_plugin_commands(self) -> None:  # FlaskGroup's hook (Flask 1.0 to 3.1)
        if self._loaded_plugin_commands:
            return
        for entry_point in metadata.entry_points(group="flask.commands"):
            self.add_command(LazyCommand(entry_point.name, entry_point.value,
                                         help=PLUGIN_HELP.get(entry_point.name)), entry_point.name)
        self._loaded_plugin_commands = True


main = DianjiaoGroup(create_app=_make_app, help="Dianjiao: catalog, screenings and sites.")
main.add_command(serve_command)

"""`dianjiao serve`: the web app with waitress, the screening runner and the player.

A module of its own, loaded only when the command runs (app/cli.py lists it by name): it imports
waitress, APScheduler (app/runner.py) and the player, which no other command needs.
"""

from __future__ import annotations

import logging

import click
from waitress import serve

from . import create_app
from .player.services import close_player
from .runner import ScreeningRunner


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def serve_command(host: str, port: int, threads: int):
    """Serve the app with a production WSGI server (waitress)."""
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
    # waitress warns "Task queue depth is N" whenever requests wait for a thread: a kiosk's
    # burst does that by design (the sign-ins queue for a moment), and the warning would fill
    # the operator's console. Errors are still shown.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    try:
        serve(app, host=host, port=port, threads=threads, ident="dianjiao")
    finally:
        runner.stop()
        close_player(app)

"""`dianjiao reminders queue|send`: the reminder outbox from the command line (serve's minute
tick does the same on its own)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..cli_support import emit_json, plain_errors
from ..extensions import db
from .blueprint import bp
from .reminders import queue_due, run


@bp.cli.group("reminders")
def reminders_group():
    """The reminder outbox: messages the day before a screening."""


@reminders_group.command("queue")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
@with_appcontext
@plain_errors
def queue_command(as_json: bool):
    """Queue tomorrow's reminders (one a person with a phone and screening); sends nothing."""
    added = queue_due()
    db.session.commit()
    if as_json:
        emit_json({"queued": added})
    else:
        click.echo(f"{added} reminders queued.", err=True)


@reminders_group.command("send")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
@with_appcontext
@plain_errors
def send_command(as_json: bool):
    """Queue tomorrow's reminders, then send those due through the configured gateway."""
    result = run()
    if as_json:
        emit_json(result.as_dict())
    else:
        click.echo(f"{result.queued} queued, {result.sent} sent, {result.failed} failed, "
                   f"{result.cancelled} cancelled.", err=True)
    if not result.gateway:
        click.echo("No gateway is configured (DIANJIAO_REMINDER_GATEWAY_URL): nothing was sent; "
                   "the messages wait in the outbox.", err=True)

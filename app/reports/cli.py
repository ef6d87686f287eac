"""`dianjiao reports rebuild`: compute the kept monthly figures again from the rows."""

from __future__ import annotations

from time import perf_counter

import click
from flask.cli import with_appcontext

from .. import dates
from ..cli_support import emit_json, plain_errors
from ..extensions import db
from . import kept
from .blueprint import bp


@click.group("reports")
def reports_group():
    """The reports' kept monthly figures."""


@reports_group.command("rebuild")
@click.option("--month", help="Only this month (YYYY-MM); default: every month with a screening.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@plain_errors
def rebuild_command(month, as_json):
    """Recompute the kept monthly figures of every site from its screenings and sign-ins."""
    started = perf_counter()
    chosen = dates.parse_month(month) if month else None
    months = cells = 0
    for group, written in kept.rebuild(chosen):
        db.session.commit()
        months, cells = months + len(group), cells + written
        span = f"{group[0]:%Y-%m}" + (f" to {group[-1]:%Y-%m}" if len(group) > 1 else "")
        click.echo(f"{span}: {written} site-months.", err=True)
    db.session.commit()
    seconds = round(perf_counter() - started, 1)
    if as_json:
        emit_json({"months": months, "site_months": cells, "seconds": seconds})
    click.echo(f"Rebuilt {cells} site-months of {months} months in {seconds} s.", err=True)


bp.cli.add_command(reports_group)

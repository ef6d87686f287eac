"""`dianjiao people import`: the roster from CSV or XLSX."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..cli_support import emit_json, plain_errors
from ..errors import DianjiaoError
from ..extensions import db
from ..places.services import read_table
from .blueprint import bp
from .importing import import_people


@click.group("people")
def people_group():
    """Import the roster."""


@people_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--merge", is_flag=True,
              help="Update people already on the roster (same name and village) from the file.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@with_appcontext
@plain_errors
def people_import(file, merge, as_json):
    """Import people from CSV or XLSX (name,village,party_member,role,phone[,township])."""
    with open(file, "rb") as fh:
        data = fh.read()
    try:
        report = import_people(read_table(file, data), merge=merge)
    except DianjiaoError as exc:
        if as_json:
            emit_json({"error": exc.message, "errors": exc.details or []})
        raise
    db.session.commit()
    if as_json:
        emit_json(report.as_dict())
    click.echo(f"{report.created} created, {report.merged} merged, {report.unchanged} unchanged, "
               f"{report.duplicates_skipped} duplicates skipped.", err=True)
    for d in report.duplicates:
        same = f"row {d['of_row']}" if d["of_row"] else "a person on the roster"
        click.echo(f"  row {d['row']}: {d['name']} ({d['village']}) is the same as {same}",
                   err=True)
    if report.duplicates:
        click.echo("Run again with --merge to update those people from the file.", err=True)


bp.cli.add_command(people_group)

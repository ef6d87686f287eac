"""`dianjiao sites`: import and list sites."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..cli_support import emit_json, plain_errors
from ..extensions import db
from ..models import Site
from .blueprint import bp
from .services import filter_sites, import_sites, read_table, site_dict


@click.group("sites")
def sites_group():
    """Import and list sites."""


@sites_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
@plain_errors
def sites_import(file):
    """Import sites from CSV or XLSX (code,name,kind,township,village)."""
    with open(file, "rb") as fh:
        report = import_sites(read_table(file, fh.read()))
    db.session.commit()
    click.echo(f"{report.created} created, {report.updated} updated, "
               f"{report.unchanged} unchanged.", err=True)


@sites_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.option("--kind")
@with_appcontext
def sites_list(as_json, kind):
    """List sites."""
    sites = [site_dict(s) for s in db.session.scalars(filter_sites(select(Site), kind=kind))]
    if as_json:
        emit_json({"items": sites, "total": len(sites)})
        return
    for s in sites:
        click.echo(f"{s['code']}\t{s['kind']}\t{s['township'] or ''}\t{s['village'] or ''}\t"
                   f"{s['name']}")


bp.cli.add_command(sites_group)

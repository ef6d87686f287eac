"""`dianjiao fsck`: re-hash the library's copies now and list the damaged ones."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import select

from ..cli_support import byte_progress, emit_json, plain_errors
from ..errors import NotFound
from ..extensions import db
from ..models import Site
from .integrity import local_sites, run_pass


@click.command("fsck")
@click.option("--site", "site_code", help="Code of the site to check (default: every site "
              "with a library folder on this computer).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@click.option("--max-mbps", type=click.FloatRange(min=0, min_open=True),
              help="Read at most this many MB a second (default: as fast as the disk goes).")
@with_appcontext
@plain_errors
def fsck_command(site_code, as_json, max_mbps):
    """Re-hash every scanned video now and report the damaged ones."""
    if site_code:
        site = db.session.scalar(select(Site).where(Site.code == site_code))
        if site is None:
            raise NotFound(_("No site with code %(code)s.", code=site_code))
        sites = [site]
    else:
        sites = local_sites()
    with byte_progress("fsck") as show:
        summary = run_pass(sites, max_mbps=max_mbps, on_progress=show)
    if as_json:
        emit_json(summary)
        return
    click.echo(_("%(checked)d files checked, %(damaged)d damaged, %(errors)d not checked "
                 "in %(seconds)s s", checked=summary["checked"], damaged=len(summary["damaged"]),
                 errors=len(summary["errors"]), seconds=summary["seconds"]))
    for item in summary["damaged"]:
        click.echo("  " + _("damaged since %(found)s: %(path)s", found=item["found"],
                            path=item["path"]))
    for error in summary["errors"]:
        click.echo(f"  {error['path']}: {error['error']}", err=True)

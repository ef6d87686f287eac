"""`dianjiao scan`: index video folders of a site into the catalog; `dianjiao copy`: copy a kit
onto this computer, verified, and index it."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import select

from ..cli_support import byte_progress, emit_json, plain_errors
from ..errors import NotFound
from ..extensions import db
from ..models import Site
from .blueprint import bp
from .copying import copy_folder
from .fsck_cli import fsck_command
from .scanning import scan_paths


@click.command("scan")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--site", "site_code", required=True, help="Code of the site holding the files.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@click.option("--quick", is_flag=True, help="Fingerprint only; compute full hashes later.")
@with_appcontext
@plain_errors
def scan_command(paths, site_code, as_json, quick):
    """Index video folders of a site into the catalog."""
    site = _site(site_code)
    with byte_progress("scan") as show:
        summary = scan_paths(site, list(paths), quick=quick, on_progress=lambda p: show(
            p.files_done, p.files_total, p.bytes_done, p.bytes_total))
    if as_json:
        emit_json(summary)
    else:
        click.echo(
            f"{summary['files']} files: {summary['new']} new, {summary['changed']} changed, "
            f"{summary['unchanged']} unchanged, {summary['moved']} moved, "
            f"{summary['missing']} missing, {len(summary['errors'])} errors "
            f"in {summary['seconds']} s")
        for error in summary["errors"]:
            click.echo(f"  {error['path']}: {error['error']}", err=True)


def _site(code: str) -> Site:
    site = db.session.scalar(select(Site).where(Site.code == code))
    if site is None:
        raise NotFound(_("No site with code %(code)s.", code=code))
    return site


@click.command("copy")
@click.argument("src", type=click.Path())
@click.option("--site", "site_code", required=True, help="Code of the site the copy is for.")
@click.option("--to", "to", type=click.Path(), default=None,
              help="Library folder to copy into (default: COPY_ROOT, else instance/library/CODE).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@with_appcontext
@plain_errors
def copy_command(src, site_code, to, as_json):
    """Copy a kit or folder onto this computer, verified by SHA-256 and resumable, then scan it."""
    site = _site(site_code)
    with byte_progress("copy") as show:
        summary = copy_folder(site, src, to=to, on_progress=lambda p: show(
            p.files_done, p.files_total, p.bytes_done, p.bytes_total))
    if as_json:
        emit_json(summary)
    else:
        click.echo(f"{summary['files']} files into {summary['target']}: {summary['copied']} "
                   f"copied, {summary['resumed']} resumed, {summary['skipped']} verified before; "
                   f"all verified by SHA-256 in {summary['seconds']} s"
                   + (f"; kit {summary['kit']}" if summary["kit"] else ""))
    for error in summary["errors"]:
        click.echo(f"  {error['path']}: {error['error']}", err=True)


bp.cli.add_command(scan_command)
bp.cli.add_command(fsck_command)
bp.cli.add_command(copy_command)

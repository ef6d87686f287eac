"""`dianjiao sync`: enroll a site, export and import bundles, rotate and revoke keys.

Added to `dianjiao` by name (sync/blueprint.py) and imported when it runs."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ..cli_support import emit_json, plain_errors
from ..errors import Invalid
from ..extensions import db
from ..install import is_site
from .export import export_bundle
from .importer import import_bundle
from .net import Retry, describe
from .net import pull as do_pull
from .net import push as do_push
from .services import enroll_peer, rotate_key
from .services import revoke as revoke_peer
from .status import links


@click.group("sync")
def sync_group():
    """Carry records between the sites and the township hub."""


@sync_group.command("enroll")
@click.argument("code")
@click.option("--to", "target", required=True, type=click.Path(dir_okay=False),
              help="The enrollment bundle to write (carry it to the site).")
@with_appcontext
@plain_errors
def enroll(code, target):
    """On the hub: make a site's first bundle (its key, users and everything it should hold)."""
    enroll_peer(code)
    summary = export_bundle(target, to=code, enroll=True)
    click.echo(f"Enrollment bundle for {code}: {summary['rows']} rows in {target}. It carries "
               "the site's key: hand it over like a password.", err=True)


@sync_group.command("export")
@click.option("--to", "target", required=True, type=click.Path(dir_okay=False))
@click.option("--site", "code", help="On the hub: the site the bundle is for.")
@click.option("--full", is_flag=True, help="Send everything, not only what is unacknowledged.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@with_appcontext
@plain_errors
def export(target, code, full, as_json):
    """Write the bundle for the other side (a site: for its hub; the hub: for --site)."""
    if not is_site() and not code:
        raise Invalid("On the hub, say which site the bundle is for: --site CODE.")
    summary = export_bundle(target, to=code, full=full)
    if as_json:
        emit_json(summary)
    click.echo(f"Bundle {summary['seq']} for {summary['destination']}: {summary['rows']} rows "
               f"in {target}.", err=True)


@sync_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@with_appcontext
@plain_errors
def import_(file, as_json):
    """Import a bundle: all of it or nothing; importing it again changes nothing."""
    summary = import_bundle(file)
    if as_json:
        emit_json(summary)
    if summary["already_imported"]:
        click.echo(f"This bundle was already imported on {summary['imported_at']}; nothing "
                   "changed.", err=True)
    else:
        click.echo(f"Imported bundle {summary['seq']} from {summary['origin']}: "
                   f"{summary['inserted']} inserted, {summary['updated']} updated, "
                   f"{summary['unchanged']} unchanged, {summary['conflicts']} conflicts.",
                   err=True)
    for warning in summary["warnings"]:
        click.echo(f"Warning: {warning}", err=True)


def _network(step, url, as_json):
    result = step(url, retry=Retry(tell=lambda message: click.echo(message, err=True)))
    if as_json:
        emit_json(result)
    click.echo(describe(result), err=True)
    for warning in result["warnings"]:
        click.echo(f"Warning: {warning}", err=True)


@sync_group.command("push")
@click.option("--hub", "url", help="The hub's address (default: SYNC_HUB_URL).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@with_appcontext
@plain_errors
def push(url, as_json):
    """On a site: send the hub what it has not acknowledged, over HTTP (retrying)."""
    _network(do_push, url, as_json)


@sync_group.command("pull")
@click.option("--hub", "url", help="The hub's address (default: SYNC_HUB_URL).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@with_appcontext
@plain_errors
def pull(url, as_json):
    """On a site: fetch the hub's bundle for this site over HTTP and import it."""
    _network(do_pull, url, as_json)


@sync_group.command("rotate")
@click.argument("code")
@with_appcontext
@plain_errors
def rotate(code):
    """On the hub: give a site a new key (it travels in the next bundle)."""
    peer = rotate_key(code)
    db.session.commit()
    click.echo(f"New key {peer.key_version} for {code}; it reaches the site with the next "
               "bundle.", err=True)


@sync_group.command("revoke")
@click.argument("code")
@with_appcontext
@plain_errors
def revoke(code):
    """On the hub: refuse every bundle of a lost or stolen site from now on."""
    revoke_peer(code)
    db.session.commit()
    click.echo(f"Site {code} is revoked; enroll it again to give it a new key.", err=True)


@sync_group.command("status")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def status(as_json):
    """The links of this install: last bundle each way, lag, revoked keys."""
    rows = links()
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        click.echo(f"{row['code']:<12} last bundle {row['last_bundle_at'] or '-':<32} "
                   f"lag {row['lag_days'] if row['lag_days'] is not None else '-':>4} days  "
                   f"in #{row['in_seq'] or 0} out #{row['out_seq'] or 0}  key v{row['key_version']}"
                   f"{'  REVOKED' if row['revoked'] else ''}")
    if not rows:
        click.echo("No sync links yet.", err=True)
        sys.exit(0)


"""The `dianjiao` command: a Flask click group (init, serve, demo, scan, sites, users)."""

from __future__ import annotations

import secrets
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from .cli_support import emit_json, plain_errors
from .errors import DianjiaoError
from .extensions import db


@click.command("init")
@with_appcontext
@plain_errors
def init_command():
    """Create or upgrade the database and make the first admin."""
    from flask_migrate import upgrade

    from .auth.services import add_user
    from .models import User
    from .security import instance_secrets, make_private

    upgrade(directory=current_app.extensions["migrate"].directory)
    # An install made before the files were created private: take away others' rights now.
    tightened = [path for path in instance_secrets(current_app) if make_private(path)]
    for path in tightened:
        click.echo(f"Made {path} readable by its owner only (mode 0600).", err=True)
    if db.session.scalar(select(User).where(User.role == "admin").limit(1)) is None:
        password = current_app.config.get("ADMIN_PASSWORD")
        generated = not password
        password = password or secrets.token_urlsafe(9)
        add_user("admin", "admin", password)
        db.session.commit()
        if generated:
            click.echo(f"Created user admin with password: {password}  (shown only now)", err=True)
        else:
            click.echo("Created user admin with the password from DIANJIAO_ADMIN_PASSWORD.",
                       err=True)
    click.echo("Database is up to date.", err=True)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def serve_command(host: str, port: int, threads: int):
    """Serve the app with a production WSGI server (waitress)."""
    from waitress import serve

    from . import create_app
    from .player.services import close_player
    from .runner import ScreeningRunner

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


@click.command("scan")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--site", "site_code", required=True, help="Code of the site holding the files.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@click.option("--quick", is_flag=True, help="Fingerprint only; compute full hashes later.")
@with_appcontext
@plain_errors
def scan_command(paths, site_code, as_json, quick):
    """Index video folders of a site into the catalog."""
    from flask_babel import gettext as _
    from tqdm import tqdm

    from .catalog.scanning import scan_paths
    from .errors import NotFound
    from .models import Site

    site = db.session.scalar(select(Site).where(Site.code == site_code))
    if site is None:
        raise NotFound(_("No site with code %(code)s.", code=site_code))
    bar = tqdm(total=0, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr,
               desc="scan", dynamic_ncols=True, disable=None)

    def progress(p):
        if bar.total != p.bytes_total:
            bar.total = p.bytes_total
        bar.n = p.bytes_done
        bar.set_postfix_str(f"{p.files_done}/{p.files_total} files", refresh=False)
        bar.refresh()

    try:
        summary = scan_paths(site, list(paths), quick=quick, on_progress=progress)
    finally:
        bar.close()
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


@click.group("sites")
def sites_group():
    """Import and list sites."""


@sites_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
@plain_errors
def sites_import(file):
    """Import sites from CSV or XLSX (code,name,kind,township,village)."""
    from .places.services import import_sites, read_table

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
    from .models import Site
    from .places.services import filter_sites, site_dict

    sites = [site_dict(s) for s in db.session.scalars(filter_sites(select(Site), kind=kind))]
    if as_json:
        emit_json({"items": sites, "total": len(sites)})
        return
    for s in sites:
        click.echo(f"{s['code']}\t{s['kind']}\t{s['township'] or ''}\t{s['village'] or ''}\t"
                   f"{s['name']}")


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
    from .people.importing import import_people
    from .places.services import read_table

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


@click.group("users")
def users_group():
    """Manage logins and API tokens."""


@users_group.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["admin", "township", "operator", "kiosk"]))
@click.option("--site", "site_code", help="Site code (operator, kiosk).")
@click.option("--township", help="Township name (township officer).")
@click.option("--password", help="Password; asked for when not given.")
@with_appcontext
@plain_errors
def users_add(name, role, site_code, township, password):
    """Create a user."""
    from .auth.services import add_user

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    add_user(name, role, password, site_code=site_code, township=township)
    db.session.commit()
    click.echo(f"User {name} ({role}) created.", err=True)


@users_group.command("passwd")
@click.argument("name")
@click.option("--password", help="New password; asked for when not given.")
@with_appcontext
@plain_errors
def users_passwd(name, password):
    """Set a user's password."""
    from flask_babel import gettext as _

    from .errors import Invalid, NotFound
    from .models import User

    user = db.session.scalar(select(User).where(User.username == name))
    if user is None:
        raise NotFound(_("No user named %(name)s.", name=name))
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        raise Invalid(_("The password must have at least 8 characters."))
    user.set_password(password)
    db.session.commit()
    click.echo(f"Password of {name} changed.", err=True)


@users_group.command("token")
@click.argument("name")
@with_appcontext
@plain_errors
def users_token(name):
    """Print a new API token for a user (last line of output)."""
    from .auth.services import new_token

    token = new_token(name)
    db.session.commit()
    click.echo(token)


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when sites already exist.")
@click.option("--years", default=1, show_default=True, type=click.IntRange(1, 50),
              help="Years of screenings, play logs and sign-ins in the network's history.")
@click.option("--scale", default=1.0, show_default=True, type=click.FloatRange(0, 1),
              help="Share of the seed's network to build around the named demo (0: none).")
@with_appcontext
@plain_errors
def demo_command(if_empty, years, scale):
    """Load the demo: the named sites, titles, users and videos, and the seed's network."""
    import time

    from .demo import load_demo
    from .models import Site

    if if_empty and db.session.scalar(select(Site).limit(1)) is not None:
        click.echo("Demo data not loaded: the database already has sites.", err=True)
        return
    started = time.perf_counter()
    for line in load_demo(years=years, scale=scale):
        click.echo(line, err=True)
    click.echo(f"Demo loaded in {time.perf_counter() - started:.1f} s.", err=True)


def register_cli(app) -> None:
    from .screenings.cli import readiness_command
    from .sync.cli import sync_group

    for command in (init_command, scan_command, sites_group, people_group, users_group,
                    demo_command, sync_group, readiness_command):
        app.cli.add_command(command)


def _make_app():
    from . import create_app

    return create_app()


main = FlaskGroup(create_app=_make_app, help="Dianjiao: catalog, screenings and sites.")
main.add_command(serve_command)

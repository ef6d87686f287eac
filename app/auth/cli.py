"""`dianjiao users`: logins and API tokens."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import select

from ..cli_support import plain_errors
from ..errors import Invalid, NotFound
from ..extensions import db
from ..models import User
from .blueprint import bp
from .roles import ROLES
from .services import add_user, new_token


@click.group("users")
def users_group():
    """Manage logins and API tokens."""


@users_group.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--site", "site_code", help="Site code (operator, kiosk).")
@click.option("--township", help="Township name (township officer).")
@click.option("--password", help="Password; asked for when not given.")
@with_appcontext
@plain_errors
def users_add(name, role, site_code, township, password):
    """Create a user."""
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
    token = new_token(name)
    db.session.commit()
    click.echo(token)


bp.cli.add_command(users_group)

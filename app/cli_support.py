"""What every feature's commands share: plain errors (exit 1) and JSON on stdout."""

from __future__ import annotations

import json
import sys
from functools import wraps

import click

from .errors import DianjiaoError
from .extensions import db


def plain_errors(fn):
    """Turn a domain error into its message on stderr and exit code 1."""

    @wraps(fn)
    def wrapped(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except DianjiaoError as exc:
            db.session.rollback()
            click.echo(f"Error: {exc.message}", err=True)
            for detail in exc.details or []:
                click.echo(f"  row {detail['row']}: {detail['error']}" if isinstance(detail, dict)
                           and "row" in detail else f"  {detail}", err=True)
            sys.exit(1)

    return wrapped


def emit_json(document) -> None:
    click.echo(json.dumps(document, ensure_ascii=False, indent=2, default=str))

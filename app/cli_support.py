"""What every feature's commands share: plain errors (exit 1), JSON on stdout, a progress bar
of bytes, lazy commands."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps

import click
from werkzeug.utils import import_string

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


@contextmanager
def byte_progress(desc: str) -> Iterator[Callable[[int, int, int, int], None]]:
    """A progress bar of bytes on stderr (hidden when stderr is not a terminal) for a long
    command over files (scan, copy, fsck); yields show(files_done, files_total, bytes_done,
    bytes_total)."""
    from tqdm import tqdm

    bar = tqdm(total=0, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr,
               desc=desc, dynamic_ncols=True, disable=None)

    def show(files_done: int, files_total: int, bytes_done: int, bytes_total: int) -> None:
        if bar.total != bytes_total:
            bar.total = bytes_total
        bar.n = bytes_done
        bar.set_postfix_str(f"{files_done}/{files_total} files", refresh=False)
        bar.refresh()

    try:
        yield show
    finally:
        bar.close()


class LazyCommand(click.Command):
    """A command imported only when it runs (click's "lazily loading subcommands"), for commands
    whose module is slow to import. Listed with `help` when given (Flask-Migrate's `db` says what
    it does without Alembic), else with the real command's, imported for `--help` alone."""

    def __init__(self, name: str, import_name: str, *, help: str | None = None):  # noqa: A002
        super().__init__(name, help=help)
        self.import_name = import_name

    def load(self) -> click.Command:
        return import_string(self.import_name)

    def get_short_help_str(self, limit: int = 45) -> str:
        return super().get_short_help_str(limit) if self.help else self.load().get_short_help_str(limit)

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        return self.load().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: click.Context):
        return self.load().invoke(ctx)

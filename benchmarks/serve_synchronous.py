"""`dianjiao ...` with SQLite's `synchronous` forced to another level, for benchmarks/signin.py.

    python benchmarks/serve_synchronous.py NORMAL serve --port 5001

The app sets synchronous=FULL on every SQLite connection (app/__init__.py); a connect listener
registered after the app's runs after it and wins. Only for measuring what FULL costs.
"""

from __future__ import annotations

import sqlite3
import sys

from _common import REPO  # noqa: F401  (puts the repository on the import path)
from sqlalchemy import event
from sqlalchemy.engine import Engine

import app  # noqa: F401  (registers the app's own pragmas first)
from app.cli import main as dianjiao

LEVEL = sys.argv.pop(1).upper()
if LEVEL not in ("OFF", "NORMAL", "FULL", "EXTRA"):
    raise SystemExit(f"unknown synchronous level {LEVEL}")


@event.listens_for(Engine, "connect")
def _synchronous(dbapi_connection, _record):
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute(f"PRAGMA synchronous={LEVEL}")


if __name__ == "__main__":
    sys.argv[0] = "dianjiao"
    dianjiao()

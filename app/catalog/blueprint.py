"""The catalog blueprint. A module of its own: views.py and cli.py register pages and commands on it
without importing the package that imports them. `cli_group=None` puts its commands at the top level
of `dianjiao`."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("catalog", __name__, cli_group=None)

"""The notices blueprint: its pages and its `dianjiao reminders` commands register on it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("notices", __name__, cli_group=None)

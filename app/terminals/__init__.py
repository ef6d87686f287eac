"""Terminal health: each site's hourly report, and the hub's Terminals page (#15)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("terminals", __name__)

from . import views  # noqa: E402,F401

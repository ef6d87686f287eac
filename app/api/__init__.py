from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from . import distribution, loans, people, player, reports, screenings, sync, views  # noqa: E402,F401

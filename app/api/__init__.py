from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from . import (  # noqa: E402,F401
    distribution,
    loans,
    people,
    player,
    readiness,
    reports,
    screenings,
    sync,
    terminals,
    views,
)

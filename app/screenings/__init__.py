from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("screenings", __name__)

from . import events, views  # noqa: E402,F401


def init_app(app: Flask) -> None:
    """Send screenings_changed after commits that changed screenings (see events)."""
    events.init_app(app)

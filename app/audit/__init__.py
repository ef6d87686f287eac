"""The audit of screenings (防虚报) and the evidence that travels to the hub."""

from __future__ import annotations

from flask import Flask

from . import events
from .blueprint import bp
from .evidence import room_photos

__all__ = ["bp", "init_app"]


def init_app(app: Flask) -> None:
    """Audit each screening the player ends (see events); the screening page's room photos."""
    events.init_app(app)
    app.jinja_env.globals["room_photos"] = room_photos

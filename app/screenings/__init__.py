from __future__ import annotations

from flask import Flask

from . import events
from .blueprint import bp

__all__ = ["bp", "init_app"]


def init_app(app: Flask) -> None:
    """Send screenings_changed after commits that changed screenings (see events)."""
    events.init_app(app)

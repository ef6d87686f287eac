from __future__ import annotations

from flask import Blueprint, Flask

from ..signals import scan_finished

bp = Blueprint("distribution", __name__)

from . import views  # noqa: E402,F401
from .kits import verify_after_scan  # noqa: E402


def init_app(app: Flask) -> None:
    """Verify a site's kits after every scan of it (the blueprint is registered by create_app)."""
    scan_finished.connect(verify_after_scan, sender=app)

from __future__ import annotations

from flask import Flask

from ..signals import scan_finished
from .blueprint import bp
from .manifest import verify_after_scan

__all__ = ["bp", "init_app"]


def init_app(app: Flask) -> None:
    """Verify a site's kits after every scan of it (the blueprint is registered by create_app)."""
    scan_finished.connect(verify_after_scan, sender=app)

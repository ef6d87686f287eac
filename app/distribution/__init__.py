from __future__ import annotations

from flask import Blueprint

bp = Blueprint("distribution", __name__)

from ..catalog.scanning import on_scan_done  # noqa: E402
from . import views  # noqa: E402,F401
from .services import verify_after_scan  # noqa: E402

on_scan_done(verify_after_scan)

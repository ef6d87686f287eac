"""Sync: bundles carry a site's records to the township hub and the hub's plans back (#6)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("sync", __name__, url_prefix="/sync")

from . import views  # noqa: E402,F401

"""The attendance blueprint. A module of its own: the pages (kiosk, roll call, record) register on
it without importing the package that imports them."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("attendance", __name__)

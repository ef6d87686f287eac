"""The teaching plans blueprint (its own module: the pages register on it)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("teaching", __name__)

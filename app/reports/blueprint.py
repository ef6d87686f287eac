"""The reports blueprint. A module of its own: the pages register on it without importing the
package that imports them."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__, cli_group=None)

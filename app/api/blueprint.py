"""The API blueprint and its limit on guessed tokens. A module of its own: the resource modules
register on it without importing the package that imports them."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from ..extensions import limiter

bp = Blueprint("api", __name__, url_prefix="/api")


def _no_bearer() -> bool:
    return not request.headers.get("Authorization", "").startswith("Bearer ")


def _refused(response: Response) -> bool:
    return response.status_code == 401


# Guessing API tokens: only requests whose Bearer token was refused (401) count, per client
# address; past the limit every Bearer request of that address gets 429 until the window ends
# (else a guess could still succeed). Valid tokens never count; no Bearer header, no limit.
limiter.shared_limit(lambda: current_app.config["TOKEN_RATE_LIMIT"], scope="bearer",
                     exempt_when=_no_bearer, deduct_when=_refused)(bp)

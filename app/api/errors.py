"""The API's error handler: every error of an API view is the one envelope
{"error": {"code", "message"}} with its 4xx status. (Errors before a view is found, such as an
unknown path under /api/, are answered in the same envelope by app/views.py.)"""

from __future__ import annotations

from flask import Response, jsonify

from ..errors import DianjiaoError
from ..extensions import db
from .blueprint import bp


def envelope(status: int, code: str, message: str) -> tuple[Response, int]:
    return jsonify(error={"code": code, "message": message}), status


@bp.errorhandler(DianjiaoError)
def _domain_error(exc: DianjiaoError):
    db.session.rollback()
    return envelope(exc.status, exc.code, exc.message)

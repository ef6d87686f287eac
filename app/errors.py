"""Domain exceptions: services raise them, views and the CLI turn them into plain messages."""

from __future__ import annotations


class DianjiaoError(Exception):
    """An error whose message can be shown to the user as it is."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: object = None):
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DianjiaoError):
    status = 404
    code = "not_found"


class Forbidden(DianjiaoError):
    status = 403
    code = "forbidden"


class Invalid(DianjiaoError):
    status = 422
    code = "invalid"


class Conflict(DianjiaoError):
    status = 409
    code = "conflict"

"""The rotating code in a screening's phone sign-in QR code.

The code is an HMAC of (screening id, time slot) under the app's SECRET_KEY, so nothing is stored:
any process of the install can check it. A slot lasts QR_ROTATE_S seconds; the current and the
previous slot are accepted, so a code read just before it changes still works.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import UTC, datetime

from flask import current_app

CODE_LENGTH = 12  # hex digits (48 bits): short keeps the QR code coarse enough for old phones


def rotate_s() -> int:
    return max(1, int(current_app.config["QR_ROTATE_S"]))


def slot(now: datetime | None = None) -> int:
    """The number of the time slot `now` falls in."""
    now = now or datetime.now(UTC)
    return int(now.timestamp()) // rotate_s()


def code_for(screening_id: uuid.UUID | str, slot_number: int) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    message = f"phone-sign-in:{screening_id}:{slot_number}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:CODE_LENGTH]


def current_code(screening_id: uuid.UUID | str, now: datetime | None = None) -> str:
    return code_for(screening_id, slot(now))


def accepts(screening_id: uuid.UUID | str, code: str, now: datetime | None = None) -> bool:
    """True for the code of the current or the previous slot; expired or forged codes are not."""
    code = str(code or "")
    if len(code) != CODE_LENGTH:
        return False
    current = slot(now)
    return any(hmac.compare_digest(code, code_for(screening_id, n)) for n in (current, current - 1))

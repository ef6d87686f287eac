"""Sign-in pages: each part in its own module (kiosk and phone, roll-call and paper, the record)."""

from __future__ import annotations

from . import kiosk, phone_reflection, record, rollcall  # noqa: F401

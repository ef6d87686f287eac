"""The one place every sign-in write passes (see `signed`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from ..reports import touches as figures


@dataclass(frozen=True)
class Written:
    """A sign-in just written by `sign_in`: a new row, an absent or excused mark turned into a
    sign-in, or a mark corrected by staff."""

    screening_id: uuid.UUID
    person_id: uuid.UUID
    status: str
    signed_at: datetime
    replaced: str | None = None  # the row's status before (None: a new row)
    # What the kept monthly figures ask, when the writer has it at hand (None: read it):
    held: bool | None = None  # the screening is held (done, partial)
    member: bool | None = None  # the person is an active party member of the roster


def signed(change: Written) -> None:
    """Every write of `sign_in` (kiosk, phone, operator, paper; the API, the forms, the sheets)
    and of the API's lean path (app/attendance/fast.py) passes here, inside its transaction,
    right after the row is written: the one place for what must change with it in the same
    transaction (such as kept monthly figures). Absent marks made when a sheet closes are not
    sign-ins and do not pass here. Nothing else is done on the sign-in's path."""
    figures.signed_in(change)  # the kept monthly figures (app/reports/touches.py), at commit

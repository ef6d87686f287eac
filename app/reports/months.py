"""The month a report is asked for (this month by default; never one in the future). The local
calendar itself (today, month bounds, shifting a month) is app/clock.py."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _

from .. import clock, dates
from ..errors import Invalid


def parse_month(value: str | None, *, tz: str, now: datetime | None = None) -> date:
    """A YYYY-MM month (default: this month); a month in the future is refused."""
    this_month = clock.today(tz, now).replace(day=1)
    if not value:
        return this_month
    month = dates.parse_month(value)
    if month > this_month:
        raise Invalid(_("%(month)s is in the future; a report card covers a month that has begun.",
                        month=month.strftime("%Y-%m")))
    return month

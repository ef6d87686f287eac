"""The month a report is asked for (by default the last complete month, never one in the future)
and how much of it has gone by. The local calendar itself (today, month bounds, shifting a month)
is app/clock.py."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _

from .. import clock, dates
from ..errors import Invalid
from ..i18n import show_month


def last_complete(tz: str, now: datetime | None = None) -> date:
    """The last month that has ended: the one a report judges unless asked for another."""
    return clock.shift(clock.today(tz, now).replace(day=1), -1)


def parse_month(value: str | None, *, tz: str, now: datetime | None = None) -> date:
    """A YYYY-MM month (default: the last complete month); a month in the future is refused."""
    this_month = clock.today(tz, now).replace(day=1)
    if not value:
        return clock.shift(this_month, -1)
    month = dates.parse_month(value)
    if month > this_month:
        raise Invalid(_("%(month)s is in the future; a report card covers a month that has begun.",
                        month=show_month(month)))
    return month


def elapsed(month: date, tz: str, now: datetime | None = None) -> float:
    """The share of a local month gone by at `now`: 0 before it begins, 1 once it has ended.

    A month is judged (met or not met) only at 1; before that its quotas are on track or behind.
    """
    start, end = clock.month_bounds(month, tz)
    now = now or clock.now()
    if now >= end:
        return 1.0
    if now <= start:
        return 0.0
    return (now - start) / (end - start)

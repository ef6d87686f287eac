"""Local calendar months: this month, the last complete one, a month asked for, a month's UTC
bounds and how much of it has gone by."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from .. import dates
from ..errors import Invalid


def local_today(tz: str, now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(tz)).date()


def last_complete(tz: str, now: datetime | None = None) -> date:
    """The last month that has ended: the one a report judges unless asked for another."""
    return shift(local_today(tz, now).replace(day=1), -1)


def parse_month(value: str | None, *, tz: str, now: datetime | None = None) -> date:
    """A YYYY-MM month (default: the last complete month); a month in the future is refused."""
    this_month = local_today(tz, now).replace(day=1)
    if not value:
        return shift(this_month, -1)
    month = dates.parse_month(value)
    if month > this_month:
        raise Invalid(_("%(month)s is in the future; a report card covers a month that has begun.",
                        month=month.strftime("%Y-%m")))
    return month


def shift(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_bounds(month: date, tz: str) -> tuple[datetime, datetime]:
    """The UTC start and end of a local calendar month."""
    zone = ZoneInfo(tz)
    start = datetime(month.year, month.month, 1, tzinfo=zone)
    nxt = shift(month, 1)
    end = datetime(nxt.year, nxt.month, 1, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def elapsed(month: date, tz: str, now: datetime | None = None) -> float:
    """The share of a local month gone by at `now`: 0 before it begins, 1 once it has ended.

    A month is judged (met or not met) only at 1; before that its quotas are on track or behind.
    """
    start, end = month_bounds(month, tz)
    now = now or datetime.now(UTC)
    if now >= end:
        return 1.0
    if now <= start:
        return 0.0
    return (now - start) / (end - start)

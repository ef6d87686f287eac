"""Local calendar months: this month, a month asked for, and a month's UTC bounds."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from .. import dates
from ..errors import Invalid


def local_today(tz: str, now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(tz)).date()


def parse_month(value: str | None, *, tz: str, now: datetime | None = None) -> date:
    """A YYYY-MM month (default: this month); a month in the future is refused."""
    this_month = local_today(tz, now).replace(day=1)
    if not value:
        return this_month
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


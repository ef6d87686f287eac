"""The time: now (UTC), and the local calendar of the display timezone (a moment's local time and
date, today, and the UTC bounds of a local month or year).

`now()` reads the system clock, unless a test gave another with `use` (the `clock` fixture of
tests/conftest.py). Functions that take a `now=` argument default to now(); none reads the
clock when it is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

_source: Callable[[], datetime] | None = None  # None: the system clock


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return _source() if _source is not None else datetime.now(UTC)


def use(source: Callable[[], datetime] | None) -> Callable[[], datetime] | None:
    """Read the time from `source` from now on (None: the system clock); returns the one before."""
    global _source
    before, _source = _source, source
    return before


def local(moment: datetime, tz: str) -> datetime:
    """The moment in local time, for display; one stored out of range before the check stays
    in UTC (its local time may not exist in `datetime`)."""
    try:
        return moment.astimezone(ZoneInfo(tz))
    except OverflowError:
        return moment.astimezone(UTC)


def local_date(moment: datetime, tz: str) -> date:
    """The local calendar date of a moment."""
    return local(moment, tz).date()


def today(tz: str | None = None, at: datetime | None = None) -> date:
    """The local date now (or at the moment `at`) in `tz`, by default the display timezone (the
    TIMEZONE setting)."""
    return local_date(at or now(), tz or current_app.config["TIMEZONE"])


def shift(month: date, months: int) -> date:
    """The first day of the month `months` after (or before, when negative) `month`'s."""
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_bounds(month: date, tz: str) -> tuple[datetime, datetime]:
    """The UTC start and end of a local calendar month (of any day of it)."""
    zone = ZoneInfo(tz)
    nxt = shift(month, 1)
    start = datetime(month.year, month.month, 1, tzinfo=zone)
    end = datetime(nxt.year, nxt.month, 1, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def year_bounds(year: int, tz: str) -> tuple[datetime, datetime]:
    """The UTC start and end of a local calendar year."""
    zone = ZoneInfo(tz)
    return (datetime(year, 1, 1, tzinfo=zone).astimezone(UTC),
            datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC))

"""Calendar arithmetic for the week and month pages, in the display timezone."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    """UTC bounds [start, end) of a local calendar day."""
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(), tzinfo=zone)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def week_of(day: date) -> list[date]:
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=i) for i in range(7)]


def month_grid(day: date) -> list[list[date | None]]:
    """Weeks (Monday first) of the month of `day`; days outside it are None."""
    return [[d if d.month == day.month else None for d in week]
            for week in calendar.Calendar().monthdatescalendar(day.year, day.month)]


def span(view: str, day: date) -> tuple[date, date]:
    """First and last day shown by a view."""
    if view == "month":
        first = day.replace(day=1)
        last = first.replace(day=calendar.monthrange(day.year, day.month)[1])
        return first, last
    week = week_of(day)
    return week[0], week[-1]


def neighbours(view: str, day: date) -> tuple[date, date]:
    """The days the Previous and Next links of a view open: the month before and after, or a
    week either side."""
    if view == "month":
        _first, last = span(view, day)
        return (day.replace(day=1) - timedelta(days=1)).replace(day=1), last + timedelta(days=1)
    return day - timedelta(days=7), day + timedelta(days=7)

"""The range of dates Dianjiao accepts, and the one place that reads the dates people give.

Every date or time from the API, a form, a query string or a sync bundle is checked against
2000-01-01 to 2099-12-31, as written, in UTC and in the display timezone. Nobody means year 1 or
year 9999, and near the ends of what `datetime` holds, adding a day or converting to local time
raises OverflowError: one screening dated in year 1 once stopped every minute tick of an install.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from wtforms.validators import ValidationError

from .errors import Invalid
from .i18n import show_date

EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)
_MONTH = re.compile(r"\d{4}-\d{2}")


def in_range(day: date) -> bool:
    return EARLIEST <= day <= LATEST


def moment_in_range(moment: datetime, tz: str | None = None) -> bool:
    """True when the moment's date is in range as written, in UTC and (given `tz`) in local time.

    A naive moment is read in `tz`. Once its written date is in range, converting cannot overflow.
    """
    if not in_range(moment.date()):
        return False
    if moment.tzinfo is None:
        if tz is None:
            return True
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    return in_range(moment.astimezone(UTC).date()) and (
        tz is None or in_range(moment.astimezone(ZoneInfo(tz)).date()))


def range_text() -> str:
    """The range in words, for a form field's error."""
    return _("Give a date from %(first)s to %(last)s.", first=show_date(EARLIEST),
             last=show_date(LATEST))


def out_of_range(field: str) -> Invalid:
    return Invalid(_("%(field)s must be a date from %(first)s to %(last)s.", field=field,
                     first=show_date(EARLIEST), last=show_date(LATEST)))


def check_day(day: date, field: str) -> date:
    if not in_range(day):
        raise out_of_range(field)
    return day


def check_moment(moment: datetime, field: str, tz: str) -> datetime:
    """The moment in UTC (a naive one is read in `tz`), or Invalid naming the field."""
    if not moment_in_range(moment, tz):
        raise out_of_range(field)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    return moment.astimezone(UTC)


def parse_day(value, field: str) -> date:
    """A YYYY-MM-DD date in range, or Invalid naming the field."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return check_day(value, field)
    try:
        day = date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise Invalid(_("%(field)s must be a date (YYYY-MM-DD).", field=field)) from exc
    return check_day(day, field)


def parse_moment(value, field: str, tz: str) -> tuple[datetime, bool]:
    """An ISO 8601 time in range; one without an offset is taken in `tz`.

    Returns (aware UTC, whether the offset was assumed), or Invalid naming the field.
    """
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise Invalid(_("%(field)s: %(value)s is not a date and time (use "
                            "2026-12-06T19:30+08:00).", field=field, value=value)) from exc
    return check_moment(moment, field, tz), moment.tzinfo is None


def parse_month(value: str, field: str = "month") -> date:
    """The first day of a YYYY-MM month in range, or Invalid naming the field."""
    value = (value or "").strip()
    try:
        if not _MONTH.fullmatch(value):
            raise ValueError(value)
        month = datetime.strptime(value, "%Y-%m").date()
    except ValueError as exc:
        raise Invalid(_("Give the month as YYYY-MM, for example 2025-03.")) from exc
    return check_day(month, field)


class InRange:
    """A WTForms validator: the date field's value is in range."""

    def __call__(self, form, field) -> None:
        if field.data is not None and not in_range(field.data):
            raise ValidationError(range_text())

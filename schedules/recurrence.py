"""Recurring plans as RFC 5545 RRULE text, expanded in the site's local wall-clock time.

A rule never carries its own DTSTART: the first screening gives the start date and the time of day,
and the rule says which days repeat it. The expansion runs in local time of the plan's zone, so a
screening at 19:30 stays at 19:30 on every date, whatever the zone's offset is on that date.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrulestr

PRESETS = ("weekly", "monthly", "six_days", "first_saturday")

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_FREQS = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY")
_SUB_DAILY = ("HOURLY", "MINUTELY", "SECONDLY")
# Name -> (lowest, highest) absolute value; RFC 5545 allows a minus sign, never zero.
_INT_LISTS = {
    "BYMONTH": (1, 12),
    "BYMONTHDAY": (1, 31),
    "BYYEARDAY": (1, 366),
    "BYWEEKNO": (1, 53),
    "BYSETPOS": (1, 366),
}
_BYDAY = re.compile(r"([+-]?)(\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
_UNTIL = re.compile(r"(\d{8})(?:T(\d{6})(Z?))?")
_INT = re.compile(r"[+-]?\d+")
# The Gregorian calendar repeats every 400 years: a rule with no date in the last 400 years
# datetime can hold has none at all. Probing there keeps dateutil from walking to year 9999.
_PROBE_START = datetime(9999 - 400, 1, 1)


class RecurrenceError(ValueError):
    """A repeat rule that cannot be used, with a plain-English reason for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _unreadable(detail: str) -> RecurrenceError:
    return RecurrenceError(f"The repeat rule could not be read: {detail}.")


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {tz!r}") from exc


def _require_aware(**values: datetime) -> None:
    for name, value in values.items():
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{name} must be timezone-aware, got {value!r}")


def preset_rule(name: str, first: datetime, tz: str) -> str:
    """Return the RRULE text (without DTSTART) of a preset, taking its day from `first` in `tz`.

    "monthly" repeats on the day of the month of `first`. From a 29th, 30th or 31st, months without
    that day are skipped, as RFC 5545 says (a plan from 31 January falls on 31 March, 31 May, ...),
    never moved to the month's last day.
    """
    _require_aware(first=first)
    local = first.astimezone(_zone(tz))
    if name == "weekly":
        return f"FREQ=WEEKLY;BYDAY={_WEEKDAYS[local.weekday()]}"
    if name == "monthly":
        return f"FREQ=MONTHLY;BYMONTHDAY={local.day}"
    if name == "six_days":
        return "FREQ=MONTHLY;BYMONTHDAY=6,16,26"
    if name == "first_saturday":
        return "FREQ=MONTHLY;BYDAY=1SA"
    raise RecurrenceError(f"Unknown repeat choice {name!r}; the choices are {', '.join(PRESETS)}.")


def _parts(rule: str) -> dict[str, str]:
    """Split and check rule text into its NAME -> VALUE parts, upper-cased, in the order given."""
    if not isinstance(rule, str):
        raise _unreadable("it is not text")
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:"):]
    text = text.strip().upper()
    if not text:
        raise _unreadable("it is empty")
    if "DTSTART" in text:
        raise RecurrenceError(
            "The repeat rule must not carry its own start (DTSTART): "
            "the first screening's date and time give it."
        )
    if "\n" in text or ":" in text:
        raise _unreadable("give one RRULE line only, such as FREQ=WEEKLY;BYDAY=SA")
    parts: dict[str, str] = {}
    for chunk in filter(None, (c.strip() for c in text.split(";"))):
        name, eq, value = (s.strip() for s in chunk.partition("="))
        if not eq or not name or not value:
            raise _unreadable(f"{chunk!r} is not of the form NAME=VALUE")
        if name in parts:
            raise _unreadable(f"{name} is given twice")
        parts[name] = value
    _check(parts)
    return parts


def _check(parts: dict[str, str]) -> None:
    freq = parts.get("FREQ")
    if freq is None:
        raise _unreadable("FREQ is missing (DAILY, WEEKLY, MONTHLY or YEARLY)")
    if freq in _SUB_DAILY:
        raise RecurrenceError(f"The repeat rule is too frequent (FREQ={freq}): at most one screening a day.")
    if freq not in _FREQS:
        raise _unreadable(f"FREQ={freq} is not one of DAILY, WEEKLY, MONTHLY, YEARLY")
    for name, value in parts.items():
        if name in ("BYHOUR", "BYMINUTE", "BYSECOND"):
            raise RecurrenceError(
                f"The repeat rule must not set {name}: the time of day comes from the first screening, "
                "and there is at most one screening a day."
            )
        if name in ("INTERVAL", "COUNT"):
            if not value.isdigit() or int(value) < 1:
                raise _unreadable(f"{name} must be a whole number from 1, not {value!r}")
        elif name in _INT_LISTS:
            _check_ints(name, value, *_INT_LISTS[name])
        elif name == "BYDAY":
            _check_byday(value, freq)
        elif name == "WKST":
            if value not in _WEEKDAYS:
                raise _unreadable(f"WKST must be one of {', '.join(_WEEKDAYS)}, not {value!r}")
        elif name == "UNTIL":
            _until_parts(value)
        elif name != "FREQ":
            raise _unreadable(f"{name} is not a part of a repeat rule")
    if "COUNT" in parts and "UNTIL" in parts:
        raise _unreadable("give COUNT or UNTIL, not both")


def _check_ints(name: str, value: str, low: int, high: int) -> None:
    for item in value.split(","):
        if not _INT.fullmatch(item) or not low <= abs(int(item)) <= high:
            raise _unreadable(f"{name} takes numbers from {low} to {high} or -{high} to -{low}, not {item!r}")


def _check_byday(value: str, freq: str) -> None:
    for item in value.split(","):
        match = _BYDAY.fullmatch(item)
        if not match:
            raise _unreadable(f"BYDAY takes weekdays such as MO, SA or 1SA, not {item!r}")
        if match.group(2) is not None:
            if not 1 <= int(match.group(2)) <= 53:
                raise _unreadable(f"{item!r} counts weeks from 1 to 53")
            if freq not in ("MONTHLY", "YEARLY"):
                raise _unreadable(f"a numbered weekday such as {item!r} needs FREQ=MONTHLY or YEARLY")


def _until_parts(value: str) -> tuple[datetime, bool, bool]:
    """Read UNTIL as (naive datetime, is_utc, is_date_only)."""
    match = _UNTIL.fullmatch(value)
    if not match:
        raise _unreadable(f"UNTIL must look like 20251231, 20251231T193000 or 20251231T113000Z: {value!r}")
    day, clock, utc = match.groups()
    try:
        if clock is None:
            return datetime.strptime(day, "%Y%m%d"), False, True
        return datetime.strptime(day + clock, "%Y%m%d%H%M%S"), bool(utc), False
    except ValueError:
        raise _unreadable(f"UNTIL={value} is not a real date and time") from None


def _text(parts: dict[str, str]) -> str:
    return ";".join(f"{name}={value}" for name, value in parts.items())


def validate_rule(rule: str) -> str:
    """Return the rule text normalised (upper case, no "RRULE:"), or raise RecurrenceError.

    Rules without COUNT or UNTIL repeat for ever, which is fine: occurrences are always asked for
    within a window.
    """
    parts = _parts(rule)
    probe = {name: value for name, value in parts.items() if name not in ("COUNT", "UNTIL", "INTERVAL")}
    try:
        never = not rrulestr(_text(probe), dtstart=_PROBE_START)[0:1]
    except (ValueError, TypeError) as exc:
        raise _unreadable(str(exc)) from exc
    if never:
        raise RecurrenceError("The repeat rule never happens: no date matches it (such as 30 February).")
    return _text(parts)


def _until_utc(value: str, zone: ZoneInfo) -> datetime:
    moment, is_utc, date_only = _until_parts(value)
    if is_utc:
        return moment.replace(tzinfo=UTC)
    if date_only:  # a bare date means "up to and including that day" in local time
        moment = datetime.combine(moment.date() + timedelta(days=1), time()) - timedelta(microseconds=1)
    return moment.replace(tzinfo=zone).astimezone(UTC)


def occurrences(
    rule: str, first: datetime, tz: str, window_start: datetime, window_end: datetime
) -> list[datetime]:
    """Return the occurrences in [window_start, window_end) as sorted aware UTC datetimes.

    `first` gives the earliest date and the local time of day; it is an occurrence itself only
    when it matches the rule. A local time that does not exist on a date (the hour skipped when
    clocks go forward) is taken with the offset before the change, so it lands an hour later on
    the wall clock; a local time that happens twice is taken the first time.
    """
    _require_aware(first=first, window_start=window_start, window_end=window_end)
    zone = _zone(tz)
    parts = _parts(validate_rule(rule))
    until = _until_utc(parts.pop("UNTIL"), zone) if "UNTIL" in parts else None
    end = window_end if until is None else min(window_end, until + timedelta(microseconds=1))
    start = max(window_start, first)
    if start >= end:
        return []

    def local(moment: datetime) -> datetime:
        return moment.astimezone(zone).replace(tzinfo=None)

    expanded = rrulestr(_text(parts), dtstart=local(first))
    # A day of slack each side: the window is exact in UTC, the expansion is in local time.
    slack = timedelta(days=1)
    found = []
    for wall in expanded.between(local(start) - slack, local(end) + slack, inc=True):
        moment = wall.replace(tzinfo=zone).astimezone(UTC)
        if start <= moment < end:
            found.append(moment)
    return found


def describe(rule: str) -> dict:
    """Return {"preset": name or None, "rule": normalised text}, recognising preset rules."""
    text = validate_rule(rule)
    parts = _parts(text)
    if parts.get("INTERVAL") == "1":
        del parts["INTERVAL"]
    return {"preset": _preset_of(parts), "rule": text}


def _preset_of(parts: dict[str, str]) -> str | None:
    names = set(parts)
    freq = parts["FREQ"]
    if freq == "WEEKLY" and names == {"FREQ", "BYDAY"} and parts["BYDAY"] in _WEEKDAYS:
        return "weekly"
    if freq != "MONTHLY":
        return None
    if names == {"FREQ", "BYDAY"} and parts["BYDAY"] in ("1SA", "+1SA"):
        return "first_saturday"
    if names == {"FREQ", "BYMONTHDAY"}:
        days = sorted(int(d) for d in parts["BYMONTHDAY"].split(","))
        if days == [6, 16, 26]:
            return "six_days"
        if len(days) == 1 and days[0] > 0:
            return "monthly"
    return None


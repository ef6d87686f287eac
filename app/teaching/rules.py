"""A session's day rule: the 6th/16th/26th, the first Saturday, weekly on a weekday, given dates
or any RRULE; read from what a form or the API gives, and expanded to dates of a period."""

from __future__ import annotations

import re
from datetime import date, datetime, time

from dateutil.rrule import rrulestr
from flask_babel import gettext as _

from schedules.recurrence import RecurrenceError, validate_rule

from ..dates import parse_day
from ..errors import Invalid

KINDS = ("six_days", "first_saturday", "weekly", "dates", "rrule")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MAX_DATES = 100
_PRESETS = {"six_days": "FREQ=MONTHLY;BYMONTHDAY=6,16,26",
            "first_saturday": "FREQ=MONTHLY;BYDAY=1SA"}
_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


def clean_rule(value) -> dict:
    """The rule as stored: {"kind": ...} with "weekday", "dates" or "rrule" as its kind needs.

    Text is a kind's name (six_days, first_saturday), "weekly:SA", or an RRULE."""
    if isinstance(value, str):
        text = value.strip()
        if text in _PRESETS:
            value = {"kind": text}
        elif text.lower().startswith("weekly:"):
            value = {"kind": "weekly", "weekday": text.split(":", 1)[1]}
        else:
            value = {"kind": "rrule", "rrule": text}
    if not isinstance(value, dict) or value.get("kind") not in KINDS:
        raise Invalid(_("A day rule is one of %(kinds)s.", kinds=", ".join(KINDS)))
    kind = value["kind"]
    if kind in _PRESETS:
        return {"kind": kind}
    if kind == "weekly":
        weekday = str(value.get("weekday") or "").strip().upper()[:2]
        if weekday not in WEEKDAYS:
            raise Invalid(_("A weekly rule needs a weekday, one of %(days)s.",
                            days=", ".join(WEEKDAYS)))
        return {"kind": "weekly", "weekday": weekday}
    if kind == "dates":
        days = value.get("dates")
        if not isinstance(days, list) or not days or len(days) > MAX_DATES:
            raise Invalid(_("Given dates are a list of 1 to %(num)d dates.", num=MAX_DATES))
        return {"kind": "dates",
                "dates": sorted({parse_day(str(d), "dates").isoformat() for d in days})}
    try:
        return {"kind": "rrule", "rrule": validate_rule(value.get("rrule") or "")}
    except RecurrenceError as exc:
        raise Invalid(exc.message) from exc


def rule_text(rule: dict) -> str | None:
    """The RRULE of a stored rule; None for given dates."""
    kind = rule["kind"]
    if kind in _PRESETS:
        return _PRESETS[kind]
    if kind == "weekly":
        return f"FREQ=WEEKLY;BYDAY={rule['weekday']}"
    if kind == "rrule":
        return rule["rrule"]
    return None


def dates_in(rule: dict, starts_on: date, ends_on: date) -> list[date]:
    """The dates of the rule from starts_on to ends_on, both included."""
    if rule["kind"] == "dates":
        return [d for d in map(date.fromisoformat, rule["dates"]) if starts_on <= d <= ends_on]
    start = datetime.combine(starts_on, time())
    expanded = rrulestr(rule_text(rule), dtstart=start)
    return [moment.date() for moment in expanded.between(
        start, datetime.combine(ends_on, time(23, 59)), inc=True)]


def describe(rule: dict) -> str:
    """The rule in words, in the UI language."""
    kind = rule["kind"]
    if kind == "six_days":
        return _("the 6th, 16th and 26th")
    if kind == "first_saturday":
        return _("the first Saturday")
    if kind == "weekly":
        return _("weekly on %(day)s", day=rule["weekday"])
    if kind == "dates":
        return ", ".join(rule["dates"])
    return rule["rrule"]


def clean_clock(value, field: str = "start_time") -> str | None:
    """A local time of day as "HH:MM", or None."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    if len(text) == 8 and text.endswith(":00"):
        text = text[:5]
    if not _CLOCK.fullmatch(text):
        raise Invalid(_("%(field)s is a time of day such as 19:30.", field=field))
    return text


def clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))

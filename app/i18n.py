"""Locale choice (user, session, browser) and how dates and times are shown.

Every date and time a person reads goes through `show_date`, `show_time` or `show_month` (the
templates' `date`, `time` and `month` filters): one shape per language, defined once in
`FORMATS` (docs/conventions.md, "Dates and times"). Machine formats (ISO 8601) stay in CSV,
JSON, the API, URLs and `<input type=date>` values.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_app_context, has_request_context, request, session
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user

# Babel patterns (https://babel.pocoo.org/en/latest/dates.html#date-fields), one set a language.
FORMATS = {
    "zh": {"date": "y年M月d日", "datetime": "y年M月d日 HH:mm", "time": "HH:mm",
           "seconds": "HH:mm:ss", "month": "y年M月", "weekday": "EEE"},
    "en": {"date": "d MMM y", "datetime": "d MMM y, HH:mm", "time": "HH:mm",
           "seconds": "HH:mm:ss", "month": "MMM y", "weekday": "EEE"},
}
KINDS = ("date", "datetime", "time", "seconds", "month", "weekday")


def select_locale() -> str:
    """Return the user's saved choice, then the session's, then what the browser asks for."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and background work speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    # By quality, primary subtag: "zh-CN,en;q=0.5" is Chinese (best_match would pick exact "en").
    for value, _quality in request.accept_languages:
        primary = value.split("-")[0].lower()
        if primary in languages:
            return primary
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]


def kind_of(fmt: str | None) -> str:
    """The house kind for `fmt`: a kind itself, or an older Babel pattern or name read by shape
    ('yyyy-MM-dd HH:mm' → datetime, 'HH:mm' → time), so that no page keeps a shape of its own."""
    if not fmt or fmt in ("short", "medium", "long", "full"):
        return "datetime"
    if fmt in KINDS:
        return fmt
    has_day, has_clock = "d" in fmt, "H" in fmt or "h" in fmt
    if has_clock:
        return "datetime" if has_day or "M" in fmt else "time"
    if has_day:
        return "date"
    if "M" in fmt:
        return "month"
    return "weekday" if "E" in fmt else "date"


def pattern(kind: str) -> str:
    """The Babel pattern of `kind` in the current language (the default language outside a
    request)."""
    language = "zh"
    if has_app_context():
        locale = get_locale()
        language = locale.language if locale else current_app.config["BABEL_DEFAULT_LOCALE"]
    return FORMATS.get(language, FORMATS["en"])[kind]


def show_time(value: datetime | str | None, fmt: str = "datetime") -> str:
    """A moment in the display timezone, as `fmt` says (datetime by default; `time` for the
    clock only). One stored out of range (its local time may not exist in `datetime`) is shown
    in UTC, said so, rather than failing the page."""
    if not value:
        return ""
    if isinstance(value, str):  # an ISO 8601 moment from a JSON-shaped row
        value = datetime.fromisoformat(value)
    kind = kind_of(fmt)
    if kind in ("date", "month", "weekday") or not isinstance(value, datetime):
        return show_date(value, kind)
    try:
        return format_datetime(value, pattern(kind))
    except OverflowError:
        return format_datetime(value.astimezone(UTC), pattern(kind), rebase=False) + " UTC"


def show_date(value: date | datetime | None, fmt: str = "date") -> str:
    """A calendar day (a moment: its day in the display timezone), or its month or weekday."""
    if not value:
        return ""
    kind = kind_of(fmt)
    if kind in ("datetime", "time", "seconds"):
        kind = "date"
    try:
        return format_date(value, pattern(kind))
    except OverflowError:
        return format_date(value.astimezone(UTC), pattern(kind), rebase=False)


def show_month(value: date | datetime | None) -> str:
    """A month: 2026年12月, Dec 2026."""
    return show_date(value, "month")


def machine_time(value: datetime | None) -> str:
    """A moment for a download (CSV, XLSX): ISO 8601 in the display timezone, to the minute."""
    if not value:
        return ""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return value.astimezone(zone).isoformat(timespec="minutes")


def init_app(app: Flask) -> None:
    app.jinja_env.filters["time"] = show_time
    app.jinja_env.filters["date"] = show_date
    app.jinja_env.filters["month"] = show_month

    @app.context_processor
    def _locale():
        return {"current_locale": str(get_locale())}

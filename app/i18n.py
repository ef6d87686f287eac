"""Locale choice (user, session, browser) and time display in the configured timezone."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user


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


def show_time(value: datetime | None, fmt: str = "short") -> str:
    """A time in the display timezone; one stored out of range (its local time may not exist in
    `datetime`) is shown in UTC, said so, rather than failing the page."""
    if not value:
        return ""
    try:
        return format_datetime(value, fmt)
    except OverflowError:
        return format_datetime(value.astimezone(UTC), fmt, rebase=False) + " UTC"


def init_app(app: Flask) -> None:
    app.jinja_env.filters["time"] = show_time
    app.jinja_env.filters["date"] = format_date

    @app.context_processor
    def _locale():
        return {"current_locale": str(get_locale())}

"""WTForms validators for the limits of app/limits.py, so the pages keep the API's limits."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.validators import Length


def text(limit: int) -> Length:
    """At most `limit` characters (WTForms' own message names the limit)."""
    return Length(max=limit)


def chosen(limit: int) -> Length:
    """At most `limit` items chosen in a multiple choice (a playlist, a batch's titles)."""
    return Length(max=limit, message=_l("Choose at most %(max)d."))

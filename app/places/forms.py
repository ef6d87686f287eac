from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional, Regexp

from .. import limits
from ..formlimits import text
from ..labels import SITE_KIND_LABELS, choices


def _hh_mm(value: str | None) -> str | None:
    """A time of day as "HH:MM": a browser's time input may add ":00" seconds."""
    value = (value or "").strip()
    return value[:5] if len(value) == 8 and value.endswith(":00") else value


class SiteForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), text(limits.SITE_NAME)])
    kind = SelectField(_l("Kind"), choices=choices(SITE_KIND_LABELS))
    contact_name = StringField(_l("Contact"), validators=[Optional(), text(limits.CONTACT_NAME)])
    contact_phone = StringField(_l("Phone"), validators=[Optional(), text(limits.PHONE)])
    address = StringField(_l("Address"), validators=[Optional(), text(limits.ADDRESS)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), text(limits.NOTES)])
    active = BooleanField(_l("Active"))
    usual_start = StringField(
        _l("Usual start time"), default="19:30", render_kw={"type": "time"}, filters=[_hh_mm],
        validators=[DataRequired(), Regexp(r"([01]\d|2[0-3]):[0-5]\d$",
                                           message=_l("A time of day such as 19:30."))],
        description=_l("Teaching plans' screenings start at this time here, unless a session "
                       "sets its own."))


class ImportForm(FlaskForm):
    file = FileField(
        _l("CSV or XLSX file"),
        validators=[FileRequired(), FileAllowed(["csv", "xlsx"], _l("Upload a .csv or .xlsx file."))],
    )


class UnitForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), text(limits.PLACE_NAME)])

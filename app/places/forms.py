from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional

from .. import limits
from ..formlimits import text
from ..labels import SITE_KIND_LABELS, choices


class SiteForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), text(limits.SITE_NAME)])
    kind = SelectField(_l("Kind"), choices=choices(SITE_KIND_LABELS))
    contact_name = StringField(_l("Contact"), validators=[Optional(), text(limits.CONTACT_NAME)])
    contact_phone = StringField(_l("Phone"), validators=[Optional(), text(limits.PHONE)])
    address = StringField(_l("Address"), validators=[Optional(), text(limits.ADDRESS)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), text(limits.NOTES)])
    active = BooleanField(_l("Active"))


class ImportForm(FlaskForm):
    file = FileField(
        _l("CSV or XLSX file"),
        validators=[FileRequired(), FileAllowed(["csv", "xlsx"], _l("Upload a .csv or .xlsx file."))],
    )


class UnitForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), text(limits.PLACE_NAME)])

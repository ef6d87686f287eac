"""Roster forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from .. import limits
from ..errors import DianjiaoError
from ..formlimits import text
from ..labels import PERSON_ROLE_LABELS, choices
from .importing import clean_phone
from .services import MAX_NAME


def _phone_digits(form, field):
    try:
        field.data = clean_phone(field.data) or ""
    except DianjiaoError as exc:
        raise ValidationError(_l("A phone number has digits only (at most 20).")) from exc


class PersonForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=MAX_NAME)])
    village = SelectField(_l("Village"), validators=[DataRequired()])
    party_member = BooleanField(_l("Party member"))
    role = SelectField(_l("Role"), choices=choices(PERSON_ROLE_LABELS))
    phone = StringField(_l("Phone"), validators=[text(limits.PHONE), _phone_digits])
    # Two people of one village may share a name; adding the second one is asked for explicitly.
    same_name_ok = BooleanField(_l("This is another person with the same name"))


class ImportForm(FlaskForm):
    file = FileField(
        _l("CSV or XLSX file"),
        validators=[FileRequired(), FileAllowed(["csv", "xlsx"], _l("Upload a .csv or .xlsx file."))],
    )


class MergeForm(FlaskForm):
    """Confirms merging the duplicates of an upload kept in the instance folder."""

    token = HiddenField(validators=[DataRequired()])
    merge = HiddenField(default="1")


class ActionForm(FlaskForm):
    """A button that changes something (deactivate, confirm a walk-in): only the CSRF token."""

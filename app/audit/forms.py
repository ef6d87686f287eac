"""The audit's forms: an officer's word on a flag, and an operator's photo of the room."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional


class DecideForm(FlaskForm):
    state = RadioField(_l("This flag is"), choices=[
        SelectChoice("explained", _l("explained")), SelectChoice("confirmed", _l("confirmed")),
        SelectChoice("open", _l("open again"))], default="explained")
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500)])


class PhotoForm(FlaskForm):
    photo = FileField(_l("Photo of the room"), validators=[FileRequired(_l("Choose a photo to add."))])

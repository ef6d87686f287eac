from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .. import limits
from ..formlimits import text
from ..labels import AUDIENCE_LABELS, SERIES_LABELS, TOPIC_LABELS, choices, series_label
from .titles import FIRST_YEAR, LAST_YEAR, MAX_TITLE


class TitleForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=MAX_TITLE)])
    series = SelectField(_l("Series"), choices=[SelectChoice("", "—")] + choices(SERIES_LABELS))
    topics = SelectMultipleField(_l("Topics"), choices=choices(TOPIC_LABELS),
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    audience = SelectField(_l("Audience"), choices=choices(AUDIENCE_LABELS))
    producer = StringField(_l("Producer"), validators=[Optional(), Length(max=MAX_TITLE)])
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(FIRST_YEAR, LAST_YEAR)])
    summary = TextAreaField(_l("Summary"), validators=[Optional(), text(limits.SUMMARY)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # In the page's language (a Chinese page shows the stored Chinese names).
        self.series.choices = [SelectChoice("", "—")] + [
            SelectChoice(code, series_label(code)) for code in SERIES_LABELS]


class AttachForm(FlaskForm):
    """A title's name or id typed (or a search), or `title_id`: a match the page listed."""

    title = StringField(_l("Title"), validators=[Optional(), text(limits.TITLE_NAME)])
    title_id = StringField(validators=[Optional(), text(limits.TITLE_NAME)])


class RootForm(FlaskForm):
    path = StringField(_l("Folder on this computer"), validators=[DataRequired(), Length(max=1000)])
    label = StringField(_l("Label"), validators=[Optional(), Length(max=200)])


class ScanForm(FlaskForm):
    quick = BooleanField(_l("Quick (full hashes later)"))


class CopyForm(FlaskForm):
    source = StringField(_l("Copy from (a disc, a USB stick or a folder)"),
                         validators=[DataRequired(), Length(max=1000)])
    to = StringField(_l("Into the library folder (empty: the usual one)"),
                     validators=[Optional(), Length(max=1000)])

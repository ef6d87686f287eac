from __future__ import annotations

from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .. import limits
from ..dates import InRange
from ..formlimits import chosen, text
from ..labels import AUDIENCE_LABELS, choices

REPEAT_LABELS = {
    "": _l("Once"),
    "weekly": _l("Every week on this weekday"),
    "monthly": _l("Every month on this day"),
    "six_days": _l("On the 6th, 16th and 26th of every month"),
    "first_saturday": _l("On the first Saturday of every month"),
    "custom": _l("By the rule under Advanced"),
}


def repeat_choices(day: date | None) -> list[SelectChoice]:
    """The repeat choices in plain words, naming the weekday and the day of the month of `day`
    (the form's date) when known."""
    labels = dict(REPEAT_LABELS)
    if day is not None:
        labels["weekly"] = _("Every week on %(weekday)s", weekday=format_date(day, "EEEE"))
        labels["monthly"] = _("Every month on day %(day)d", day=day.day)
    return choices(labels)


class ScreeningForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired(), InRange()])
    start = TimeField(_l("Starts"), validators=[DataRequired()])
    end = TimeField(_l("Ends"), validators=[DataRequired()])
    topic = StringField(_l("Topic"), validators=[DataRequired(), text(limits.TOPIC)])
    audience = SelectField(_l("Audience"), choices=choices(AUDIENCE_LABELS) + [
        SelectChoice("group", _l("A named group"))])
    group = StringField(_l("Group name"), validators=[Optional(), text(limits.AUDIENCE)])
    titles = SelectMultipleField(_l("Playlist"), choices=[], validate_choice=False,
                                 validators=[chosen(limits.PLAYLIST_ITEMS)])  # the title picker
    notes = TextAreaField(_l("Notes"), validators=[Optional(), text(limits.NOTES)])
    repeat = SelectField(_l("Repeat"), choices=choices(REPEAT_LABELS))
    rule = StringField(_l("RRULE"), validators=[Optional(), text(limits.RRULE)])
    force = BooleanField(_l("Plan it even though it overlaps"))


class ConfirmForm(FlaskForm):
    """A form with only the CSRF token, for buttons."""


class SeriesForm(FlaskForm):
    """A recurring plan: its time of day, length, rule and what it shows."""

    start = TimeField(_l("Starts"), validators=[DataRequired()])
    duration_min = IntegerField(_l("Minutes"), validators=[DataRequired(), NumberRange(5, 24 * 60)])
    topic = StringField(_l("Topic"), validators=[DataRequired(), text(limits.TOPIC)])
    audience = StringField(_l("Audience"), validators=[DataRequired(), text(limits.AUDIENCE)])
    rule = StringField(_l("RRULE"), validators=[DataRequired(), text(limits.RRULE)])
    titles = SelectMultipleField(_l("Playlist"), choices=[], validate_choice=False,
                                 validators=[chosen(limits.PLAYLIST_ITEMS)],
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    notes = TextAreaField(_l("Notes"), validators=[Optional(), text(limits.NOTES)])
    force = BooleanField(_l("Plan it even though it overlaps"))

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .. import limits
from ..dates import InRange
from ..formlimits import chosen, text
from ..labels import SITE_KIND_LABELS, choices
from ..models.distribution import FORMS
from .kits import FORM_LABELS, STATUS_LABELS


class BatchForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), text(limits.BATCH_NAME)])
    form = SelectField(_l("Form"), default="DVD",
                       choices=[SelectChoice(f, FORM_LABELS[f]) for f in FORMS])
    made_on = DateField(_l("Made on"), validators=[Optional(), InRange()])
    titles = SelectMultipleField(_l("Titles"), choices=[], validate_choice=False,
                                 validators=[chosen(limits.BATCH_TITLES)],
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    notes = TextAreaField(_l("Notes"), validators=[Optional(), text(limits.NOTES)])
    # the sites a teaching plan found lacking the titles, carried on to the consign step
    sites = HiddenField(validators=[Optional(), text(limits.TYPED_LIST)])


class ConsignForm(FlaskForm):
    kinds = SelectMultipleField(_l("Kinds of site"), choices=choices(SITE_KIND_LABELS),
                                widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    townships = SelectMultipleField(_l("Townships"), choices=[], validate_choice=False,
                                    validators=[chosen(limits.CHOSEN_SITES)],
                                    widget=ListWidget(prefix_label=False),
                                    option_widget=CheckboxInput())
    villages = StringField(_l("Villages (names, separated by commas)"),
                           validators=[Optional(), text(limits.TYPED_LIST)])
    sites = StringField(_l("Or site codes (separated by commas or spaces)"),
                        validators=[Optional(), text(limits.TYPED_LIST)])
    copies = IntegerField(_l("Copies per site"), default=1,
                          validators=[InputRequired(), NumberRange(1, 1000)])  # 0: out of range, not missing
    form = SelectField(_l("Form"), default="", choices=[SelectChoice("", _l("The batch's form"))]
                       + [SelectChoice(f, FORM_LABELS[f]) for f in FORMS])


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=choices(STATUS_LABELS))


class ReceiveForm(FlaskForm):
    received_by = StringField(_l("Signed by"), validators=[Optional(), text(limits.RECEIVED_BY)])


class ConfirmForm(FlaskForm):
    """A form with only the CSRF token, for buttons."""

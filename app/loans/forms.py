from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ..dates import InRange
from ..models.loans import BORROWER_MAX, ITEM_MAX, LOAN_KINDS
from .services import KIND_LABELS, NOTES_MAX


class LoanForm(FlaskForm):
    item = StringField(_l("Item"), validators=[DataRequired(), Length(max=ITEM_MAX)])
    kind = SelectField(_l("Kind"), default="equipment",
                       choices=[SelectChoice(k, KIND_LABELS[k]) for k in LOAN_KINDS])
    borrower = StringField(_l("Borrower"), validators=[Optional(), Length(max=BORROWER_MAX)])
    person = SelectField(_l("From the roster"), choices=[], validate_choice=False, default="")
    lent_on = DateField(_l("Lent on"), validators=[DataRequired(), InRange()])
    due_on = DateField(_l("Due on"), validators=[DataRequired(), InRange()])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=NOTES_MAX)])


class EditLoanForm(LoanForm):
    returned_on = DateField(_l("Returned on"), validators=[Optional(), InRange()])


class ConfirmForm(FlaskForm):
    """A form with only the CSRF token, for buttons."""

"""Forms of the operator's pages: roll-call marks, entry of a filled paper sheet, the record's notes.

The roll-call and the paper sheet list people only known at request time, so their per-person
fields are read from the posted form against the rows shown (anything else posted is ignored).
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, FormField, StringField, TextAreaField
from wtforms.utils import unset_value
from wtforms.validators import Length, Optional, ValidationError

from .. import limits
from ..models.people import ATTENDANCE_STATUSES
from ..people.services import MAX_NAME

WALKIN_ROWS = 5
MAX_WALKINS = limits.WALKINS
MAX_VILLAGE = limits.PLACE_NAME
MAX_DISCUSSION = limits.DISCUSSION


class RollCallForm(FlaskForm):
    """One radio group per person shown, named `status-<person id>`; one save button."""

    def marks(self, formdata, person_ids) -> dict[str, str]:
        """The status chosen for each person shown (people without a choice are left out)."""
        chosen = {}
        for person_id in person_ids:
            value = formdata.get(f"status-{person_id}", "")
            if value in ATTENDANCE_STATUSES:
                chosen[str(person_id)] = value
        return chosen


class WalkinForm(FlaskForm):
    """Someone not on the sheet's roster who signed a blank line.

    A FlaskForm (without its own CSRF token: the sheet's form has one) for Flask-WTF's
    translations of the validators' messages.
    """

    class Meta:
        csrf = False

    name = StringField(_l("Name"), validators=[Optional(), Length(max=MAX_NAME)])
    village = StringField(_l("Village"), validators=[Optional(), Length(max=MAX_VILLAGE)])


class CountedFieldList(FieldList):
    """A FieldList that counts the entries posted: FieldList drops those past max_entries."""

    posted = 0

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters)
        prefix = f"{self.name}-"
        self.posted = len({key[len(prefix):].split("-", 1)[0] for key in formdata or ()
                           if key.startswith(prefix)})


class PaperEntryForm(FlaskForm):
    """The people ticked as present on a filled sheet (`present` repeated), and walk-in lines."""

    walkins = CountedFieldList(FormField(WalkinForm), min_entries=WALKIN_ROWS,
                               max_entries=MAX_WALKINS)

    def validate_walkins(self, field):
        if field.posted > MAX_WALKINS:
            raise ValidationError(_("A sheet takes at most %(n)d walk-in lines; nothing was "
                                     "saved. Enter the rest in a second save.", n=MAX_WALKINS))

    def ticked(self, formdata, person_ids) -> list[str]:
        shown = {str(p) for p in person_ids}
        return [p for p in dict.fromkeys(formdata.getlist("present")) if p in shown]

    def walkin_lines(self) -> list[tuple[str, str]]:
        """(name, village) of every walk-in line with a name."""
        return [(" ".join(row.form.name.data.split()), (row.form.village.data or "").strip())
                for row in self.walkins if row.form.name.data and row.form.name.data.strip()]


class DiscussionForm(FlaskForm):
    """The discussion notes and reflections (心得) typed after a screening."""

    discussion = TextAreaField(_l("Discussion notes and reflections"),
                               validators=[Optional(), Length(max=MAX_DISCUSSION)])

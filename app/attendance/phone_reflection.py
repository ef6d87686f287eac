"""The member's reflection (心得) on the phone, right after signing in: the phone that signed a
person in at a screening may write that person's reflection while its QR grant lasts."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from sqlalchemy import select

from .. import clock
from ..errors import Conflict, Invalid
from ..extensions import db, limiter
from ..lookup import by_id
from ..models import Attendance, Person
from ..notices.reflections import write_reflection
from ..pages import unit_of_work
from .blueprint import bp
from .kiosk import _closed, _device, _message, _phone_limit, _phone_screening


@bp.route("/s/<screening_id>/reflection", methods=["POST"])
@limiter.shared_limit(_phone_limit, scope="phone")
def phone_reflection(screening_id: str):
    """Keep the reflection of a person this phone signed in at the screening."""
    screening, refusal = _phone_screening(screening_id, clock.now())
    if refusal is not None:
        return refusal
    person = by_id(Person, request.form.get("person_id"))
    signed = person is not None and db.session.scalar(select(Attendance.id).where(
        Attendance.screening_id == screening.id, Attendance.person_id == person.id,
        Attendance.method == "phone", Attendance.device == _device()).limit(1)) is not None
    if not signed:
        return _message(403, _("Not signed in on this phone"),
                        _("Only the person this phone signed in can write a reflection here."),
                        screening)
    try:
        with unit_of_work(one_at_a_time=True):
            write_reflection(screening, person, request.form.get("text"), method="phone")
    except Invalid as exc:
        return _message(422, _("The reflection was not saved"), exc.message, screening)
    except Conflict:
        return _closed(screening)
    return _message(200, _("Thank you"),
                    _("Your reflection is saved, %(name)s. You can close this page now.",
                      name=person.name), screening)

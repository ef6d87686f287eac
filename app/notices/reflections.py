"""Each person's reflection (心得) on a screening they attended: typed by the member on the phone
right after signing in, or by the operator on the screening's reflections page.

One row a person and screening (a second write changes it); never deleted, since it travels in
the sync bundles (a deletion would not reach the other side).
"""

from __future__ import annotations

import uuid

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..clock import month_bounds
from ..errors import Conflict, Invalid
from ..extensions import db
from ..models import Attendance, Person, Reflection, Screening
from ..models.notices import REFLECTION_MAX, REFLECTION_METHODS
from ..models.people import COUNTED


def attended(screening: Screening, person: Person) -> bool:
    return db.session.scalar(select(Attendance.id).where(
        Attendance.screening_id == screening.id, Attendance.person_id == person.id,
        Attendance.status.in_(COUNTED))) is not None


def clean_text(text: str | None) -> str:
    """The reflection as it is kept, or Invalid with a plain reason."""
    text = (text or "").replace("\x00", "").strip()
    if not text:
        raise Invalid(_("Write a few words of what you took from the screening."))
    if len(text) > REFLECTION_MAX:
        raise Invalid(_("A reflection is at most %(num)d characters; this one has %(len)d.",
                        num=REFLECTION_MAX, len=len(text)))
    return text


def write_reflection(screening: Screening, person: Person, text: str | None, *, method: str,
                     by: str | None = None) -> tuple[Reflection, bool]:
    """Keep a person's reflection on a screening they attended; returns (row, changed)."""
    if method not in REFLECTION_METHODS:
        raise Invalid(_("The method is one of %(m)s.", m=", ".join(REFLECTION_METHODS)))
    if screening.status == "cancelled":
        raise Conflict(_("This screening was cancelled."))
    text = clean_text(text)
    if not attended(screening, person):
        raise Invalid(_("%(name)s did not attend this screening: only those who attended leave "
                        "a reflection.", name=person.name))
    row = db.session.scalar(select(Reflection).where(
        Reflection.screening_id == screening.id, Reflection.person_id == person.id))
    if row is None:
        row = Reflection(screening_id=screening.id, person_id=person.id, text=text,
                         method=method, written_by=by)
        db.session.add(row)
        db.session.flush()
        return row, True
    if row.text == text:
        return row, False
    row.text, row.method, row.written_by = text, method, by
    return row, True


def write_many(screening: Screening, texts: dict[uuid.UUID, str], *, by: str | None) -> int:
    """The operator's page: the changed reflections of the people who attended; returns how many
    changed. Empty boxes are left as they are (a reflection is never deleted)."""
    people = {a.person_id: a.person for a in db.session.scalars(
        select(Attendance).where(Attendance.screening_id == screening.id,
                                 Attendance.status.in_(COUNTED))
        .options(joinedload(Attendance.person)))}
    kept = reflections_of(screening)
    changed = 0
    for person_id, text in texts.items():
        person = people.get(person_id)
        if person is None or not (text or "").strip():
            continue
        if person_id in kept and kept[person_id].text == text.strip():
            continue
        try:
            changed += write_reflection(screening, person, text, method="operator", by=by)[1]
        except Invalid as exc:
            raise Invalid(f"{person.name}: {exc.message}") from exc
    return changed


def reflections_of(screening: Screening) -> dict[uuid.UUID, Reflection]:
    """The screening's reflections by person id."""
    return {r.person_id: r for r in db.session.scalars(
        select(Reflection).where(Reflection.screening_id == screening.id))}


def reflections_of_person(person: Person, limit: int = 100) -> list[tuple[Reflection, Screening]]:
    """A person's reflections, the latest screening first."""
    return db.session.execute(
        select(Reflection, Screening).join(Screening, Reflection.screening_id == Screening.id)
        .where(Reflection.person_id == person.id)
        .options(joinedload(Screening.site))
        .order_by(Screening.starts_at.desc()).limit(limit)).all()


def reflections_in_month(site_id: uuid.UUID, month, tz: str) -> list[tuple[Reflection, Screening]]:
    """A site's reflections on the screenings of a month (the card's export), earliest first."""
    start, end = month_bounds(month, tz)
    return db.session.execute(
        select(Reflection, Screening).join(Screening, Reflection.screening_id == Screening.id)
        .where(Screening.site_id == site_id, Screening.starts_at >= start,
               Screening.starts_at < end)
        .options(joinedload(Reflection.person).joinedload(Person.village))
        .order_by(Screening.starts_at, Reflection.created_at)).all()



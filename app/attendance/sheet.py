"""The roll-call sheet of a screening: who is expected, their marks, the totals, and recording
the marks of a roll-call or of a filled paper sheet (the views pass who records them), and the
discussion notes of the screening record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..errors import Conflict
from ..extensions import db
from ..models import Attendance, Person, Screening
from ..models.people import ATTENDANCE_STATUSES
from ..people.services import clean_name
from .services import counts, expected_people, sign_in, walkin_village, window


@dataclass
class Row:
    """One line of the roll-call: a person, their sign-in if any, and whether they are expected."""

    person: Person
    attendance: Attendance | None
    expected: bool


def roster(screening: Screening) -> list[Row]:
    """The expected people (marked or not), then anyone else who signed in, in order of time."""
    signed = {a.person_id: a for a in db.session.scalars(
        select(Attendance).where(Attendance.screening_id == screening.id)
        .options(selectinload(Attendance.person)).order_by(Attendance.signed_at))}
    rows = [Row(p, signed.pop(p.id, None), True) for p in expected_people(screening)]
    return rows + [Row(a.person, a, False) for a in signed.values()]


def summary(screening: Screening, rows: list[Row]) -> dict:
    """How many are expected, not marked, signed in, and of each status."""
    found = counts(screening)
    return {"expected": sum(r.expected for r in rows),
            "unmarked": sum(r.attendance is None for r in rows),
            "signed": sum(found.values()),
            **{status: found.get(status, 0) for status in ATTENDANCE_STATUSES}}


def too_early(screening: Screening, status: str, now: datetime) -> None:
    """A roll-call may mark someone excused at any time, present once sign-in has opened (people
    come early), late and absent only once the screening has started."""
    if status == "excused" or now >= screening.starts_at:
        return
    if status == "present" and now >= window(screening)[0]:
        return
    raise Conflict(_("The screening has not started yet: before it starts only \"excused\" can "
                     "be marked, and \"present\" once sign-in opens %(before)d minutes before.",
                     before=current_app.config["SIGNIN_OPENS_MIN"]))


def mark_rollcall(screening: Screening, rows: list[Row], marks: dict[str, str], *,
                  by: str) -> int:
    """Record the roll-call's marks that differ from what is recorded; how many changed."""
    changed, now = 0, datetime.now(UTC)
    for row in rows:
        status = marks.get(str(row.person.id))
        if status and (row.attendance is None or row.attendance.status != status):
            too_early(screening, status, now)
            sign_in(screening, method="operator", person=row.person, status=status,
                    recorded_by=by)
            changed += 1
    return changed


def enter_paper_sheet(screening: Screening, rows: list[Row], ticked: list[str],
                      lines: list[tuple[str, str]], *, by: str, picked: list[Person] = ()) -> int:
    """Record a filled sheet: the ticked people (ids among `rows`) not yet signed in, the roster
    people `picked` for names on the blank lines, then the blank lines written in (name,
    village); every line is checked first, so nothing is saved if one is bad. How many signed
    now."""
    people = {str(r.person.id): r for r in rows}
    added = 0
    too_early(screening, "present", datetime.now(UTC))  # a sheet is filled in at the screening
    for name, village in lines:
        clean_name(name)
        walkin_village(screening, village)
    for person_id in ticked:
        row = people[person_id]
        if row.attendance is None or row.attendance.status == "absent":
            added += sign_in(screening, method="paper", person=row.person,
                             status="present", recorded_by=by).signed_now
    marked = {r.person.id: r.attendance for r in rows}
    for person in picked:
        mark = marked.get(person.id) or db.session.scalar(select(Attendance).where(
            Attendance.screening_id == screening.id, Attendance.person_id == person.id))
        if mark is None or mark.status == "absent":
            added += sign_in(screening, method="paper", person=person, status="present",
                             recorded_by=by).signed_now
    for name, village in lines:
        added += sign_in(screening, method="paper", walkin_name=name, village=village,
                         status="present", recorded_by=by).signed_now
    return added


def note_discussion(screening: Screening, text: str | None) -> None:
    """Keep the discussion notes and reflections typed after the screening (blank: none)."""
    screening.discussion = (text or "").strip() or None

"""Sign-ins at screenings: one row per person per screening, ever; the sign-in window; late and
absent marks; the expected roster; study hours."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..auth.access import unit_subtree_ids
from ..errors import Conflict, Invalid
from ..extensions import db
from ..models import Attendance, Person, PlayLog, Screening
from ..models.base import current_origin
from ..models.people import ATTENDANCE_METHODS, ATTENDANCE_STATUSES
from ..people.services import create_person, village_named

SELF_SERVICE = ("kiosk", "phone")  # refused outside the sign-in window; operator and paper are not


@dataclass
class SignIn:
    attendance: Attendance
    created: bool  # False: the person had already signed (200, never a second row)


def window(screening: Screening) -> tuple[datetime, datetime]:
    """When kiosk and phone sign-in are open for a screening."""
    config = current_app.config
    return (screening.starts_at - timedelta(minutes=int(config["SIGNIN_OPENS_MIN"])),
            screening.ends_at + timedelta(minutes=int(config["SIGNIN_CLOSES_MIN"])))


def is_open(screening: Screening, now: datetime | None = None) -> bool:
    opens, closes = window(screening)
    now = now or datetime.now(UTC)
    return screening.status != "cancelled" and opens <= now <= closes


def status_for(screening: Screening, signed_at: datetime) -> str:
    """Present, or late when signed after the start plus the configured margin."""
    margin = timedelta(minutes=int(current_app.config["LATE_MARGIN_MIN"]))
    return "late" if signed_at > screening.starts_at + margin else "present"


def villages_of(screening: Screening) -> set[uuid.UUID]:
    """The villages a screening serves: its site's village, or every village under its unit."""
    unit = screening.site.unit
    return unit_subtree_ids(unit.id)


def expected_people(screening: Screening) -> list[Person]:
    """The screening's audience among the active people of its villages."""
    query = select(Person).where(Person.active.is_(True), Person.walkin.is_(False),
                                 Person.village_id.in_(villages_of(screening)))
    if screening.audience == "party_members":
        query = query.where(Person.party_member.is_(True))
    elif screening.audience == "cadres":
        query = query.where(Person.role == "cadre")
    return db.session.scalars(query.order_by(Person.initials, Person.name)).all()


def sign_in(screening: Screening, *, method: str, person: Person | None = None,
            walkin_name: str | None = None, village: str | None = None,
            recorded_by: str | None = None, device: str | None = None,
            status: str | None = None, now: datetime | None = None) -> SignIn:
    """Record that someone attended; a second sign-in of the same person returns the first row."""
    if method not in ATTENDANCE_METHODS:
        raise Invalid(_("The method is one of %(m)s.", m=", ".join(ATTENDANCE_METHODS)))
    if status is not None and status not in ATTENDANCE_STATUSES:
        raise Invalid(_("The status is one of %(s)s.", s=", ".join(ATTENDANCE_STATUSES)))
    if screening.status == "cancelled":
        raise Conflict(_("This screening was cancelled."))
    now = now or datetime.now(UTC)
    if method in SELF_SERVICE and not is_open(screening, now):
        raise Conflict(_("Sign-in for this screening is closed (it opens %(before)d minutes before "
                         "the start and closes %(after)d minutes after the end).",
                         before=current_app.config["SIGNIN_OPENS_MIN"],
                         after=current_app.config["SIGNIN_CLOSES_MIN"]))
    if person is None:
        person = _walkin(walkin_name, village)
    existing = _existing(screening, person)
    if existing is not None:
        if method not in SELF_SERVICE and status and existing.status != status:
            existing.status, existing.recorded_by = status, recorded_by  # roll-call corrections
        return SignIn(existing, False)
    # The row's own times are when it was written (sync sends rows by them), not the sign-in's.
    written = datetime.now(UTC)
    values = dict(id=uuid.uuid4(), screening_id=screening.id, person_id=person.id,
                  method=method, status=status or status_for(screening, now), signed_at=now,
                  recorded_by=recorded_by, device=(device or "")[:120] or None,
                  origin_site=current_origin(), created_at=written, updated_at=written)
    # INSERT .. ON CONFLICT DO NOTHING: two devices at once, and the loser finds the winner's row
    # (no savepoint, which SQLite's driver would commit on its own as a transaction's first write).
    # RETURNING the whole row gives the ORM object itself, with no second query.
    inserted = db.session.scalar(
        _insert(db.session).values(**values)
        .on_conflict_do_nothing(index_elements=["screening_id", "person_id"])
        .returning(Attendance))
    if inserted is not None:
        return SignIn(inserted, True)
    return SignIn(_existing(screening, person), False)


def _insert(session):
    """The dialect's INSERT with ON CONFLICT (SQLite and PostgreSQL both have it)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(Attendance)


def _existing(screening: Screening, person: Person) -> Attendance | None:
    return db.session.scalar(select(Attendance).where(
        Attendance.screening_id == screening.id, Attendance.person_id == person.id))


def _walkin(name: str | None, village: str | None) -> Person:
    """A person not on the roster signs in by name and village; the operator reviews them later."""
    unit = village_named(village) if village else None
    found = db.session.scalar(select(Person).where(
        Person.name == " ".join(str(name or "").split()),
        Person.village_id == (unit.id if unit else None)))
    if found is not None:
        return found
    person = create_person(name, village=unit, walkin=True)
    db.session.flush()
    return person


def undo(attendance: Attendance, *, seconds: int = 30, now: datetime | None = None) -> None:
    """Take back a kiosk or phone sign-in within its undo time."""
    now = now or datetime.now(UTC)
    if now - attendance.signed_at > timedelta(seconds=seconds):
        raise Conflict(_("Too late to undo; ask the operator."))
    db.session.delete(attendance)


def close_if_due(screening: Screening, now: datetime | None = None) -> int:
    """When the window has closed, expected people not marked become absent; returns how many."""
    now = now or datetime.now(UTC)
    if screening.attendance_closed or screening.status == "cancelled" or now <= window(screening)[1]:
        return 0
    marked = set(db.session.scalars(select(Attendance.person_id).where(
        Attendance.screening_id == screening.id)))
    count = 0
    for person in expected_people(screening):
        if person.id not in marked:
            db.session.add(Attendance(screening_id=screening.id, person_id=person.id,
                                      method="operator", status="absent", signed_at=now,
                                      recorded_by="auto"))
            count += 1
    screening.attendance_closed = True
    return count


def close_due_screenings(now: datetime | None = None) -> int:
    """Close every screening whose sign-in window has passed (run by the minute tick)."""
    from ..sync.services import enrolled_site_ids

    now = now or datetime.now(UTC)
    late = timedelta(minutes=int(current_app.config["SIGNIN_CLOSES_MIN"]))
    rows = db.session.scalars(select(Screening).where(
        Screening.attendance_closed.is_(False), Screening.status != "cancelled",
        Screening.ends_at < now - late,
        Screening.site_id.not_in(enrolled_site_ids())))  # a synced site closes its own
    return sum(close_if_due(s, now) for s in rows)


def counts(screening: Screening) -> dict[str, int]:
    rows = db.session.execute(select(Attendance.status, func.count(Attendance.id)).where(
        Attendance.screening_id == screening.id).group_by(Attendance.status)).all()
    return {status: n for status, n in rows}


def attendance_dict(row: Attendance) -> dict:
    return {
        "id": str(row.id), "screening_id": str(row.screening_id),
        "person_id": str(row.person_id), "name": row.person.name,
        "method": row.method, "status": row.status, "signed_at": row.signed_at.isoformat(),
        "recorded_by": row.recorded_by, "device": row.device,
    }


COUNTED = ("present", "late")  # statuses whose screenings count as study time


def played_minutes_of(screenings: list[Screening]) -> dict[uuid.UUID, float]:
    """What really played at each screening, capped by its slot, in minutes."""
    ids = list({s.id for s in screenings})
    played = dict(db.session.execute(
        select(PlayLog.screening_id, func.coalesce(func.sum(PlayLog.played_s), 0.0))
        .where(PlayLog.screening_id.in_(ids)).group_by(PlayLog.screening_id)).all()) if ids else {}
    return {s.id: min(float(played.get(s.id) or 0.0), (s.ends_at - s.starts_at).total_seconds())
            / 60 for s in screenings}


def played_minutes(screening: Screening) -> float:
    return played_minutes_of([screening])[screening.id]


def study_minutes_of(people: list[Person], start: datetime,
                     end: datetime) -> dict[uuid.UUID, float]:
    """Minutes of screenings each person attended (present or late) starting in [start, end)."""
    totals = {p.id: 0.0 for p in people}
    if people:
        totals.update(study_minutes_where(start, end, Attendance.person_id.in_(list(totals))))
    return totals


def study_minutes_where(start: datetime, end: datetime, *where) -> dict[uuid.UUID, float]:
    """study_minutes_of() for the people that conditions on Person pick, with no list of them
    (those who attended nothing are left out): the (person, screening) pairs attended, then
    what played at those screenings, in two queries."""
    attended = db.session.execute(
        select(Attendance.person_id, Attendance.screening_id)
        .join(Screening, Attendance.screening_id == Screening.id)
        .join(Person, Attendance.person_id == Person.id)
        .where(Attendance.status.in_(COUNTED), Screening.starts_at >= start,
               Screening.starts_at < end, *where)).all()
    minutes: dict[uuid.UUID, float] = {}
    ids = list({screening_id for _person, screening_id in attended})
    for chunk in (ids[at:at + 500] for at in range(0, len(ids), 500)):
        minutes.update(played_minutes_of(db.session.execute(
            select(Screening.id, Screening.starts_at, Screening.ends_at)
            .where(Screening.id.in_(chunk))).all()))
    totals: dict[uuid.UUID, float] = {}
    for person_id, screening_id in attended:
        totals[person_id] = totals.get(person_id, 0.0) + minutes[screening_id]
    return totals


def study_minutes(person: Person, start: datetime, end: datetime) -> float:
    return study_minutes_of([person], start, end)[person.id]

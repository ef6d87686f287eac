"""Sign-ins at screenings: one row per person per screening, ever; the sign-in window; late and
absent marks; the expected roster; study hours."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, text

from .. import hotcache
from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..jobs import each_alone
from ..lookup import by_id
from ..models import Attendance, Person, PlayLog, Screening, Site, Unit
from ..models.base import current_origin
from ..models.people import ATTENDANCE_METHODS, ATTENDANCE_STATUSES, COUNTED
from ..people.services import clean_name, create_person, require_text
from ..places.tree import subtree_ids
from ..sync.services import enrolled_site_ids
from .written import Written, signed

_VILLAGES = hotcache.cache("sign-in villages", 1024)  # (unit id, township) → village ids
SELF_SERVICE = ("kiosk", "phone")  # refused outside the sign-in window; operator and paper are not
NOT_THERE = ("absent", "excused")  # marks that a person who comes and signs in replaces
VILLAGE_KINDS = ("village", "community")
CORRECTED = " → "  # recorded_by of a corrected sign-in: who signed it, then who corrected it
RECORDED_BY_MAX = 80


@dataclass
class SignIn:
    attendance: Attendance
    created: bool  # False: the row was there already (never a second row)
    replaced: str | None = None  # the absent or excused mark this sign-in turned into a sign-in

    @property
    def signed_now(self) -> bool:
        """True when this call signed the person in (201); False: they had already signed (200)."""
        return self.created or self.replaced is not None


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
    return subtree_ids(unit.id)


def sign_in_villages(site: Site, *, township: bool = False) -> frozenset[uuid.UUID]:
    """The villages whose people a site's kiosk and phone page offer: those the site serves, or,
    on an explicit search for someone from another village, every village of its township.
    Never the whole network: a kiosk or a phone has no business with other townships' people.

    `site` needs only its `unit_id`. Kept in a cache (app/hotcache.py): every sign-in asks."""
    return _VILLAGES.read((site.unit_id, township), lambda: _villages(site.unit_id, township))


def _villages(unit_id: uuid.UUID, township: bool) -> frozenset[uuid.UUID]:
    unit = db.session.get(Unit, unit_id)
    if township:
        unit = unit.ancestor("township") or unit  # a site above any township keeps its own area
    return frozenset(subtree_ids(unit.id))


def signable_person(value, site: Site) -> Person:
    """The active roster person a site's kiosk or phone may sign in: one of its township's
    villages (the widest a self-service search reaches); anyone else is unknown (404)."""
    person = by_id(Person, value)
    if (person is None or not person.active
            or person.village_id not in sign_in_villages(site, township=True)):
        raise NotFound(_("No such person."))
    return person


def expected_people(screening: Screening) -> list[Person]:
    """The screening's audience among the active people of its villages."""
    query = select(Person).where(Person.active.is_(True), Person.walkin.is_(False),
                                 Person.village_id.in_(villages_of(screening)))
    if screening.audience == "party_members":
        query = query.where(Person.party_member.is_(True))
    elif screening.audience == "cadres":
        query = query.where(Person.role == "cadre")
    elif screening.audience == "villagers":  # the masses (群众): neither party members nor cadres
        query = query.where(Person.party_member.is_(False), Person.role != "cadre")
    return db.session.scalars(query.order_by(Person.initials, Person.name)).all()


def sign_in(screening: Screening, *, method: str, person: Person | None = None,
            walkin_name: str | None = None, village: str | None = None,
            recorded_by: str | None = None, device: str | None = None,
            status: str | None = None, now: datetime | None = None) -> SignIn:
    """Record that someone attended: one row per person and screening, ever. A second sign-in of
    the same person returns that row, changed only as `_sign_again` says."""
    if method not in ATTENDANCE_METHODS:
        raise Invalid(_("The method is one of %(m)s.", m=", ".join(ATTENDANCE_METHODS)))
    if status is not None and status not in ATTENDANCE_STATUSES:
        raise Invalid(_("The status is one of %(s)s.", s=", ".join(ATTENDANCE_STATUSES)))
    if screening.status == "cancelled":
        raise Conflict(_("This screening was cancelled."))
    now = now or datetime.now(UTC)
    if method in SELF_SERVICE:
        _check_self_service(screening, status, now)
    if person is None:
        person = _walkin(screening, walkin_name, village)
    existing = _existing(screening, person)
    if existing is not None:
        return _sign_again(screening, existing, method=method, recorded_by=recorded_by,
                           device=device, status=status, now=now)
    # The row's own times are when it was written (sync sends rows by them), not the sign-in's.
    written = datetime.now(UTC)
    values = dict(id=uuid.uuid4(), screening_id=screening.id, person_id=person.id,
                  method=method, status=status or status_for(screening, now), signed_at=now,
                  recorded_by=recorded_by, device=_device(device),
                  origin_site=current_origin(), created_at=written, updated_at=written)
    # INSERT .. ON CONFLICT DO NOTHING: two devices at once, and the loser finds the winner's row
    # (no savepoint, which SQLite's driver would commit on its own as a transaction's first write).
    # RETURNING the whole row gives the ORM object itself, with no second query.
    inserted = db.session.scalar(
        _insert(db.session).values(**values)
        .on_conflict_do_nothing(index_elements=["screening_id", "person_id"])
        .returning(Attendance))
    if inserted is not None:
        signed(Written(screening.id, person.id, inserted.status, inserted.signed_at))
        return SignIn(inserted, True)
    return SignIn(_existing(screening, person), False)


def _check_self_service(screening: Screening, status: str | None, now: datetime) -> None:
    """A kiosk or phone signs in only while the window is open, and the time sets the status."""
    if status is not None:
        raise Invalid(_("The status of a kiosk or phone sign-in follows from its time; "
                        "leave it out."))
    if not is_open(screening, now):
        raise Conflict(_("Sign-in for this screening is closed (it opens %(before)d minutes before "
                         "the start and closes %(after)d minutes after the end).",
                         before=current_app.config["SIGNIN_OPENS_MIN"],
                         after=current_app.config["SIGNIN_CLOSES_MIN"]))


def _sign_again(screening: Screening, row: Attendance, *, method: str, recorded_by: str | None,
                device: str | None, status: str | None, now: datetime) -> SignIn:
    """A second sign-in of a person: at the kiosk or phone it replaces an absent or excused mark
    (they came after all); on a paper sheet an absent mark only (a sheet leaves a late or excused
    mark alone); from staff with a status it corrects the mark; else nothing changes."""
    if (method in SELF_SERVICE and row.status in NOT_THERE) or (
            method == "paper" and row.status == "absent"):
        replaced = row.status
        row.method, row.signed_at = method, now
        row.status = status_for(screening, now) if method in SELF_SERVICE else status or "present"
        row.recorded_by, row.device = recorded_by, _device(device)
        row.updated_at = datetime.now(UTC)
        signed(Written(screening.id, row.person_id, row.status, now, replaced))
        return SignIn(row, False, replaced)
    if method == "paper":
        return SignIn(row, False)
    if method not in SELF_SERVICE and status and row.status != status:
        before = row.status
        row.status, row.recorded_by = status, corrected_by(row, recorded_by)
        signed(Written(screening.id, row.person_id, status, row.signed_at, before))
    return SignIn(row, False)


def corrected_by(row: Attendance, by: str | None) -> str | None:
    """recorded_by after `by` corrects a mark: theirs alone for an operator's mark; for a kiosk,
    phone or paper sign-in, who signed it in (kept) and then who corrected it."""
    if row.method == "operator" or not by:
        return by
    signer = (row.recorded_by or "").split(CORRECTED)[0]
    if signer == by:
        return by
    room = max(RECORDED_BY_MAX - len(CORRECTED) - len(by), 0)
    return (signer[:room] + CORRECTED + by)[-RECORDED_BY_MAX:]


def _device(device: str | None) -> str | None:
    return (device or "")[:120] or None


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


def screening_villages(screening: Screening) -> list[Unit]:
    """The villages (and communities) a screening serves, by name."""
    return db.session.scalars(select(Unit).where(
        Unit.id.in_(villages_of(screening)), Unit.kind.in_(VILLAGE_KINDS))
        .order_by(Unit.name)).all()


def walkin_village(screening: Screening, name: str | None) -> Unit:
    """A walk-in's village: the one of the screening's villages so named, or its only village."""
    require_text("village", name)
    name = (name or "").strip()
    villages = screening_villages(screening)
    if not name:
        if len(villages) == 1:
            return villages[0]
        raise Invalid(_("Choose the village."))
    named = [v for v in villages if v.name == name]
    if not named:
        raise Invalid(_("%(name)s is not one of this screening's villages.", name=name))
    if len(named) > 1:
        raise Invalid(_("Several of this screening's villages are named %(name)s.", name=name))
    return named[0]


def _walkin(screening: Screening, name: str | None, village: str | None) -> Person:
    """A person not on the roster signs in by name and village; the operator reviews them later.

    An active person of that name and village is taken to be them. A deactivated one is not:
    a staff member deactivated them, so a new walk-in is made for the operator to review.
    """
    unit = walkin_village(screening, village)
    name = clean_name(name)
    _lock_name(unit, name)
    found = db.session.scalar(select(Person).where(
        Person.name == name, Person.village_id == unit.id, Person.active.is_(True))
        .order_by(Person.walkin, Person.created_at).limit(1))
    if found is not None:
        return found
    person = create_person(name, village=unit, walkin=True)
    db.session.flush()
    return person


def _lock_name(unit: Unit, name: str) -> None:
    """On PostgreSQL, make two requests walking in the same name at one village take turns until
    the first commits, so the second finds the person the first made (there is no unique key on
    name and village: two real people may share one). SQLite's writers already take turns
    (`one_writer`)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                           {"key": f"walk-in:{unit.id}:{name}"})


def undoable(attendance: Attendance) -> bool:
    """A kiosk or phone sign-in unchanged since it was written. One that replaced an earlier mark
    (or that an operator has since corrected) is not the kiosk's to take back."""
    return attendance.method in SELF_SERVICE and attendance.updated_at == attendance.created_at


def undo(attendance: Attendance, *, seconds: int = 30, now: datetime | None = None) -> None:
    """Take back a kiosk or phone sign-in within its undo time."""
    now = now or datetime.now(UTC)
    if not undoable(attendance):
        raise Conflict(_("This sign-in changed an earlier mark; ask the operator."))
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


def closed_by_its_site(screening: Screening) -> bool:
    """On the hub: the screening's site is enrolled and closes its own sign-in (and sends it)."""
    return screening.site_id in enrolled_site_ids()


def close_due_screenings(now: datetime | None = None) -> int:
    """Close every screening whose sign-in window has passed (run by the minute tick).

    Each is closed and committed on its own: one that fails is rolled back alone and logged, and
    the others are closed.
    """
    now = now or datetime.now(UTC)
    late = timedelta(minutes=int(current_app.config["SIGNIN_CLOSES_MIN"]))
    ids = db.session.scalars(select(Screening.id).where(
        Screening.attendance_closed.is_(False), Screening.status != "cancelled",
        Screening.ends_at < now - late,
        Screening.site_id.not_in(enrolled_site_ids()))).all()  # a synced site closes its own
    return each_alone(ids, lambda screening_id: close_if_due(
        db.session.get(Screening, screening_id), now), "screening %s not closed")


def counts(screening: Screening) -> dict[str, int]:
    rows = db.session.execute(select(Attendance.status, func.count(Attendance.id)).where(
        Attendance.screening_id == screening.id).group_by(Attendance.status)).all()
    return {status: n for status, n in rows}




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
    slots: dict[uuid.UUID, tuple[datetime, datetime]] = {}
    ids = list({screening_id for _person, screening_id in attended})
    for chunk in (ids[at:at + 500] for at in range(0, len(ids), 500)):
        rows = db.session.execute(select(Screening.id, Screening.starts_at, Screening.ends_at)
                                  .where(Screening.id.in_(chunk))).all()
        minutes.update(played_minutes_of(rows))
        slots.update((row.id, (row.starts_at, row.ends_at)) for row in rows)
    studied: dict[uuid.UUID, list] = {}
    for person_id, screening_id in attended:
        studied.setdefault(person_id, []).append((*slots[screening_id], minutes[screening_id]))
    return {person_id: study_total(rows) for person_id, rows in studied.items()}


def study_total(studied: list[tuple[datetime, datetime, float]]) -> float:
    """One person's study minutes from the (start, end, minutes played) of the screenings they
    attended: the sum of the minutes, except that screenings whose slots overlap count together
    at most the time from the first start to the last end (nobody studies two films at once)."""
    total, first, last, minutes = 0.0, None, None, 0.0
    for start, end, played in sorted(studied):
        if last is not None and start < last:  # overlaps the run so far
            last, minutes = max(last, end), minutes + played
            continue
        if last is not None:
            total += min(minutes, (last - first).total_seconds() / 60)
        first, last, minutes = start, end, played
    if last is not None:
        total += min(minutes, (last - first).total_seconds() / 60)
    return total


def study_minutes(person: Person, start: datetime, end: datetime) -> float:
    return study_minutes_of([person], start, end)[person.id]

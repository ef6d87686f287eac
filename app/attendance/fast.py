"""The lean sign-in: the API's common case in one write and no ORM objects.

Most sign-ins are the same request: a roster person, signed in at a screening open now, for the
first time (`POST /api/v1/screenings/ID/attendance` with `person_id`). `quick_sign_in` answers
it from cached rows (app/hotcache.py: the screening and its site, the person, the villages of
the site's township) and one `INSERT ... ON CONFLICT DO NOTHING`, which keeps exactly one row
per person and screening when two devices sign the same person at once.

A person signed in before is answered from their row (200) when signing again changes nothing.
Anything else (a walk-in, a status sent, a refusal of any kind, an absent or excused mark to
turn into a sign-in) gets None: the view then runs the full path (`services.sign_in`), which
says what is wrong, or what the second sign-in changes, exactly as before. The rules are the
full path's: the same checks, in functions shared with it (`is_open`, `status_for`,
`sign_in_villages`, `can_see_site`, `can_see_person`).
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam, select

from .. import hotcache
from ..auth.scope import can_change_site, can_see_person, can_see_site
from ..extensions import db
from ..models import Attendance, Person, Screening, Site
from ..models.base import current_origin
from ..models.screenings import HELD_SCREENINGS
from .group_commit import write_and_commit
from .services import NOT_THERE, SELF_SERVICE, is_open, sign_in_villages, status_for
from .written import Written, signed

_SCREENINGS = hotcache.cache("screenings")  # screening id → SeenScreening
_PEOPLE = hotcache.cache("people", 16384)  # person id → SeenPerson
QUICK_METHODS = ("kiosk", "phone", "operator")
_ATTENDANCE = Attendance.__table__
_STATEMENTS: dict[str, object] = {}  # dialect name → the INSERT, built once


class _Pairs:
    """The (database, screening, person) signed in through this process lately: a hint only.

    A kiosk's second tap of the same person is then answered by reading their row, without
    waiting for SQLite's writer and a commit to learn that the INSERT had nothing to do. A pair
    whose row was deleted since (a mark removed elsewhere) reads nothing and takes the
    ordinary path, so a stale hint costs one read and changes no answer."""

    def __init__(self, size: int = 8192):  # days of sign-ins at a site, in ~3 MB
        self.size = size
        self._pairs: OrderedDict[tuple, None] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, pair: tuple) -> bool:
        return pair in self._pairs

    def add(self, pair: tuple) -> None:
        with self._lock:
            self._pairs[pair] = None
            if len(self._pairs) > self.size:
                self._pairs.popitem(last=False)


_signed = _Pairs()


@dataclass(frozen=True)
class SeenSite:
    id: uuid.UUID
    unit_id: uuid.UUID


@dataclass(frozen=True)
class SeenScreening:
    """What a sign-in reads of a screening (is_open and status_for take it as a Screening)."""

    id: uuid.UUID
    status: str
    starts_at: datetime
    ends_at: datetime
    site: SeenSite


@dataclass(frozen=True)
class SeenPerson:
    id: uuid.UUID
    name: str
    active: bool
    village_id: uuid.UUID | None
    member: bool = False  # a party member, not a walk-in: the kept figures ask (written.py)


def seen_screening(screening_id: uuid.UUID) -> SeenScreening | None:
    return _SCREENINGS.read(screening_id, lambda: _screening(screening_id))


# Core statements on the tables (not the ORM classes): a plain select skips the ORM's
# per-statement set-up, a fifth of a sign-in's CPU in the kiosk burst's profile.
_S, _SITE, _P = Screening.__table__.c, Site.__table__.c, Person.__table__.c
_SCREENING = (select(_S.status, _S.starts_at, _S.ends_at, _SITE.id, _SITE.unit_id)
              .join_from(Screening.__table__, Site.__table__, _SITE.id == _S.site_id)
              .where(_S.id == bindparam("id")))
_EXISTING = select(*(_ATTENDANCE.c[name] for name in (
    "id", "screening_id", "person_id", "method", "status", "signed_at", "recorded_by",
    "device"))).where(_ATTENDANCE.c.screening_id == bindparam("screening"),
                      _ATTENDANCE.c.person_id == bindparam("person"))
_PERSON = select(_P.name, _P.active, _P.village_id,
                 _P.party_member & ~_P.walkin).where(_P.id == bindparam("id"))


def _screening(screening_id: uuid.UUID) -> SeenScreening | None:
    row = db.session.execute(_SCREENING, {"id": screening_id}).first()
    if row is None:
        return None
    return SeenScreening(screening_id, row[0], row[1], row[2], SeenSite(row[3], row[4]))


def seen_person(person_id: uuid.UUID) -> SeenPerson | None:
    return _PEOPLE.read(person_id, lambda: _person(person_id))


def _person(person_id: uuid.UUID) -> SeenPerson | None:
    row = db.session.execute(_PERSON, {"id": person_id}).first()
    return SeenPerson(person_id, *row) if row is not None else None


def _parse(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def quick_sign_in(screening_id: str, user, body: dict,
                  device: str | None) -> tuple[dict, int] | None:
    """Sign a roster person in and commit; return the answer and its status (201 new, 200 signed
    before and unchanged), or None, having written nothing, for the full path to handle the
    request (it refuses, or turns an absent or excused mark into the sign-in).

    The checks read cached rows before the write; only the INSERT and what must change with it
    wait for the writer, written and committed with the sign-ins queued meanwhile
    (group_commit.py)."""
    if body.get("status") is not None or body.get("walkin_name") or "person_id" not in body:
        return None
    method = body.get("method") or ("kiosk" if user.role == "kiosk" else "operator")
    if method not in QUICK_METHODS or (user.role == "kiosk" and method != "kiosk"):
        return None
    screening_key, person_key = _parse(screening_id), _parse(body["person_id"])
    if screening_key is None or person_key is None:
        return None
    screening = seen_screening(screening_key)
    if screening is None or screening.status == "cancelled":
        return None
    site = screening.site
    if not can_see_site(user, site) or (user.role != "kiosk" and not can_change_site(user, site)):
        return None
    person = seen_person(person_key)
    if person is None or not person.active:
        return None
    if user.role in ("kiosk", "operator"):  # the site's township, as the kiosk's search
        if person.village_id not in sign_in_villages(site, township=True):
            return None
    elif not can_see_person(user, person):  # a township officer: their own area
        return None
    now = datetime.now(UTC)
    if method in SELF_SERVICE and not is_open(screening, now):
        return None
    values = {"id": uuid.uuid4(), "screening_id": screening.id, "person_id": person.id,
              "method": method, "status": status_for(screening, now), "signed_at": now,
              "recorded_by": user.username, "device": (device or "")[:120] or None,
              "origin_site": current_origin()}
    change = Written(screening.id, person.id, values["status"], now,
                     held=screening.status in HELD_SCREENINGS, member=person.member)

    def write() -> bool:
        # the row's own times: when it was written, in the order of the commits (sync sends
        # rows changed since its last export by them)
        values["created_at"] = values["updated_at"] = datetime.now(UTC)
        if db.session.execute(_statement(), values).first() is None:
            return False
        signed(change)
        return True

    pair = (db.engine, screening.id, person.id)
    if pair in _signed:  # signed in through this process before: read, do not wait to write
        answer = _already(screening, person, method)
        if answer is not None:
            return answer
    new = write_and_commit(write)
    if not new:
        answer = _already(screening, person, method)  # signed before, or just now elsewhere
    else:
        answer = {**values, "person": {"name": person.name}}, 201
    if answer is not None:
        _signed.add(pair)
    return answer


def _already(screening: SeenScreening, person: SeenPerson, method: str) -> tuple | None:
    """The row of a person signed in before, when signing again changes nothing (200): a
    sign-in or a late mark at the kiosk or phone; anything from staff without a status. An
    absent or excused mark is turned into the sign-in by the full path (None)."""
    row = db.session.execute(_EXISTING, {"screening": screening.id, "person": person.id}).first()
    if row is None or (method in SELF_SERVICE and row.status in NOT_THERE):
        return None
    return {**row._asdict(), "person": {"name": person.name}}, 200


def _statement():
    """INSERT ... ON CONFLICT (screening, person) DO NOTHING RETURNING id, for this database."""
    dialect = db.session.get_bind().dialect.name
    statement = _STATEMENTS.get(dialect)
    if statement is None:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        statement = _STATEMENTS[dialect] = (
            insert(_ATTENDANCE).on_conflict_do_nothing(index_elements=["screening_id", "person_id"])
            .returning(_ATTENDANCE.c.id))
    return statement

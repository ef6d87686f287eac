"""What a transaction changed, as far as the kept monthly figures go (see reports/kept.py).

ORM writes are seen by `on_flush` (a `before_flush` listener); the Core writes that touch the
figures say so here: `signed_in` (a sign-in's INSERT .. ON CONFLICT) and `rows_merged` (the
rows of a sync import). Only models are imported, so that any service may call it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import Select, bindparam, exists, inspect, or_, select
from sqlalchemy.orm import Session, aliased

from ..extensions import among, db
from ..lookup import chunks
from ..models import Attendance, AuditFlag, Person, PlayLog, Screening, Site, Unit
from ..models.people import COUNTED
from ..models.screenings import HELD_SCREENINGS

KEY = "kept_figures"
SCREENING_FIELDS = ("site_id", "starts_at", "ends_at", "status", "audience",
                    "teaching_session_id", "status_reason")
ATTENDANCE_FIELDS = ("screening_id", "person_id", "status")
PERSON_FIELDS = ("party_member", "active", "walkin", "village_id")
TABLES = ("screenings", "play_logs", "attendance", "people", "sites")  # what a sync import tells


@dataclass
class Touched:
    """What a transaction changed, as far as the figures go; resolved into cells at commit."""

    cells: set = field(default_factory=set)  # (site id, month)
    screenings: set = field(default_factory=set)  # screening ids, as they stand at commit
    signs: set = field(default_factory=set)  # (screening id, person id), as they stand at commit
    people: set = field(default_factory=set)  # (person id, month): the cells serving them
    sites: set = field(default_factory=set)  # site ids: every month
    villages: set = field(default_factory=set)  # unit ids: every month of the sites serving them
    persons: set = field(default_factory=set)  # person ids: every month they signed in

    def __bool__(self) -> bool:
        return any((self.cells, self.screenings, self.signs, self.people, self.sites,
                    self.villages, self.persons))


def ours(session: Session) -> bool:
    """The app's own session of this app context (the listeners hear every Session)."""
    return has_app_context() and db.session.registry.has() and db.session.registry() is session


def touched(session: Session) -> Touched:
    return session.info.setdefault(KEY, Touched())


def month_of(moment: datetime, zone: ZoneInfo) -> date:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        moment = moment.astimezone(zone)
    except OverflowError:  # stored at the calendar's edge (raw SQL): its UTC month, in no report
        pass
    return moment.date().replace(day=1)


def app_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


# --- what the Core writes say ------------------------------------------------------------------

def signed_in(change) -> None:
    """A sign-in written (app/attendance/written.py `Written`): its cells are kept at commit.

    Most sign-ins change no figure yet, and are passed over without a query where what the
    writer knows says so: an absence or an excuse (new, or replacing one) counts nowhere; at a
    screening not yet held (a kiosk's burst while it plays) only a party member's study minutes
    can change, and only when it has played something already or overlaps another screening
    they attended.
    """
    if change.status not in COUNTED and change.replaced not in COUNTED:
        return
    held, member = change.held, change.member
    if held is None or member is None:  # the full path's rows are in the session already
        screening = db.session.get(Screening, change.screening_id)
        person = db.session.get(Person, change.person_id)
        held = screening is not None and screening.status in HELD_SCREENINGS
        member = person is not None and bool(person.party_member and person.active
                                             and not person.walkin)
    if not held and (not member or not _may_change_study(change.screening_id,
                                                         change.person_id)):
        return
    touched(db.session()).signs.add((change.screening_id, change.person_id))


@cache
def _study_may_change() -> Select:
    """Has the screening played something, or did the person attend another screening overlapping
    it? (Their study minutes there may change.) One statement, built once: a kiosk's burst asks
    it for every party member signing in, and building it per call cost a third of a sign-in.
    Built at the first sign-in, not at import: aliasing a model configures every mapper, ~0.1 s
    that `dianjiao --help` and the commands that never sign anyone in would pay."""
    this, other = aliased(Screening), aliased(Screening)
    played = select(PlayLog.id).where(PlayLog.screening_id == bindparam("screening"),
                                      PlayLog.played_s > 0)
    overlapping = (select(Attendance.id).join(other, other.id == Attendance.screening_id)
                   .join(this, this.id == bindparam("screening"))
                   .where(Attendance.person_id == bindparam("person"),
                          Attendance.status.in_(COUNTED), other.id != this.id,
                          other.starts_at < this.ends_at, other.ends_at > this.starts_at))
    return select(or_(exists(played), exists(overlapping)))


def _may_change_study(screening_id, person_id) -> bool:
    return bool(db.session.scalar(_study_may_change(),
                                  {"screening": screening_id, "person": person_id}))


def screenings_changing(ids: list) -> None:
    """Screenings about to be inserted, updated or moved with Core (teaching plans): their cells
    where they are now, their people's study there, and their cells where they will be."""
    t = touched(db.session())
    zone = app_zone()
    t.screenings.update(ids)
    for chunk in chunks(ids):
        months = {}
        for screening_id, site_id, starts_at in db.session.execute(
                select(Screening.id, Screening.site_id, Screening.starts_at)
                .where(among(Screening.id, chunk))):
            months[screening_id] = month_of(starts_at, zone)
            t.cells.add((site_id, months[screening_id]))
        if months:
            t.people.update((person_id, months[screening_id]) for screening_id, person_id in
                            db.session.execute(select(Attendance.screening_id,
                                                      Attendance.person_id).where(
                                among(Attendance.screening_id, list(months)),
                                Attendance.status.in_(COUNTED))))


def rows_merged(table: str, inserted: list[dict], updated: list[tuple[Mapping, dict]]) -> None:
    """Rows a sync import wrote with Core: new ones, and changed ones as (before, changes)."""
    t = touched(db.session())
    zone = app_zone()
    after = [{**before, **changes} for before, changes in updated]
    if table == "screenings":
        t.screenings.update(row["id"] for row in inserted + after)
        for before, _changes in updated:
            month = month_of(before["starts_at"], zone)
            t.cells.add((before["site_id"], month))
            old_attendees(t, before["id"], month)
    elif table == "play_logs":
        t.screenings.update(row["screening_id"] for row in inserted + after
                            if row.get("screening_id"))
        t.screenings.update(before["screening_id"] for before, _c in updated
                            if before["screening_id"])
    elif table == "attendance":
        t.signs.update((row["screening_id"], row["person_id"]) for row in inserted + after)
        t.signs.update((before["screening_id"], before["person_id"]) for before, _c in updated)
    elif table == "people":
        for before, changes in updated:
            if set(changes) & set(PERSON_FIELDS):
                t.persons.add(before["id"])
                if before["village_id"] is not None:
                    t.villages.add(before["village_id"])
    elif table == "sites":
        t.sites.update(before["id"] for before, changes in updated if "unit_id" in changes)


# --- what the ORM flushes ----------------------------------------------------------------------

def _before(obj, name: str):
    """An attribute's value before this flush's change (its value if unchanged)."""
    history = inspect(obj).attrs[name].history
    if history.deleted:
        return history.deleted[0]
    return history.unchanged[0] if history.unchanged else getattr(obj, name)


def _changed(obj, names: tuple[str, ...]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def old_attendees(t: Touched, screening_id, month: date) -> None:
    """The people counted at a screening as it was, for a change that takes it away."""
    t.people.update((person_id, month) for person_id in db.session.scalars(
        select(Attendance.person_id).where(Attendance.screening_id == screening_id,
                                           Attendance.status.in_(COUNTED))))


def _sign_of(t: Touched, screening_id, person_id, zone, gone: bool) -> None:
    if gone:  # its screening may be gone by the commit: resolve the cell now
        screening = db.session.get(Screening, screening_id)
        if screening is not None:
            month = month_of(screening.starts_at, zone)
            t.cells.add((screening.site_id, month))
            t.people.add((person_id, month))
    t.signs.add((screening_id, person_id))


def on_flush(session: Session, _context, _instances) -> None:
    """Before a flush: the rows changed or deleted, as they were (their old cells)."""
    if not ours(session):
        return
    zone = app_zone()
    t = touched(session)
    with session.no_autoflush:
        for obj in list(session.dirty) + list(session.deleted):
            gone = obj in session.deleted
            if isinstance(obj, Screening):
                if not (gone or _changed(obj, SCREENING_FIELDS)):
                    continue
                t.screenings.add(obj.id)
                # where it was: its cell, and its people's study there
                site_id, starts_at = _before(obj, "site_id"), _before(obj, "starts_at")
                t.cells.add((site_id, month_of(starts_at, zone)))
                old_attendees(t, obj.id, month_of(starts_at, zone))
            elif isinstance(obj, Attendance):
                if gone or _changed(obj, ATTENDANCE_FIELDS):
                    _sign_of(t, _before(obj, "screening_id"), _before(obj, "person_id"), zone,
                             gone=True)
            elif isinstance(obj, PlayLog):
                if gone or _changed(obj, ("screening_id", "played_s")):
                    screening_id = _before(obj, "screening_id")
                    if screening_id is not None:
                        t.screenings.add(screening_id)
                        _sign_of_screening(t, screening_id, zone)
            elif isinstance(obj, AuditFlag) and (gone or _changed(obj, ("state",))):
                t.screenings.add(obj.screening_id)  # a confirmed flag: not a verified session
            elif isinstance(obj, Site) and _changed(obj, ("unit_id",)):
                t.sites.add(obj.id)
            elif isinstance(obj, Unit) and _changed(obj, ("parent_id",)):
                # a village moved to another township: the sites above it, there and here
                t.villages.update({_before(obj, "parent_id"), obj.parent_id} - {None})
            elif isinstance(obj, Person) and _changed(obj, PERSON_FIELDS):
                t.persons.add(obj.id)
                if _before(obj, "village_id") is not None:
                    t.villages.add(_before(obj, "village_id"))


def after_flush(session: Session, _context) -> None:
    """After a flush (ids given, the lists as they were): the rows new or changed, as they are."""
    if not ours(session):
        return
    t = touched(session)
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Screening) and (obj in session.new
                                           or _changed(obj, SCREENING_FIELDS)):
            t.screenings.add(obj.id)
        elif isinstance(obj, Attendance) and (obj in session.new
                                              or _changed(obj, ATTENDANCE_FIELDS)):
            t.signs.add((obj.screening_id, obj.person_id))
        elif isinstance(obj, AuditFlag) and obj in session.new:
            t.screenings.add(obj.screening_id)
        elif isinstance(obj, PlayLog) and obj.screening_id is not None and (
                obj in session.new or _changed(obj, ("screening_id", "played_s"))):
            t.screenings.add(obj.screening_id)


def _sign_of_screening(t: Touched, screening_id, zone) -> None:
    screening = db.session.get(Screening, screening_id)
    if screening is not None:
        t.cells.add((screening.site_id, month_of(screening.starts_at, zone)))

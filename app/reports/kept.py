"""The kept monthly figures (table site_months): recomputed for the touched cells, in the same
transaction as the change, so the reports read them instead of every sign-in.

A cell is one site's local calendar month. What can change a cell:

- a screening written (its status, times, site, audience, teaching session) or its play logs:
  the cell of its site and month, and, through their study minutes, the cells of every site
  serving the villages of the party members who signed in there;
- a sign-in written or deleted: the cell of its screening, and the cells serving the person
  when they are a party member;
- a site moved to another unit, or a person's roster facts (party member, active, walk-in,
  village) changed: every month of the sites concerned.

ORM writes are seen by a `before_flush` listener; the few Core writes call `signed_in` (the
sign-in's INSERT .. ON CONFLICT) or `rows_merged` (the sync import). Before the commit, the
touched cells are computed again from their rows with reports.card.Figures (the very code that
computes a card from scratch) and written. `dianjiao reports rebuild` computes them all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time

from flask import Flask, current_app
from sqlalchemy import and_, delete, event, func, select
from sqlalchemy.orm import Session

from .. import clock
from ..dates import EARLIEST, LATEST, in_range
from ..extensions import among, db
from ..lookup import chunks
from ..models import Attendance, Person, Screening, Site, Unit
from ..models.figures import FIGURES, SiteMonth
from ..models.people import PARTY_MEMBER
from ..models.screenings import HELD_SCREENINGS
from .card import Figures
from .rules import Rules
from .touches import (
    KEY,
    Touched,
    after_flush,
    app_zone,
    month_of,
    old_attendees,
    on_flush,
    ours,
)

REBUILD_MONTHS = 4  # months a rebuild reads at once: fewer queries, the sign-ins of 4 in memory
NO_RULES = Rules()  # the figures alone: no quota is judged when a cell is computed


def _on_commit(session: Session) -> None:
    if not ours(session):
        return
    if session.new or session.dirty or session.deleted:
        session.flush()  # the commit's own flush would come after this listener
    t = session.info.pop(KEY, None)
    if t:
        keep(t)


def _on_rollback(session: Session) -> None:
    session.info.pop(KEY, None)


def init_app(app: Flask) -> None:
    """Listen to the app's sessions (once: the session class is shared by every app)."""
    for name, fn in (("before_flush", on_flush), ("after_flush", after_flush),
                     ("before_commit", _on_commit),
                     ("after_rollback", _on_rollback)):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)


# --- from touches to cells, and cells computed ---------------------------------------------------

def keep(t: Touched) -> int:
    """Compute the touched cells again and write them; return how many cells were computed."""
    zone = app_zone()
    cells = set(t.cells)
    signed = defaultdict(list)
    for screening_id, person_id in t.signs:
        signed[screening_id].append(person_id)
    for chunk in chunks(t.screenings | set(signed)):
        for sid, site_id, starts_at in db.session.execute(
                select(Screening.id, Screening.site_id, Screening.starts_at)
                .where(among(Screening.id, chunk))):
            month = month_of(starts_at, zone)
            cells.add((site_id, month))
            if sid in t.screenings:
                old_attendees(t, sid, month)
            t.people.update((p, month) for p in signed.get(sid, ()))
    by_person = defaultdict(set)
    for person_id, month in t.people:
        by_person[person_id].add(month)
    months_all = None
    if t.sites or t.persons or t.villages:
        months_all = kept_months()
    for person_id in t.persons:
        by_person[person_id].update(_months_signed(person_id, zone))
    villages = set(t.villages)
    # The sites serving a person's village count them only as a party member (participants,
    # study minutes): someone who is none, and whose roster facts this transaction did not
    # change, changes only the cell of the screening where they signed in (added above). At a
    # held screening that is most people: villagers.
    village_of = {}
    for chunk in chunks(by_person):
        for person_id, village_id, member in db.session.execute(
                select(Person.id, Person.village_id, and_(*PARTY_MEMBER)).where(
                    among(Person.id, chunk), Person.village_id.is_not(None))):
            if member or person_id in t.persons:
                village_of[person_id] = village_id
    serving = _serving(set(village_of.values()) | villages)
    for person_id, months in by_person.items():
        for site_id in serving.get(village_of.get(person_id), ()):
            cells.update((site_id, m) for m in months)
    for village in villages:
        for site_id in serving.get(village, ()):
            cells.update((site_id, m) for m in months_all or ())
    for site_id in t.sites:
        cells.update((site_id, m) for m in (months_all or ()) | _site_months(site_id, zone))
    by_month = defaultdict(set)
    for site_id, month in cells:
        by_month[month].add(site_id)
    for month, site_ids in sorted(by_month.items()):
        if in_range(month):  # a screening stored out of range (raw SQL) is in no report
            write_month(month, site_ids)
    return len(cells)


def _months_signed(person_id, zone) -> set[date]:
    return {month_of(s, zone) for s in db.session.scalars(
        select(Screening.starts_at).join(Attendance, Attendance.screening_id == Screening.id)
        .where(Attendance.person_id == person_id))}


def _site_months(site_id, zone) -> set[date]:
    return {month_of(s, zone) for s in db.session.scalars(
        select(Screening.starts_at).where(Screening.site_id == site_id))}


def kept_months() -> set[date]:
    return set(db.session.scalars(select(SiteMonth.month).distinct()))


def _serving(units: set) -> dict:
    """For each unit: the sites whose own unit is it or one above it (their roster holds it)."""
    parent: dict = {}
    frontier = set(units) - {None}
    while frontier:
        rows = db.session.execute(select(Unit.id, Unit.parent_id).where(
            among(Unit.id, list(frontier)))).all()
        parent.update(rows)
        frontier = {p for _u, p in rows if p is not None and p not in parent}
    at = defaultdict(list)
    for chunk in chunks(parent):
        for site_id, unit_id in db.session.execute(
                select(Site.id, Site.unit_id).where(among(Site.unit_id, chunk))):
            at[unit_id].append(site_id)
    serving = {}
    for unit in units - {None}:
        found, step = [], unit
        while step is not None:
            found += at.get(step, [])
            step = parent.get(step)
        serving[unit] = found
    return serving


def write_month(month: date, site_ids: Iterable) -> int:
    """Compute these sites' cells of one month from their rows and write them; return the rows."""
    return write_months([month], site_ids)


def write_months(months: list[date], site_ids: Iterable) -> int:
    """write_month for a run of months, read together (a rebuild)."""
    site_ids = list(site_ids)
    sites = [s for chunk in chunks(site_ids, 5000) for s in db.session.scalars(
        select(Site).where(among(Site.id, chunk)))]
    table = SiteMonth.__table__
    for chunk in chunks(site_ids, 5000):
        db.session.execute(delete(table).where(table.c.month.in_(months),
                                               among(table.c.site_id, chunk)))
    rows = computed_span(sites, months)
    for chunk in chunks(rows, 5000):
        db.session.execute(table.insert(), chunk)
    return len(rows)


def computed(sites: list[Site], month: date, *, tz: str | None = None) -> list[dict]:
    """The cells of these sites for one month, computed from scratch (nothing kept is read)."""
    return computed_span(sites, [month], tz=tz)


def computed_span(sites: list[Site], months: list[date], *, tz: str | None = None) -> list[dict]:
    """computed for a run of months, read with one Figures."""
    if not sites:
        return []
    figures = Figures(sites, months, tz=tz or current_app.config["TIMEZONE"])
    rows = []
    for month, site in ((m, s) for m in months for s in sites):
        card = figures.card(site, month, NO_RULES)
        held = figures.screenings.get((site.id, month), [])
        members, _ids = figures.members(site)
        values = {name: getattr(card, name) for name in FIGURES if hasattr(card, name)}
        values.update(
            screenings=len(held),
            minutes=sum(figures.minutes[s.id] for s in held if s.status in HELD_SCREENINGS),
            study_minutes=sum(figures.study.get((p, month), 0.0) for p in members))
        if any(values[name] for name in FIGURES):
            rows.append({"site_id": site.id, "month": month, **values})
    return rows


def rebuild(month: date | None = None) -> Iterator[tuple[list[date], int]]:
    """Compute every cell again (of one month, or of every month with a screening), a few months
    at a time (read together); yields (those months, cells written). The caller commits (after
    each, or at the end)."""
    zone = app_zone()
    if month is None:
        first, last = db.session.execute(
            select(func.min(Screening.starts_at), func.max(Screening.starts_at))
            .where(Screening.starts_at >= datetime.combine(EARLIEST, time(), UTC),
                   Screening.starts_at < datetime.combine(LATEST, time.max, UTC))).one()
        db.session.execute(delete(SiteMonth.__table__))
        if first is None:
            return
        months, step = [], month_of(first, zone)
        while step <= month_of(last, zone):
            months.append(step)
            step = clock.shift(step, 1)
    else:
        months = [month]
    site_ids = list(db.session.scalars(select(Site.id)))
    for group in chunks(months, REBUILD_MONTHS):
        yield group, write_months(group, site_ids)

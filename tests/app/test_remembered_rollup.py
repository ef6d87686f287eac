"""A settled month's roll-up counts are remembered (reports/remembered.py) while the database's
stamps say nothing they count has changed: asked again, the page does not run the count; after
a sign-in in that month, a roster change, or another program's write, it shows the change."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import create_engine, event, select, text, update

from app.attendance.services import sign_in
from app.demo import load_demo
from app.extensions import db
from app.models import Attendance, Person, Screening, Site
from app.reports import remembered
from app.reports.rollup import rollup
from app.reports.rules import settings_rules
from app.reports.summary import summary
from tests.app.test_rollup_summary import answers

pytestmark = pytest.mark.both_databases  # see tests/conftest.py

TZ = "Asia/Shanghai"
NOW = datetime(2025, 6, 18, 4, 0, tzinfo=UTC)
MAY = date(2025, 5, 1)  # settled on NOW: its first day + 33 days is June 3


@pytest.fixture
def demo(app):
    list(load_demo(years=1, scale=0.02, today=NOW.date()))
    return app


READ = []  # the statements of the last page()
TREE = "SELECT units.id, units.parent_id, units.kind, units.name FROM units"  # places.tree.Tree


def page(demo):
    """The city's roll-up page of May, and whether the database counted it (the statement
    judging every site's quotas ran) or it was remembered."""
    seen = []
    READ.clear()

    def look(_conn, _cursor, statement, *_args):
        seen.append("judged" in statement)
        READ.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", look)
    try:
        result = summary(None, MAY, tz=TZ, rules=settings_rules(demo.config), now=NOW)
    finally:
        event.remove(db.engine, "before_cursor_execute", look)
    return result, any(seen)


def whole(demo):
    """The same page built from every card (rollup(), nothing remembered)."""
    return answers(rollup(None, MAY, tz=TZ, rules=settings_rules(demo.config), now=NOW),
                   every=False)


def test_a_settled_month_is_counted_once_until_something_it_counts_changes(demo):
    remembered.forget()
    first, counted = page(demo)
    assert counted
    again, counted = page(demo)
    assert not counted and answers(again) == answers(first)
    assert answers(first, every=False) == whole(demo)

    # a sign-in recorded late at a screening held in May: its kept figures are rewritten
    held = db.session.scalars(select(Screening).where(
        Screening.status == "done", Screening.starts_at >= datetime(2025, 5, 10, tzinfo=UTC),
        Screening.starts_at < datetime(2025, 5, 20, tzinfo=UTC)).order_by(Screening.id)).first()
    signed = set(db.session.scalars(select(Attendance.person_id).where(
        Attendance.screening_id == held.id)))
    newcomer = db.session.scalars(select(Person).where(
        Person.village_id == held.site.unit_id, Person.active.is_(True),
        Person.walkin.is_(False), Person.id.not_in(signed)).order_by(Person.id)).first()
    sign_in(held, method="operator", person=newcomer, status="present", recorded_by="admin")
    db.session.commit()
    after, counted = page(demo)
    assert answers(after, every=False) == whole(demo)
    assert counted and after.totals["attendance"] > first.totals["attendance"]
    # what depends on the roster alone (the unit tree) was not read again
    assert TREE not in READ

    # the roster: a villager joins the party
    joiner = db.session.scalars(select(Person).where(
        Person.party_member.is_(False), Person.active.is_(True), Person.walkin.is_(False),
        Person.village_id.is_not(None)).order_by(Person.id)).first()
    joiner.party_member = True
    db.session.commit()
    joined, counted = page(demo)
    # (more than one: every site serving the village counts its party members)
    assert counted and joined.totals["party_members"] > after.totals["party_members"]
    assert answers(joined, every=False) == whole(demo)
    assert not page(demo)[1]


def test_another_programs_write_is_seen(demo):
    """A site closed by another program (another process, another connection: nothing of this
    process saw it) is left out of the next page."""
    remembered.forget()
    before, _ = page(demo)
    assert not page(demo)[1]
    code = db.session.scalars(select(Site.code).where(Site.active.is_(True))
                              .order_by(Site.code)).first()
    other = create_engine(db.engine.url)
    try:
        with other.begin() as conn:
            conn.execute(update(Site.__table__).where(Site.__table__.c.code == code)
                         .values(active=False))
            assert conn.execute(text("SELECT count(*) FROM report_stamps")).scalar() >= 1
    finally:
        other.dispose()
    db.session.rollback()  # a new transaction: SQLite's reads see the other program's commit
    after, counted = page(demo)
    assert counted and after.sites == before.sites - 1
    assert answers(after, every=False) == whole(demo)


def test_an_answer_counted_in_a_transaction_rolled_back_is_not_kept(demo):
    """Counted after an uncommitted change, the page shows it; after the rollback the stamps go
    back and may reach the same reading through another change, which must not bring back
    the rolled-back answer."""
    remembered.forget()
    before, _ = page(demo)
    first, second = db.session.scalars(select(Site).where(Site.active.is_(True))
                                       .order_by(Site.code).limit(2)).all()
    first.active = False
    db.session.flush()
    uncommitted, counted = page(demo)
    assert counted and uncommitted.sites == before.sites - 1
    db.session.rollback()
    second.active = False  # another change: the stamps read as they did inside the rollback
    db.session.commit()
    after, counted = page(demo)
    assert counted and after.sites == before.sites - 1
    assert answers(after, every=False) == whole(demo)
    assert db.session.get(Site, first.id).active


def test_kept_figures_walk_the_remembered_tree_until_a_unit_changes(demo):
    """Each sign-in at a held screening computes its site's month again, walking the unit tree:
    read once, not again at the next sign-in, and again after a village is renamed."""
    from app.models import Unit

    held = db.session.scalars(select(Screening).where(Screening.status == "done")
                              .order_by(Screening.id)).first()
    signed = set(db.session.scalars(select(Attendance.person_id).where(
        Attendance.screening_id == held.id)))
    newcomers = db.session.scalars(select(Person).where(
        Person.village_id == held.site.unit_id, Person.active.is_(True), Person.walkin.is_(False),
        Person.id.not_in(signed)).order_by(Person.id).limit(3)).all()
    read = []

    def look(_conn, _cursor, statement, *_args):
        read.append(" ".join(statement.split()) == TREE)

    event.listen(db.engine, "before_cursor_execute", look)
    try:
        reads = []
        for n, person in enumerate(newcomers):
            if n == 2:
                db.session.get(Unit, held.site.unit_id).name += "（新）"
                db.session.commit()
            read.clear()
            sign_in(held, method="operator", person=person, status="present", recorded_by="admin")
            db.session.commit()
            reads.append(any(read))
    finally:
        event.remove(db.engine, "before_cursor_execute", look)
    assert reads[1:] == [False, True]


def test_the_month_in_progress_reads_the_roster_once_until_it_changes(demo):
    """A month in progress is counted at every view, but its party members per unit are
    remembered with the roster: not read again, for the counts or the page's cards, until
    someone joins the party (here through another connection), which the next view counts."""
    june = date(2025, 6, 1)
    rules = settings_rules(demo.config)
    remembered.forget()
    roster = "GROUP BY people.village_id, people.role"  # the party members by unit and role

    def view() -> tuple:
        READ.clear()

        def look(_conn, _cursor, statement, *_args):
            READ.append(" ".join(statement.split()))

        event.listen(db.engine, "before_cursor_execute", look)
        try:
            result = summary(None, june, tz=TZ, rules=rules, now=NOW)
        finally:
            event.remove(db.engine, "before_cursor_execute", look)
        # the roster by unit, for the counts or for the page's 50 cards (which take the
        # remembered party members of their units, and read no people of their own)
        return result, any(roster in st for st in READ)

    first, read = view()
    assert read
    again, read = view()
    assert not read and again.totals["party_members"] == first.totals["party_members"]
    joiner = db.session.scalars(select(Person.id).where(
        Person.party_member.is_(False), Person.active.is_(True), Person.walkin.is_(False),
        Person.village_id.is_not(None)).order_by(Person.id)).first()
    other = create_engine(db.engine.url)
    try:
        with other.begin() as conn:
            conn.execute(update(Person.__table__).where(Person.__table__.c.id == joiner)
                         .values(party_member=True))
    finally:
        other.dispose()
    db.session.rollback()  # a new transaction: SQLite's reads see the other program's commit
    joined, read = view()
    assert read and joined.totals["party_members"] > first.totals["party_members"]
    assert answers(joined, every=False) == answers(
        rollup(None, june, tz=TZ, rules=rules, now=NOW), every=False)

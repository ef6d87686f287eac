"""The monthly report card (月报卡) of a site, and the figures every card is computed from.

Everything is computed from existing rows (screenings, play logs, sign-ins, the roster); months
are local calendar months in the configured timezone. The definitions are in
docs/township.md, "Monthly report card".
"""

from __future__ import annotations

import uuid
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import String, cast, exists, func, select, type_coerce

from .. import clock
from ..attendance.services import study_total
from ..clock import month_bounds, shift
from ..extensions import among, db
from ..lookup import chunks
from ..models import Attendance, AuditFlag, Person, PlayLog, Screening, Site
from ..models.people import COUNTED, PARTY_MEMBER
from ..models.screenings import HELD_SCREENINGS
from ..places.tree import subtree_ids
from ..screenings.plans import PLAN_DROPPED  # a date its plan no longer has: counts neither way
from .months import elapsed
from .remembered import unit_tree
from .rules import RULES, SIX_DAYS, Rules, as_rules, due_by_now, monthly_target, rules_from, verdict

__all__ = ["RULES", "Card", "Figures", "Quota", "card_dict", "computed_card", "rules_from"]

GROUP_AUDIENCES = ("party_members", "cadres", "all")  # a group study open to party members
FEW_SITES = 20  # up to this many sites, a roll-up reads their own rows rather than the span's


@dataclass
class Quota:
    rule: str
    required: float
    actual: float
    met: bool  # the whole quota reached
    # met or not_met once the month has ended; before: met, on_track or behind (rules.verdict)
    status: str = ""
    due: float = 0.0  # the part of `required` due by now (all of it once the month has ended)

    def __post_init__(self):
        if not self.status:
            self.status = "met" if self.met else "not_met"
            self.due = self.required


@dataclass
class Card:
    """One site's figures for one month."""

    site: Site
    month: date
    sessions: int = 0
    group_sessions: int = 0
    hours: float = 0.0
    study_hours: float = 0.0
    party_members: int = 0
    participants: int = 0
    participation_rate: float = 0.0
    six_days: int = 0
    six_day_sessions: int = 0
    days_open: int = 0
    attendance: int = 0
    missed: int = 0
    planned: int = 0
    cancelled: int = 0
    # Teaching plans: their screenings this month that are due (held, missed or cancelled),
    # those held, and the share held (None: no plan's screening was due here this month).
    plan_sessions: int = 0
    plan_held: int = 0
    plan_compliance: float | None = None
    # The audit: held sessions with a flag an officer confirmed, and those without one.
    audit_flagged: int = 0
    verified_sessions: int = 0
    # the average monthly study target of its party members (their yearly target by role / 12)
    study_target: float = 0.0
    elapsed: float = 1.0  # the share of the month gone by when the card was computed
    quotas: list[Quota] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """The month has ended: its quotas are met or not met, not yet on track or behind."""
        return self.elapsed >= 1.0

    def figure(self, rule: str) -> float:
        return getattr(self, rule)

    def quota(self, rule: str) -> Quota | None:
        """The card's quota of a rule; None when its kind of site has none."""
        return next((q for q in self.quotas if q.rule == rule), None)

    @property
    def shortfalls(self) -> list[Quota]:
        """The quotas not met in a month that has ended (a month in progress has none)."""
        return [q for q in self.quotas if q.status == "not_met"]


# --- the card ----------------------------------------------------------------------------------

def party_members_of(site: Site) -> list[Person]:
    """The site's party members: the expected people of a party-members screening there."""
    return db.session.scalars(select(Person).where(
        *PARTY_MEMBER,
        Person.village_id.in_(subtree_ids(site.unit_id)))).all()


def computed_card(site: Site, month: date, *, tz: str, rules: Rules | list,
                  now: datetime | None = None) -> Card:
    """Compute a site's card for a local calendar month (judged as it stands at `now`) from its
    rows; the reports read the kept figures instead (reports.kept_card.monthly_card)."""
    return Figures([site], [month], tz=tz, now=now).card(site, month, rules)


class Figures:
    """The raw figures of many sites over a run of months, read with a few set-based queries.

    Every card of a roll-up (and of the earlier months its alerts escalate over) comes from one
    instance: the screenings with what played at them, the sign-ins counted there and the party
    members of each site, each read once for all the sites.

    Many sites (a township, the city): the screenings and sign-ins of the span are read for every
    site, whatever the scope, as a party member's study hours count what they attended anywhere;
    the starts_at range is then the one selective condition, planned alike by every backend (a
    long list of sites or a status invites a scan of all history), and ids are read as strings
    (see _key). A few sites (a card): their own screenings, and their members' sign-ins, by site
    and by person, as a card was always read.
    """

    def __init__(self, sites: list[Site], months: list[date], *, tz: str,
                 now: datetime | None = None):
        self.tz, self.zone = tz, ZoneInfo(tz)
        self.now = now or datetime.now(UTC)
        self.today = clock.today(tz, self.now)
        self.months = sorted(set(months))
        self.bounds = [month_bounds(m, tz) for m in self.months]
        self.starts = [b[0] for b in self.bounds]
        self.sites = {s.id: s for s in sites}
        self.minutes: dict = {}  # screening: what played there, capped by its slot, in minutes
        self.month_of: dict = {}  # screening: its local month
        self.screenings: dict[tuple[uuid.UUID, date], list] = defaultdict(list)
        self.first_in_span: dict[uuid.UUID, datetime] = {}
        self.signed: dict = defaultdict(list)  # screening: the people counted there
        self.study: dict = {}  # (member, month): study minutes (overlapping screenings capped)

        # the party members of each site: the people of the units under it
        units = unit_tree()
        self.served = {s.id: units.subtree(s.unit_id) for s in sites}
        self._members: dict[uuid.UUID, tuple[list, set]] = {}
        self.few = len(sites) <= FEW_SITES
        key = _same if self.few else _key
        places = sorted(set().union(*self.served.values())) if sites else []
        self.people_of: dict[uuid.UUID, list] = defaultdict(list)
        self.role_of: dict = {}
        for person_id, village_id, role in db.session.execute(
                select(key(Person.id), Person.village_id, Person.role).where(
                    *PARTY_MEMBER, _among(Person.village_id, places, _same))):
            self.people_of[village_id].append(person_id)
            self.role_of[person_id] = role
        members = {p for people in self.people_of.values() for p in people}

        start, end = self.bounds[0][0], self.bounds[-1][1]
        in_span = (Screening.starts_at >= start, Screening.starts_at < end)
        screenings = select(key(Screening.id).label("id"), Screening.site_id, Screening.starts_at,
                            Screening.ends_at, Screening.status, Screening.audience,
                            Screening.teaching_session_id, Screening.status_reason)
        if self.few:
            rows = db.session.execute(screenings.where(
                Screening.site_id.in_(list(self.sites)), *in_span)).all()
            signs = _by_screening([row.id for row in rows], key)
            studied = db.session.execute(
                screenings.join(Attendance, Attendance.screening_id == Screening.id)
                .where(*in_span, Attendance.status.in_(COUNTED),
                       _among(Attendance.person_id, list(members), _same))
                .add_columns(Attendance.person_id)).all()
            rows += [row for row in studied if row.site_id not in self.sites]
            signs += [(row.id, row.person_id) for row in studied if row.site_id not in self.sites]
        else:
            rows = db.session.execute(screenings.where(*in_span)).all()
            signs = _by_screening([row.id for row in rows], key)
        # Screenings with a flag of the audit an officer confirmed (app/audit).
        self.confirmed = set(db.session.scalars(
            select(key(AuditFlag.screening_id)).join(Screening, Screening.id == AuditFlag.screening_id)
            .where(AuditFlag.state == "confirmed", *in_span)))
        played = {}
        for chunk in chunks({row.id for row in rows}, 5000):
            played.update(db.session.execute(
                select(key(PlayLog.screening_id), func.coalesce(func.sum(PlayLog.played_s), 0.0))
                .where(_among(PlayLog.screening_id, chunk, key))
                .group_by(PlayLog.screening_id)).all())

        for row in sorted(rows, key=lambda r: r.starts_at):
            if row.id in self.minutes:
                continue
            self.minutes[row.id] = min(float(played.get(row.id) or 0.0),
                                       (row.ends_at - row.starts_at).total_seconds()) / 60
            month = self.months[bisect_right(self.starts, row.starts_at) - 1]
            self.month_of[row.id] = month
            if row.site_id in self.sites:
                self.screenings[row.site_id, month].append(row)
                self.first_in_span.setdefault(row.site_id, row.starts_at)
        slot = {row.id: (row.starts_at, row.ends_at) for row in rows}
        studied = defaultdict(list)  # (member, month): (start, end, minutes) of each screening
        for screening_id, person_id in signs:
            self.signed[screening_id].append(person_id)
            if person_id in members:
                studied[person_id, self.month_of[screening_id]].append(
                    (*slot[screening_id], self.minutes[screening_id]))
        self.study = {member_month: study_total(held) for member_month, held in studied.items()}

    def members(self, site: Site) -> tuple[list, set]:
        if site.id not in self._members:
            people = [p for unit_id in self.served[site.id] for p in self.people_of.get(unit_id, ())]
            self._members[site.id] = (people, set(people))
        return self._members[site.id]

    def card(self, site: Site, month: date, rules: Rules | list) -> Card:
        rules = as_rules(rules)
        card = Card(site=site, month=month, elapsed=elapsed(month, self.tz, self.now))
        minutes, days, signed = 0.0, [], []
        for s in self.screenings.get((site.id, month), ()):
            if s.teaching_session_id is not None and s.status != "planned" and (
                    s.status_reason != PLAN_DROPPED):
                card.plan_sessions += 1
                card.plan_held += s.status in HELD_SCREENINGS
            if s.status not in HELD_SCREENINGS:
                card.missed += s.status == "missed"
                card.planned += s.status == "planned"
                card.cancelled += s.status == "cancelled"
                continue
            card.sessions += 1
            card.audit_flagged += s.id in self.confirmed
            card.group_sessions += s.audience in GROUP_AUDIENCES
            minutes += self.minutes[s.id]
            days.append(s.starts_at.astimezone(self.zone).date())
            signed += self.signed.get(s.id, ())
        card.hours = round(minutes / 60, 2)
        card.verified_sessions = card.sessions - card.audit_flagged
        card.days_open = len(set(days))
        six = [d for d in days if d.day in SIX_DAYS]
        card.six_day_sessions = len(six)
        card.six_days = len({d.day for d in six})
        card.attendance = len(signed)
        members, member_ids = self.members(site)
        card.party_members = len(members)
        card.participants = len(member_ids.intersection(signed))
        card.participation_rate = round(card.participants / len(members), 4) if members else 0.0
        study = self.study
        total = sum(study.get((person, month), 0.0) for person in members)
        card.study_hours = round(total / len(members) / 60, 2) if members else 0.0
        if card.plan_sessions:
            card.plan_compliance = round(card.plan_held / card.plan_sessions, 4)
        if members:
            card.study_target = round(sum(monthly_target(self.role_of.get(person), rules.targets)
                                          for person in members) / len(members), 2)
        card.quotas = self._quotas(card, rules.of(site.kind))
        return card

    def _quotas(self, card: Card, rules) -> list[Quota]:
        """The card's quotas judged: met or not once the month has ended, else by the share due."""
        quotas = []
        for rule, required in rules:
            if required is None:  # the members' own targets; a site without members has none
                if not card.party_members:
                    continue
                required = card.study_target
            actual = card.figure(rule) or 0.0
            due = due_by_now(rule, required, card.elapsed, self.today.day)
            quotas.append(Quota(rule, required, actual, actual >= required,
                                verdict(actual, required, due, complete=card.complete), due))
        return quotas

    def floors(self, lookback: date) -> dict[uuid.UUID, date | None]:
        """Each site's first month (see first_month) when it is after `lookback`, else None.

        Only a floor later than the earliest month an alert looks back to changes an alert, so
        a site recorded before it needs no query; for the others, a screening in the span gives
        the floor, and one before the span puts it before `lookback`.
        """
        floors: dict[uuid.UUID, date | None] = {}
        recent = []
        after = month_bounds(shift(lookback, 1), self.tz)[0]  # recorded in `lookback` or before
        for site_id, site in self.sites.items():
            if site.created_at is not None and site.created_at < after:
                floors[site_id] = None
            else:
                recent.append(site_id)
        earlier: set[uuid.UUID] = set()
        for chunk in chunks(recent):
            earlier.update(db.session.scalars(select(Site.id).where(
                Site.id.in_(chunk), exists().where(Screening.site_id == Site.id,
                                                   Screening.starts_at < self.bounds[0][0]))))
        for site_id in recent:
            site = self.sites[site_id]
            first = self.first_in_span.get(site_id)
            began = [self._local_month(t) for t in (first, site.created_at) if t is not None]
            floors[site_id] = None if site_id in earlier or not began else min(began)
        return floors

    def _local_month(self, moment: datetime) -> date:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(self.zone).date().replace(day=1)


def _by_screening(ids: list, key) -> list:
    """The sign-ins counted (present or late) at these screenings: (screening, person) pairs.

    By a list of screening ids, not by a join on the month's range: PostgreSQL would hash the
    whole sign-in table for the join, where the ids make it read only the index of each.
    """
    return [row for chunk in chunks(ids, 5000) for row in db.session.execute(
        select(key(Attendance.screening_id), key(Attendance.person_id))
        .where(_among(Attendance.screening_id, chunk, key), Attendance.status.in_(COUNTED)))]


def _among(column, values: list, key):
    """`column IN values`, the values read by `key`; on PostgreSQL `= ANY(array)`: one
    parameter, not thousands (each costs planning and binding)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return among(column, values)
    return (type_coerce(column, String) if key is _key else column).in_(values)


def _same(column):
    return column


def _key(column):
    """An id column read as a string (hex on SQLite, with dashes on PostgreSQL), for a select list.

    Only compared with ids read the same way; it spares building a UUID object for each of the
    tens of thousands of sign-ins a roll-up reads.
    """
    return cast(column, String)


def card_dict(card: Card, *, tz: str) -> dict:
    site = card.site
    township, village = site.township, site.village
    return {
        "site": site.code, "name": site.name,
        "township": township.name if township else None,
        "village": village.name if village else None,
        "month": card.month.strftime("%Y-%m"), "timezone": tz,
        "sessions": card.sessions, "group_sessions": card.group_sessions, "hours": card.hours,
        "attendance": card.attendance,
        "complete": card.complete, "elapsed": round(card.elapsed, 4),
        "quotas": [{"rule": q.rule, "required": q.required, "actual": q.actual, "met": q.met,
                    "status": q.status, "due": q.due} for q in card.quotas],
        "study_target": card.study_target,
        "study_hours": card.study_hours, "party_members": card.party_members,
        "participants": card.participants, "participation_rate": card.participation_rate,
        "six_days": card.six_days, "six_day_sessions": card.six_day_sessions,
        "days_open": card.days_open, "missed": card.missed, "planned": card.planned,
        "cancelled": card.cancelled, "plan_sessions": card.plan_sessions,
        "plan_held": card.plan_held, "plan_compliance": card.plan_compliance,
        "audit_flagged": card.audit_flagged, "verified_sessions": card.verified_sessions,
    }


"""Cards read from the kept monthly figures (site_months, kept by reports/kept.py).

`KeptFigures` answers as reports.card.Figures does (a card per site and month, the floors of
alerts) from one row per site and month instead of every screening and sign-in. What depends on
the roster alone (the party members of each site, their study targets) is read here, as it is
now: it is the same for every month.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from .. import clock
from ..clock import month_bounds
from ..extensions import among, db
from ..lookup import chunks
from ..models import Person, Site
from ..models.figures import SiteMonth
from ..models.people import PARTY_MEMBER
from ..places.tree import Tree
from .card import Card, Figures
from .months import elapsed
from .remembered import unit_tree
from .rules import Rules, as_rules, monthly_target

# Up to this many sites (a card, a page of a roll-up), their kept rows and their members are read
# by their ids; more (a township, the city), the month's rows and the roster are read whole.
FEW_SITES = 1000

COPIED = ("sessions", "group_sessions", "days_open", "six_days", "six_day_sessions",
          "attendance", "missed", "planned", "cancelled", "plan_sessions", "plan_held",
          "participants", "audit_flagged")


class KeptFigures(Figures):
    """Figures of many sites over a run of months, from the kept rows: one query for the rows,
    one for the roster."""

    def __init__(self, sites: list[Site], months: list[date], *, tz: str,
                 now: datetime | None = None, tree: Tree | None = None,
                 roles: Mapping[uuid.UUID, Mapping[str, int]] | None = None):
        """`roles`, when the caller has them: the party members by role of each site's unit
        and the units under it (reports.summary remembers them), so the roster is not read."""
        self.tz, self.zone = tz, ZoneInfo(tz)
        self.now = now or datetime.now(UTC)
        self.today = clock.today(tz, self.now)
        self.months = sorted(set(months))
        self.bounds = [month_bounds(m, tz) for m in self.months]
        self.sites = {s.id: s for s in sites}
        units = tree or unit_tree()
        self.served = {s.id: units.subtree(s.unit_id) for s in sites}
        # the party members of each unit, counted by role (a site's are those of its units)
        self.roles_of: dict = defaultdict(dict)
        self._roles: dict = dict(roles) if roles is not None else {}
        missing = [s for s in sites if s.unit_id not in self._roles]  # all, without `roles`
        places = sorted(set().union(*(self.served[s.id] for s in missing))) if missing else []
        if missing:
            query = select(Person.village_id, Person.role, func.count()).where(*PARTY_MEMBER)
            if len(missing) <= FEW_SITES:
                query = query.where(Person.village_id.in_(places))
            for village_id, role, count in db.session.execute(
                    query.group_by(Person.village_id, Person.role)):
                self.roles_of[village_id][role] = count
        self._elapsed: dict = {}
        self.kept: dict = {}
        table = SiteMonth.__table__  # plain rows: a city's are read ten times faster than objects
        rows = select(table).where(table.c.month.in_(self.months))
        if len(sites) <= FEW_SITES:
            for chunk in chunks(list(self.sites)):
                for row in db.session.execute(rows.where(among(table.c.site_id, chunk))):
                    self.kept[row.site_id, row.month] = row
        else:
            for row in db.session.execute(rows):
                if row.site_id in self.sites:
                    self.kept[row.site_id, row.month] = row
        self.first_in_span: dict = {}
        starts = dict(zip(self.months, (start for start, _end in self.bounds), strict=True))
        for (site_id, month), row in sorted(self.kept.items(), key=lambda kv: kv[0][1]):
            if row.screenings:
                self.first_in_span.setdefault(site_id, starts[month])

    def card(self, site: Site, month: date, rules: Rules | list) -> Card:
        rules = as_rules(rules)
        if month not in self._elapsed:
            self._elapsed[month] = elapsed(month, self.tz, self.now)
        card = Card(site=site, month=month, elapsed=self._elapsed[month])
        row = self.kept.get((site.id, month))
        study = 0.0
        if row is not None:
            for name in COPIED:
                setattr(card, name, getattr(row, name))
            card.hours = round(row.minutes / 60, 2)
            card.verified_sessions = card.sessions - card.audit_flagged
            study = row.study_minutes
        roles = self.roles(site)
        members = card.party_members = sum(roles.values())
        if members:
            card.participation_rate = round(card.participants / members, 4)
            card.study_hours = round(study / members / 60, 2)
            card.study_target = round(sum(monthly_target(role, rules.targets) * count
                                          for role, count in roles.items()) / members, 2)
        if card.plan_sessions:
            card.plan_compliance = round(card.plan_held / card.plan_sessions, 4)
        card.quotas = self._quotas(card, rules.of(site.kind))
        return card


    def roles(self, site: Site) -> dict[str, int]:
        """The site's party members, counted by role."""
        # by the site's unit: the center households of a village all serve the same people
        if site.unit_id not in self._roles:
            found: dict[str, int] = defaultdict(int)
            for unit_id in self.served[site.id]:
                for role, count in self.roles_of.get(unit_id, {}).items():
                    found[role] += count
            self._roles[site.unit_id] = found
        return self._roles[site.unit_id]


def monthly_card(site: Site, month: date, *, tz: str, rules: Rules | list,
                 now: datetime | None = None) -> Card:
    """A site's card for a local calendar month (judged as it stands at `now`), from the kept
    figures; reports.card.computed_card computes the same from the rows."""
    return KeptFigures([site], [month], tz=tz, now=now).card(site, month, rules)

"""Party members below the monthly study target, counted per village and per site.

Everything is read with a few set-based queries (the members, their study minutes, the units and
the sites) and counted in memory: the city has thousands of members and sites, and a site serves
every village below its unit, so counting site by site in SQL would be a query per site.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, select

from ..attendance.services import study_minutes_where
from ..extensions import db
from ..models import Person, Site, Unit
from ..models.people import PARTY_MEMBER


@dataclass(frozen=True)
class Member:
    id: uuid.UUID
    name: str
    village_id: uuid.UUID
    hours: float
    target: float = 0.0  # their monthly target (by role)


@dataclass
class Village:
    id: uuid.UUID
    name: str
    parent: str | None  # the township (or whatever holds the village)
    members: int = 0
    below: int = 0


@dataclass
class SiteLine:
    code: str
    name: str
    members: int
    below: list[Member]


@dataclass
class BelowTarget:
    members: int  # party members of the area
    below: int  # of them below the target
    villages: list[Village]  # sorted by township and name; those without members left out
    # one row per member below the target, by village then name; a village where nobody is
    # below has a single row (its id, None) so that it still shows on its page
    rows: list[tuple[uuid.UUID, Member | None]] = field(default_factory=list)
    sites: list[SiteLine] = field(default_factory=list)  # the sites serving members, by code

    def groups(self, start: int, stop: int) -> list[tuple[Village, list[Member], bool]]:
        """rows[start:stop] grouped by village: (village, its members there, continued from
        the rows before start)."""
        by_id = {v.id: v for v in self.villages}
        groups: list[tuple[Village, list[Member], bool]] = []
        for index in range(start, min(stop, len(self.rows))):
            village_id, member = self.rows[index]
            if not groups or groups[-1][0].id != village_id:
                continued = index == start and start > 0 and self.rows[index - 1][0] == village_id
                groups.append((by_id[village_id], [], continued))
            if member is not None:
                groups[-1][1].append(member)
        return groups


def below_target(scope: set[uuid.UUID] | None, sites: Select, start: datetime, end: datetime,
                 target_hours: float | Mapping[str, float]) -> BelowTarget:
    """Active, registered party members of the villages in `scope` (None: all) whose study hours
    in [start, end) are below their target, `target_hours` (one for all, or by role with a
    "default"); `sites` is a query of the sites to count them for."""
    targets = (target_hours if isinstance(target_hours, Mapping)
               else {"default": float(target_hours)})
    members = [*PARTY_MEMBER,
               Person.village_id.is_not(None)]
    if scope is not None:
        members.append(Person.village_id.in_(scope))
    people = db.session.execute(select(Person.id, Person.name, Person.village_id, Person.role)
                                .where(*members).order_by(Person.initials, Person.name)).all()
    minutes = study_minutes_where(start, end, *members)
    units = {u.id: u for u in db.session.execute(select(Unit.id, Unit.parent_id, Unit.name))}

    villages: dict[uuid.UUID, Village] = {}
    below: dict[uuid.UUID, list[Member]] = defaultdict(list)
    for person in people:
        unit = units.get(person.village_id)
        village = villages.get(person.village_id)
        if village is None:
            parent = units.get(unit.parent_id) if unit is not None else None
            village = villages[person.village_id] = Village(
                person.village_id, unit.name if unit else "", parent.name if parent else None)
        village.members += 1
        hours = minutes.get(person.id, 0.0) / 60
        target = targets.get(person.role or "", targets["default"])
        if hours < target:
            village.below += 1
            below[village.id].append(Member(person.id, person.name, village.id, hours, target))
    ordered = sorted(villages.values(), key=lambda v: (v.parent or "", v.name))
    rows: list[tuple[uuid.UUID, Member | None]] = []
    for village in ordered:
        rows.extend([(village.id, m) for m in below[village.id]] or [(village.id, None)])

    # what a site serves: every village below its unit, so sum the villages up their units
    members_under: dict[uuid.UUID, int] = defaultdict(int)
    below_under: dict[uuid.UUID, list[Member]] = defaultdict(list)
    for village in ordered:
        unit_id, seen = village.id, set()
        while unit_id is not None and unit_id not in seen:
            seen.add(unit_id)
            members_under[unit_id] += village.members
            below_under[unit_id].extend(below[village.id])
            unit_id = units[unit_id].parent_id if unit_id in units else None
    lines = [SiteLine(code, name, members_under[unit_id], below_under[unit_id])
             for code, name, unit_id in db.session.execute(
                 sites.with_only_columns(Site.code, Site.name, Site.unit_id).order_by(Site.code))
             if members_under.get(unit_id)]
    return BelowTarget(members=len(people), below=sum(v.below for v in ordered),
                       villages=ordered, rows=rows, sites=lines)

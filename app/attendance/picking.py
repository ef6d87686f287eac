"""The people picker: roster people found by characters, full pinyin or initials (zs, 张s), in
a reach: for a screening's forms (roll-call, a filled paper sheet) those who may sign in at it,
the villages it serves first, then the rest of its township; for a loan's borrower the site's
own village. And the people chosen.

The same search box as the title picker (templates/_picker.html, static/picker.js): the page
path posts `<name>_pick` = search, add:<id> or remove:<id> with the chosen ids, and
`attendance.pick_people` and `loans.pick_people` answer the script's search as JSON.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _

from ..extensions import db
from ..lookup import by_id
from ..models import Person, Screening
from ..people.services import search_people
from .services import sign_in_villages, villages_of

RESULTS = 8  # as the title picker: one narrows the search rather than scrolls


@dataclass
class PersonPick:
    """A person as the picker shows them: the name and a line saying who they are."""

    id: str
    name: str
    line: str

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "line": self.line}


@dataclass
class PeoplePicker:
    """What the picker shows: the search, its results and the people chosen."""

    q: str = ""
    results: list[PersonPick] = field(default_factory=list)
    more: bool = False
    chosen: list[PersonPick] = field(default_factory=list)


def _line(person: Person) -> str:
    parts = [person.village.name if person.village else ""]
    if person.party_member:
        parts.append(_("party member"))
    if person.walkin:
        parts.append(_("walk-in"))
    return " · ".join(p for p in parts if p)


def _pick(person: Person) -> PersonPick:
    return PersonPick(id=str(person.id), name=person.name, line=_line(person))


@dataclass(frozen=True)
class Reach:
    """Whose people a picker offers: those of `within` (unit ids), those of `first` listed first;
    `browse` lists them before anything is typed (a village's roster), otherwise nobody is
    listed before a search (a roll-call lists its expected people already)."""

    first: frozenset
    within: frozenset
    browse: bool = False


def screening_reach(screening: Screening) -> Reach:
    """A screening's: the villages it serves first, then the rest of its township."""
    return Reach(frozenset(villages_of(screening)),
                 frozenset(sign_in_villages(screening.site, township=True)))


def find_people(reach: Reach, q: str | None, *, leave_out: Iterable[str] = (),
                limit: int = RESULTS) -> tuple[list[PersonPick], bool]:
    """Active people within the reach matching `q` (characters, full pinyin, initials), those
    of its first villages first; and whether more than `limit` matched."""
    q = " ".join((q or "").split())[:40]
    if not q and not reach.browse:
        return [], False
    query = search_people(q, villages=reach.first, within=reach.within)
    skipped = [p.id for p in (by_id(Person, x) for x in leave_out) if p is not None]
    if skipped:
        query = query.where(Person.id.not_in(skipped))
    people = list(db.session.scalars(query.limit(limit + 1)))
    return [_pick(p) for p in people[:limit]], len(people) > limit


def chosen_people(reach: Reach, ids: Iterable[str]) -> list[Person]:
    """The chosen people, in order, once each; ids of nobody within the reach are left out (a
    stale or forged id adds nobody)."""
    found: list[Person] = []
    for value in ids:
        person = by_id(Person, value)
        if person is not None and person.active and person.village_id in reach.within \
                and person not in found:
            found.append(person)
    return found


def apply_one(op: str | None, chosen: list[str]) -> list[str]:
    """A picker of one person (a loan's borrower): `add:<id>` replaces the one chosen,
    `remove:<id>` leaves none."""
    verb, _sep, item = (op or "").partition(":")
    if verb == "add" and item:
        return [item]
    if verb == "remove":
        return []
    return chosen[:1]


def people_picker(reach: Reach, chosen: list[str], q: str | None) -> PeoplePicker:
    """The picker's state for a page: the search's results and the people chosen."""
    results, more = find_people(reach, q, leave_out=chosen)
    return PeoplePicker(q=(q or "").strip(), results=results, more=more,
                        chosen=[_pick(p) for p in chosen_people(reach, chosen)])

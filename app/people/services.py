"""The roster: people with pinyin keys, search in any mix of characters and letters, walk-ins."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import Select, case, select

from .. import limits
from ..errors import Forbidden, Invalid, NotFound
from ..extensions import db
from ..lookup import by_id
from ..models import Person, Unit
from ..models.people import PERSON_ROLES
from ..text import SURNAME_READINGS, name_search, pinyin_keys

MAX_NAME = limits.PERSON_NAME


def require_text(field: str, value) -> None:
    """Refuse a value that is neither text nor missing (a number or a list sent as JSON)."""
    if value is not None and not isinstance(value, str):
        raise Invalid(_("Field %(f)s has the wrong type.", f=field))


def clean_name(name) -> str:
    """A person's name, checked: not empty, not absurdly long (HTML is escaped on output)."""
    require_text("name", name)
    name = " ".join(str(name or "").split())
    if not name:
        raise Invalid(_("A name is required."))
    if len(name) > MAX_NAME:
        raise Invalid(_("A name has at most %(n)d characters.", n=MAX_NAME))
    return name


def set_name(person: Person, name: str) -> None:
    """Set the name and its pinyin keys; a two-reading surname keeps both readings searchable."""
    person.name = clean_name(name)
    person.pinyin, person.initials = pinyin_keys(person.name, surname=True)
    if person.name[0] in SURNAME_READINGS:
        person.pinyin_alt, person.initials_alt = pinyin_keys(person.name)
    else:
        person.pinyin_alt, person.initials_alt = "", ""


def update_person(person: Person, *, name: str, village: Unit | None, party_member: bool,
                  role: str, phone: str | None) -> None:
    """Change a person's details from the roster's form; a name refused changes nothing."""
    set_name(person, name)
    person.village = village
    person.party_member = party_member
    person.role = role
    person.phone = phone or None


def set_active(person: Person, active: bool) -> None:
    """Deactivate a person (no longer found by search or expected), or make them active again."""
    person.active = active


def confirm_walkin(person: Person) -> None:
    """A walk-in signed in at a screening becomes a roster person."""
    person.walkin = False


def namesake(name: str, village: Unit, person: Person | None = None) -> Person | None:
    """Someone else of this name (spaces as the roster keeps them) in the village, if any."""
    query = select(Person).where(Person.name == " ".join(name.split()),
                                 Person.village_id == village.id)
    if person is not None:
        query = query.where(Person.id != person.id)
    return db.session.scalar(query.limit(1))


def filter_people(query: Select, *, village: uuid.UUID | None = None, party: str = "",
                  role: str = "", walkins: bool = False) -> Select:
    """Narrow a roster query: one village, party members or not ("yes"/"no"), a role, walk-ins
    only; a value that is none of these leaves its filter off."""
    if village is not None:
        query = query.where(Person.village_id == village)
    if party in ("yes", "no"):
        query = query.where(Person.party_member.is_(party == "yes"))
    if role in PERSON_ROLES:
        query = query.where(Person.role == role)
    if walkins:
        query = query.where(Person.walkin.is_(True))
    return query


def village_named(name: str | None, *, township: str | None = None) -> Unit | None:
    """Find a village by name (and township when names repeat); unknown is a plain error."""
    require_text("village", name)
    require_text("township", township)
    if not name:
        return None
    query = select(Unit).where(Unit.name == name.strip(), Unit.kind.in_(("village", "community")))
    villages = db.session.scalars(query).all()
    if township:
        villages = [v for v in villages if v.parent and v.parent.name == township]
    if not villages:
        raise Invalid(_("No village named %(name)s.", name=name))
    if len(villages) > 1:
        raise Invalid(_("Several villages are named %(name)s; give the township too.", name=name))
    return villages[0]


def village_within(name: str | None, *, township: str | None = None,
                   within: Iterable[uuid.UUID] | None = None) -> Unit:
    """The village of a person being added: required, known, and inside `within` (None: any)."""
    require_text("village", name)
    if not (name or "").strip():
        raise Invalid(_("Field %(f)s is required.", f="village"))
    village = village_named(name, township=township)
    if within is not None and village.id not in set(within):
        raise Forbidden(_("Village %(name)s is outside your area.", name=village.name))
    return village


def create_person(name: str, *, village: Unit | None = None, party_member: bool = False,
                  role: str = "villager", phone: str | None = None, walkin: bool = False) -> Person:
    require_text("role", role)
    require_text("phone", phone)
    if role not in PERSON_ROLES:
        raise Invalid(_("The role is one of %(roles)s.", roles=", ".join(PERSON_ROLES)))
    person = Person(village=village, party_member=bool(party_member), role=role,
                    phone=(phone or "").strip() or None, walkin=walkin)
    set_name(person, name)
    db.session.add(person)
    return person


def person_or_404(value) -> Person:
    person = by_id(Person, value)
    if person is None:
        raise NotFound(_("No such person."))
    return person


def search_people(q: str | None, *, villages: Iterable[uuid.UUID] = (), active_only: bool = True,
                  within: Iterable[uuid.UUID] | None = None) -> Select:
    """People matching characters, full pinyin, initials or a mix (张三, zhangsan, zs, 张s).

    People of `villages` (the screening's own) come first; `within` limits to a set of villages.
    """
    query = select(Person)
    if active_only:
        query = query.where(Person.active.is_(True))
    if within is not None:
        query = query.where(Person.village_id.in_(list(within)))
    if q and q.strip():
        # 张s: 张 then a syllable on s, so 周山 (also "zs") is not offered.
        query = query.where(name_search(q, name=Person.name,
                                        pinyin=(Person.pinyin, Person.pinyin_alt),
                                        initials=(Person.initials, Person.initials_alt)))
    villages = list(villages)
    order = [case((Person.village_id.in_(villages), 0), else_=1)] if villages else []
    return query.order_by(*order, Person.initials, Person.name)

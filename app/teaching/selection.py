"""The sites a plan covers: chosen by kind, township, village or a list of codes, within the
issuer's area (an admin's is every site; a township officer's is their township)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from .. import limits
from ..auth.roles import ADMIN, TOWNSHIP
from ..errors import Forbidden, Invalid
from ..extensions import db
from ..models import Site, Unit, User
from ..models.places import SITE_KINDS
from ..models.teaching import ALL_AREA
from ..places.tree import subtree_ids

KEYS = ("kind", "townships", "villages", "codes")


@dataclass(frozen=True)
class Covered:
    """A covered site, as the issue needs it (no ORM row: there may be thousands)."""

    id: uuid.UUID
    code: str
    usual_start: str
    unit_id: uuid.UUID | None = None


def _names(value, key: str) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [v for v in (p.strip() for p in value.replace("，", ",").split(",")) if v]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) \
            or len(value) > limits.CHOSEN_SITES:
        raise Invalid(_("sites.%(key)s is a list of names.", key=key))
    return [v.strip() for v in value if v.strip()]


def clean_selection(value) -> dict:
    """The selection as stored: {kind, townships, villages, codes}; nothing chosen is 422."""
    if not isinstance(value, dict):
        raise Invalid(_("sites is an object with kind, townships, villages and codes."))
    if unknown := set(value) - set(KEYS):
        raise Invalid(_("Unknown field %(f)s.", f=", ".join(sorted(unknown))))
    kind = value.get("kind") or None
    if kind is not None and kind not in SITE_KINDS:
        raise Invalid(_("sites.kind is one of %(kinds)s.", kinds=", ".join(SITE_KINDS)))
    chosen = {"kind": kind, **{key: _names(value.get(key), key) for key in KEYS[1:]}}
    if not kind and not any(chosen[key] for key in KEYS[1:]):
        raise Invalid(_("Choose the sites of the plan: a kind, townships, villages or codes."))
    return chosen


def area_of(user: User) -> tuple[str, set[uuid.UUID] | None]:
    """The issuer's area: its key (unit id, or every site) and the unit ids in it (None: all)."""
    if user.role == ADMIN:
        return ALL_AREA, None
    if user.role == TOWNSHIP and user.unit_id:
        return str(user.unit_id), subtree_ids(user.unit_id)
    raise Forbidden(_("Only an administrator or a township officer issues teaching plans."))


def covered_sites(selection: dict, units: set[uuid.UUID] | None) -> list[Covered]:
    """The active sites the selection names, checked against the area (`units`, None: all).

    Townships and codes named outside the area are 403; village names are read within the
    area (the same name may be a village of another township); a kind alone is every site of
    that kind in the area. A selection covering no site is 422.
    """
    query = select(Site.id, Site.code, Site.usual_start, Site.unit_id).where(
        Site.active.is_(True))
    if selection["kind"]:
        query = query.where(Site.kind == selection["kind"])
    named_units: set[uuid.UUID] = set()
    outside: list[str] = []
    if selection["townships"]:
        towns = db.session.execute(select(Unit.id, Unit.name).where(
            Unit.kind == "township", Unit.name.in_(selection["townships"]))).all()
        unknown = set(selection["townships"]) - {name for _i, name in towns}
        if unknown:
            raise Invalid(_("No township named %(names)s.", names="、".join(sorted(unknown))))
        for town_id, name in towns:
            if units is not None and town_id not in units:
                outside.append(name)
            else:
                named_units |= subtree_ids(town_id)
    if selection["villages"]:
        villages = db.session.execute(select(Unit.id, Unit.name).where(
            Unit.kind.in_(("village", "community")), Unit.name.in_(selection["villages"]))).all()
        inside = [(i, n) for i, n in villages if units is None or i in units]
        unknown = set(selection["villages"]) - {name for _i, name in inside}
        if unknown:
            raise Invalid(_("No village named %(names)s in your area.",
                            names="、".join(sorted(unknown))))
        for village_id, _name in inside:
            named_units |= subtree_ids(village_id)
    rows: dict[uuid.UUID, Covered] = {}
    if selection["codes"]:
        found = db.session.execute(query.where(Site.code.in_(selection["codes"]))).all()
        unknown = set(selection["codes"]) - {row.code for row in found}
        if unknown:
            raise Invalid(_("No active site with code %(codes)s.",
                            codes=", ".join(sorted(unknown))))
        for row in found:
            if units is not None and row.unit_id not in units:
                outside.append(row.code)
            rows[row.id] = Covered(row.id, row.code, row.usual_start, row.unit_id)
    if outside:
        raise Forbidden(_("Outside your area: %(names)s.", names=", ".join(sorted(outside))))
    if named_units:
        for row in db.session.execute(query.where(Site.unit_id.in_(named_units))):
            rows[row.id] = Covered(row.id, row.code, row.usual_start, row.unit_id)
    elif not (selection["townships"] or selection["villages"] or selection["codes"]):
        if units is not None:
            query = query.where(Site.unit_id.in_(units))
        rows = {row.id: Covered(row.id, row.code, row.usual_start, row.unit_id)
                for row in db.session.execute(query)}
    if not rows:
        raise Invalid(_("The chosen sites are none: no active site matches the selection."))
    return sorted(rows.values(), key=lambda c: c.code)

"""Scope: which rows a user may see, and change. One pair per concept, after the shape of
Kolibri's permissions (kolibri/core/auth/permissions/): "may this user see this row"
(`can_see_X(user, row) -> bool`) and "the rows this user may see" (`visible_X(user)`, a query),
with `can_change_X` where changing differs from seeing.

An administrator sees everything; a township officer the sites and people of the units under
their township; an operator (and a kiosk) their own site, and the people of the units that site
serves. The role checks of pages and API calls (roles_required) are in auth/access.py.

| concept            | may see this row           | the rows one may see                   |
|--------------------|----------------------------|----------------------------------------|
| site               | can_see_site, can_change_site, site_or_404 | visible_sites         |
| unit (and area)    | can_see_unit, township_for | visible_units, area_for (an Area)      |
| person             | can_see_person             | visible_units (the villages' people)   |
| screening          | can_see_screening          | visible_screenings                     |
| shipment (kit)     | can_see_shipment, can_change_shipment | visible_shipments           |
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, select

from ..errors import Forbidden
from ..extensions import db
from ..models import Person, Screening, Shipment, Site, Unit, User
from ..places.tree import subtree_ids, township_named
from .roles import ADMIN, KIOSK, OFFICERS, OPERATOR, STAFF, TOWNSHIP

# --- sites --------------------------------------------------------------------------------------


def visible_sites(user: User) -> Select:
    """Return a query of the sites a user may see."""
    query = select(Site)
    if user.role == ADMIN:
        return query
    if user.role == TOWNSHIP and user.unit_id:
        return query.where(Site.unit_id.in_(subtree_ids(user.unit_id)))
    if user.role in (OPERATOR, KIOSK) and user.site_id:
        return query.where(Site.id == user.site_id)
    return query.where(Site.id.is_(None))


def can_see_site(user: User, site: Site) -> bool:
    if user.role == ADMIN:
        return True
    if user.role == TOWNSHIP and user.unit_id:
        return site.unit_id in subtree_ids(user.unit_id)
    return site.id == user.site_id


def can_change_site(user: User, site: Site) -> bool:
    """Admins and township officers edit sites' records; an operator only their own site's."""
    return user.role in STAFF and can_see_site(user, site)


def site_or_404(code: str, *, change: bool = False) -> Site:
    """Load a site by code for the current user: 404 if unknown, 403 if out of scope."""
    site = db.session.scalar(select(Site).where(Site.code == code))
    if site is None:
        abort(404)
    allowed = can_change_site if change else can_see_site
    if not allowed(current_user, site):
        abort(403)
    return site


# --- units, areas and people --------------------------------------------------------------------


def visible_units(user: User) -> set[uuid.UUID] | None:
    """The ids of the units of a user's area, whose people they see: None for all (an
    administrator); a township officer's township and the units under it; an operator's site's
    unit and the units under it; none for a kiosk (its sign-in pages have their own reach)."""
    if user.role == ADMIN:
        return None
    if user.role == TOWNSHIP and user.unit_id:
        return subtree_ids(user.unit_id)
    if user.role == OPERATOR and user.site is not None:
        return subtree_ids(user.site.unit_id)
    return set()


def can_see_unit(user: User, unit: Unit) -> bool:
    units = visible_units(user)
    return units is None or unit.id in units


def can_see_person(user: User, person: Person) -> bool:
    """Whether a person lives in the user's area (by their village)."""
    units = visible_units(user)
    return units is None or person.village_id in units


def township_for(user: User, name: str | None) -> Unit | None:
    """The township a user asks a report for (None: the city), or Forbidden outside their area.

    An administrator sees any township and the city; a township officer only their township
    (the default when no name is given); operators and kiosks see no roll-up. An unknown name
    is NotFound.
    """
    if user.role == ADMIN:
        return township_named(name) if name else None
    if user.role == TOWNSHIP and user.unit_id:
        if not name:
            return db.session.get(Unit, user.unit_id)
        unit = township_named(name)
        if can_see_unit(user, unit):
            return unit
    raise Forbidden(_("This report is outside your area."))


@dataclass
class Area:
    """Whose figures a report shows: one township, one site, or (neither) the whole city."""

    township: Unit | None = None
    site: Site | None = None

    @property
    def name(self) -> str | None:
        """The township's name, or the site's code; None for the city."""
        if self.site is not None:
            return self.site.code
        return self.township.name if self.township else None

    def sites(self) -> Select:
        """The ids of the area's active sites (the roll-up counts active sites only)."""
        query = select(Site.id).where(Site.active.is_(True))
        if self.site is not None:
            return query.where(Site.id == self.site.id)
        if self.township is not None:
            return query.where(Site.unit_id.in_(subtree_ids(self.township.id)))
        return query

    def villages(self) -> set[uuid.UUID] | None:
        """The units whose roster counts (None: every unit of the city)."""
        if self.site is not None:
            return subtree_ids(self.site.unit_id)
        if self.township is not None:
            return subtree_ids(self.township.id)
        return None


def area_for(user: User, township: str | None) -> Area:
    """The area a user asks a dashboard for: as township_for for officers; an operator's own site
    only."""
    if user.role == OPERATOR:
        if township or user.site is None:
            raise Forbidden(_("This report is outside your area."))
        return Area(site=user.site)
    return Area(township=township_for(user, township))


# --- screenings ---------------------------------------------------------------------------------


def visible_screenings(user: User) -> Select:
    """Return a query of the screenings at the sites a user may see."""
    return select(Screening).where(
        Screening.site_id.in_(visible_sites(user).with_only_columns(Site.id)))


def can_see_screening(user: User, screening: Screening) -> bool:
    return can_see_site(user, screening.site)


# --- shipments (kits) ---------------------------------------------------------------------------


def visible_shipments(user: User) -> Select:
    """Return a query of the kits sent to the sites a user may see (joined to their site)."""
    return select(Shipment).join(Site, Shipment.site_id == Site.id).where(
        Site.id.in_(visible_sites(user).with_only_columns(Site.id)))


def can_see_shipment(user: User, shipment: Shipment) -> bool:
    return can_see_site(user, shipment.site)


def can_change_shipment(user: User, shipment: Shipment) -> bool:
    """An officer of the kit's area plans, sends and replaces it (its site's operator may only
    confirm it received: distribution.kits.may_receive)."""
    return user.role in OFFICERS and can_see_site(user, shipment.site)

"""Kits: the consignments of a batch to sites, their serials and their status moves.

A kit's status moves forward only: planned → sent → received → verified, or one of the endings
(lost, damaged, returned). A scan that finds every file of a sent or received kit's manifest at
its site marks it verified (see manifest.py, connected to the scan_finished signal).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from ..auth.scope import can_change_shipment, can_see_site, visible_shipments, visible_sites
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..extensions import db
from ..lookup import by_id
from ..models import Batch, Shipment, Site, Unit, User
from ..models.distribution import FORMS, SHIPMENT_STATUSES
from ..models.places import SITE_KINDS
from ..places.tree import subtree_ids

# Forward only: a status may move to one of higher rank; the three endings are final.
STATUS_RANK = {"planned": 0, "sent": 1, "received": 2, "verified": 3,
               "lost": 4, "damaged": 4, "returned": 4}
ENDINGS = ("lost", "damaged", "returned")
SERIAL_MAX = 40

STATUS_LABELS = {
    "planned": _l("planned"),
    "sent": _l("sent"),
    "received": _l("received"),
    "verified": _l("verified"),
    "lost": _l("lost"),
    "damaged": _l("damaged"),
    "returned": _l("returned"),
}
FORM_LABELS = {"DVD": "DVD", "VCD": "VCD", "USB": _l("USB stick"), "file": _l("file")}


# --- choosing sites -------------------------------------------------------------------------

def _units_named(names: Iterable[str], kinds: tuple[str, ...]) -> set[uuid.UUID]:
    ids: set[uuid.UUID] = set()
    unknown = []
    for name in dict.fromkeys(n.strip() for n in names if n and n.strip()):
        found = db.session.scalars(select(Unit.id).where(Unit.name == name, Unit.kind.in_(kinds))).all()
        if not found:
            unknown.append(name)
        for unit_id in found:
            ids |= subtree_ids(unit_id)
    if unknown:
        raise Invalid(_("Unknown places: %(names)s.", names=", ".join(unknown)))
    return ids


def choose_sites(user: User, *, codes: Iterable[str] | None = None,
                 kinds: Iterable[str] | None = None, townships: Iterable[str] | None = None,
                 villages: Iterable[str] | None = None) -> list[Site]:
    """The sites a consignment goes to: by code, or every active site of the kinds in the places.

    Without townships or villages the kinds are taken across the caller's whole area.
    """
    codes = [c.strip() for c in codes or [] if c and c.strip()]
    kinds = [k for k in kinds or [] if k]
    if bad := [k for k in kinds if k not in SITE_KINDS]:
        raise Invalid(_("kind must be one of %(kinds)s.", kinds=", ".join(SITE_KINDS)) + f" ({bad[0]})")
    chosen: dict[uuid.UUID, Site] = {}
    if codes:
        found = {s.code: s for s in db.session.scalars(select(Site).where(Site.code.in_(codes)))}
        if unknown := [c for c in codes if c not in found]:
            raise Invalid(_("Unknown sites: %(codes)s.", codes=", ".join(unknown)))
        for code in codes:
            if not can_see_site(user, found[code]):
                raise Forbidden(_("Site %(code)s is outside your area.", code=code))
            chosen[found[code].id] = found[code]
    townships, villages = list(townships or []), list(villages or [])
    if kinds or townships or villages:
        query = visible_sites(user).where(Site.active.is_(True))
        if kinds:
            query = query.where(Site.kind.in_(kinds))
        if townships or villages:
            units = _units_named(townships, ("township",)) | _units_named(
                villages, ("village", "community"))
            query = query.where(Site.unit_id.in_(units))
        for site in db.session.scalars(query.order_by(Site.code)):
            chosen.setdefault(site.id, site)
    if not chosen:
        raise Invalid(_("No site matches: give site codes, or a kind, townships or villages."))
    return sorted(chosen.values(), key=lambda s: s.code)


def township_choices(user: User) -> list[str]:
    """The townships a user may consign to by name: their own, or every one for an administrator."""
    if user.role == "township":
        return [user.unit.name] if user.unit else []
    return db.session.scalars(
        select(Unit.name).where(Unit.kind == "township").order_by(Unit.name)).all()


# --- kits -----------------------------------------------------------------------------------

def batch_short(batch: Batch) -> str:
    return batch.id.hex[:6].upper()


def next_serial(batch: Batch, site: Site, taken: set[str]) -> str:
    """The first free serial B<batch>-<site>-<n>; free in the table and in `taken`."""
    prefix = f"B{batch_short(batch)}-"
    code = site.code[: SERIAL_MAX - len(prefix) - 4]
    n = 1 + db.session.scalar(
        select(db.func.count(Shipment.id)).where(Shipment.batch_id == batch.id,
                                                 Shipment.site_id == site.id))
    while True:
        serial = f"{prefix}{code}-{n}"
        if serial not in taken and db.session.scalar(
                select(Shipment.id).where(Shipment.serial == serial)) is None:
            taken.add(serial)
            return serial
        n += 1


def _copies(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except ValueError as exc:
            raise Invalid(_("copies must be a whole number of 1 or more.")) from exc
    if value < 1:
        raise Invalid(_("copies must be a whole number of 1 or more."))
    if value > 1000:
        raise Invalid(_("copies must be at most 1000 per site."))
    return value


@dataclass
class Consignment:
    created: list[Shipment] = field(default_factory=list)
    skipped: list[Site] = field(default_factory=list)  # already had a kit of this batch


def consign(batch: Batch, sites: list[Site], *, copies=1, form: str | None = None) -> Consignment:
    """Plan one kit per site; a site that already has a live kit of this batch is skipped."""
    copies = _copies(copies)
    form = form or batch.form
    if form not in FORMS:
        raise Invalid(_("form must be one of %(forms)s.", forms=", ".join(FORMS)))
    lock_batch(batch)
    live = set(db.session.scalars(select(Shipment.site_id).where(
        Shipment.batch_id == batch.id, Shipment.status.not_in(ENDINGS))))
    result, taken = Consignment(), set()
    for site in sites:
        if site.id in live:
            result.skipped.append(site)
            continue
        shipment = Shipment(batch=batch, site=site, form=form, copies=copies, status="planned",
                            serial=next_serial(batch, site, taken))
        db.session.add(shipment)
        result.created.append(shipment)
    if not result.created:
        raise Conflict(_("Every chosen site already has a kit of this batch."))
    db.session.flush()
    return result


def lock_batch(batch: Batch) -> None:
    """Make kits of one batch be planned one request at a time until each commits, so the second
    of two simultaneous consignments sees the kits of the first (else a site got two live kits).

    A row lock on PostgreSQL; on SQLite (where FOR UPDATE is no SQL) the callers take turns in
    `one_writer`.
    """
    db.session.execute(select(Batch.id).where(Batch.id == batch.id).with_for_update())


def shipment_or_404(shipment_id) -> Shipment:
    shipment = by_id(Shipment, shipment_id)
    if shipment is None:
        raise NotFound(_("No such shipment."))
    return shipment


def kit_or_404(serial: str) -> Shipment:
    shipment = db.session.scalar(select(Shipment).where(Shipment.serial == serial))
    if shipment is None:
        raise NotFound(_("No kit with serial %(serial)s.", serial=serial))
    return shipment


def may_receive(user: User, shipment: Shipment) -> bool:
    """The site's operator, or an officer of its area, may confirm a kit received."""
    if user.role == "operator":
        return shipment.site_id == user.site_id
    return can_change_shipment(user, shipment)


def set_status(shipment: Shipment, status: str, *, user: User, received_by: str | None = None,
               now: datetime | None = None) -> bool:
    """Move a kit forward; returns False when it already had this status (nothing to do)."""
    if status not in SHIPMENT_STATUSES:
        raise Invalid(_("status must be one of %(s)s.", s=", ".join(SHIPMENT_STATUSES)))
    if user.role == "operator":
        if shipment.site_id != user.site_id:
            raise Forbidden(_("This kit was sent to another site."))
        if status != "received":
            raise Forbidden(_("A site operator may only confirm a kit received."))
    elif not can_change_shipment(user, shipment):
        raise Forbidden(_("This site is outside your area."))
    if status == shipment.status:
        return False
    if STATUS_RANK[status] <= STATUS_RANK[shipment.status]:
        raise Conflict(_("A kit's status moves forward only: it is %(old)s, it cannot become %(new)s.",
                         old=STATUS_LABELS[shipment.status], new=STATUS_LABELS[status]))
    now = now or datetime.now(UTC)
    if status == "sent":
        shipment.sent_at = now
    elif status == "received":
        shipment.received_at = now
        shipment.received_by = ((received_by or "").strip() or user.username)[:100]
    elif status == "verified":
        shipment.verified_at = now
    shipment.status = status
    return True


def replace(shipment: Shipment, *, user: User) -> Shipment:
    """Plan a new kit for a lost or damaged one, linked to it."""
    if not can_change_shipment(user, shipment):
        raise Forbidden(_("This site is outside your area."))
    if shipment.status not in ("lost", "damaged"):
        raise Conflict(_("Only a lost or damaged kit is replaced."))
    lock_batch(shipment.batch)
    if db.session.scalar(select(Shipment.id).where(Shipment.replaces_id == shipment.id)):
        raise Conflict(_("This kit has already been replaced."))
    if db.session.scalar(select(Shipment.serial).where(
            Shipment.site_id == shipment.site_id, Shipment.batch_id == shipment.batch_id,
            Shipment.status.not_in(ENDINGS))):
        raise Conflict(_("The site already has a kit of this batch on its way or in hand."))
    new = Shipment(batch=shipment.batch, site=shipment.site, form=shipment.form,
                   copies=shipment.copies, status="planned", replaces_id=shipment.id,
                   serial=next_serial(shipment.batch, shipment.site, set()))
    db.session.add(new)
    db.session.flush()
    return new


def shipments_query(user: User, *, batch: Batch | None = None, site: Site | None = None,
                    status: str | None = None, township: Unit | None = None) -> Select:
    query = visible_shipments(user)
    if batch is not None:
        query = query.where(Shipment.batch_id == batch.id)
    if site is not None:
        query = query.where(Shipment.site_id == site.id)
    if status:
        if status not in SHIPMENT_STATUSES:
            raise Invalid(_("status must be one of %(s)s.", s=", ".join(SHIPMENT_STATUSES)))
        query = query.where(Shipment.status == status)
    if township is not None:
        query = query.where(Site.unit_id.in_(subtree_ids(township.id)))
    return query.order_by(Site.code, Shipment.created_at)


def status_counts(user: User, batch: Batch, township: Unit | None = None) -> dict[str, int]:
    """How many of the batch's kits (in the caller's area, or one township) have each status."""
    found = dict(db.session.execute(
        shipments_query(user, batch=batch, township=township)
        .with_only_columns(Shipment.status, func.count(Shipment.id))
        .group_by(Shipment.status).order_by(None)).all())
    return {status: found[status] for status in SHIPMENT_STATUSES if found.get(status)}


def status_counts_by_batch(user: User) -> dict[uuid.UUID, dict[str, int]]:
    """For every batch, how many of its kits in the caller's area have each status."""
    counts: dict[uuid.UUID, dict[str, int]] = {}
    for batch_id, status, n in db.session.execute(
        shipments_query(user).with_only_columns(
            Shipment.batch_id, Shipment.status, func.count(Shipment.id))
        .group_by(Shipment.batch_id, Shipment.status).order_by(None)
    ):
        counts.setdefault(batch_id, {})[status] = n
    return counts


def replaced_ids(batch: Batch) -> set[uuid.UUID]:
    """The kits of a batch that a replacement was planned for."""
    return set(db.session.scalars(select(Shipment.replaces_id).where(
        Shipment.batch_id == batch.id, Shipment.replaces_id.is_not(None))))


def send_planned(user: User, batch: Batch, township: Unit | None = None) -> list[Shipment]:
    """Mark sent every planned kit of the batch in the caller's area (or one township)."""
    kits = db.session.scalars(
        shipments_query(user, batch=batch, township=township, status="planned")).all()
    for kit in kits:
        set_status(kit, "sent", user=user)
    return kits

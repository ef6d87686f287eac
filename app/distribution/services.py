"""Distribution: batches of titles, kits consigned to sites, their status, and who holds what.

A site holds a title when a scan saw a file of it there (`seen`) or a kit of a batch carrying it
was received there (`received`, also when the kit was later verified). A site holds a series when
it holds at least one title of it, and holds it completely when it holds every title of it.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, String, func, select, true, type_coerce

from ..auth.access import can_see_site, unit_subtree_ids, visible_sites
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..extensions import db
from ..lookup import by_id, chunks
from ..models import (
    Batch,
    BatchItem,
    FileEntry,
    LibraryRoot,
    MediaFile,
    Shipment,
    Site,
    Title,
    Unit,
    User,
)
from ..models.distribution import FORMS, SHIPMENT_STATUSES
from ..models.places import SITE_KINDS

# Forward only: a status may move to one of higher rank; the three endings are final.
STATUS_RANK = {"planned": 0, "sent": 1, "received": 2, "verified": 3,
               "lost": 4, "damaged": 4, "returned": 4}
ENDINGS = ("lost", "damaged", "returned")
HELD = ("received", "verified")
VERIFIABLE = ("sent", "received")
DEFAULT_COVERAGE_RULES = {"*": ["playback_point"]}  # every playback point must hold every series
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
KIND_PLURALS = {
    "station": _l("stations"),
    "playback_point": _l("playback points"),
    "center_household": _l("center households"),
    "demo_household": _l("demo households"),
    "local_talent": _l("local talents"),
    "tech_association": _l("tech associations"),
}


# --- batches --------------------------------------------------------------------------------

def today() -> date:
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def create_batch(name: str, form: str, title_ids: Iterable, *, made_on: date | None = None,
                 notes: str | None = None) -> Batch:
    """Make a batch of titles in a form; a batch with no titles, or an unknown title, is refused."""
    name = (name or "").strip()
    if not name:
        raise Invalid(_("A batch needs a name."))
    if len(name) > 200:
        raise Invalid(_("The name is longer than 200 characters."))
    if form not in FORMS:
        raise Invalid(_("form must be one of %(forms)s.", forms=", ".join(FORMS)))
    titles, unknown = {}, []
    for value in dict.fromkeys(str(t) for t in title_ids):
        title = by_id(Title, value)
        if title is None:
            unknown.append(value)
        else:
            titles[title.id] = title  # one id may come spelt twice (upper case, no hyphens)
    if unknown:
        raise Invalid(_("Unknown titles: %(ids)s.", ids=", ".join(unknown)))
    if not titles:
        raise Invalid(_("A batch needs at least one title."))
    batch = Batch(name=name, form=form, made_on=made_on or today(), notes=notes or None)
    db.session.add(batch)
    for title_id in titles:
        db.session.add(BatchItem(batch=batch, title_id=title_id))
    db.session.flush()
    return batch


def batch_or_404(batch_id) -> Batch:
    batch = by_id(Batch, batch_id)
    if batch is None:
        raise NotFound(_("No such batch."))
    return batch


def batch_titles(batch: Batch) -> list[Title]:
    return db.session.scalars(
        select(Title).join(BatchItem, BatchItem.title_id == Title.id)
        .where(BatchItem.batch_id == batch.id).order_by(Title.name_pinyin)).all()


def batch_dict(batch: Batch, user: User) -> dict:
    """A batch for the API; its kits per status are those of the caller's area, as on the pages."""
    return {
        "id": str(batch.id), "name": batch.name, "form": batch.form,
        "made_on": batch.made_on.isoformat() if batch.made_on else None, "notes": batch.notes,
        "titles": [str(i.title_id) for i in batch.items],
        "shipments": status_counts(user, batch),
    }


# --- choosing sites -------------------------------------------------------------------------

def _units_named(names: Iterable[str], kinds: tuple[str, ...]) -> set[uuid.UUID]:
    ids: set[uuid.UUID] = set()
    unknown = []
    for name in dict.fromkeys(n.strip() for n in names if n and n.strip()):
        found = db.session.scalars(select(Unit.id).where(Unit.name == name, Unit.kind.in_(kinds))).all()
        if not found:
            unknown.append(name)
        for unit_id in found:
            ids |= unit_subtree_ids(unit_id)
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
    return user.role in ("admin", "township") and can_see_site(user, shipment.site)


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
    elif not (user.role in ("admin", "township") and can_see_site(user, shipment.site)):
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
    if not (user.role in ("admin", "township") and can_see_site(user, shipment.site)):
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


def shipment_dict(shipment: Shipment) -> dict:
    def iso(value):
        return value.isoformat() if value else None

    return {
        "id": str(shipment.id), "site": shipment.site.code, "status": shipment.status,
        "copies": shipment.copies, "form": shipment.form, "serial": shipment.serial,
        "batch": str(shipment.batch_id), "sent_at": iso(shipment.sent_at),
        "received_at": iso(shipment.received_at), "received_by": shipment.received_by,
        "verified_at": iso(shipment.verified_at),
        "replaces": str(shipment.replaces_id) if shipment.replaces_id else None,
    }


def shipments_query(user: User, *, batch: Batch | None = None, site: Site | None = None,
                    status: str | None = None, township: Unit | None = None) -> Select:
    query = select(Shipment).join(Site, Shipment.site_id == Site.id).where(
        Site.id.in_(visible_sites(user).with_only_columns(Site.id)))
    if batch is not None:
        query = query.where(Shipment.batch_id == batch.id)
    if site is not None:
        query = query.where(Shipment.site_id == site.id)
    if status:
        if status not in SHIPMENT_STATUSES:
            raise Invalid(_("status must be one of %(s)s.", s=", ".join(SHIPMENT_STATUSES)))
        query = query.where(Shipment.status == status)
    if township is not None:
        query = query.where(Site.unit_id.in_(unit_subtree_ids(township.id)))
    return query.order_by(Site.code, Shipment.created_at)


def status_counts(user: User, batch: Batch, township: Unit | None = None) -> dict[str, int]:
    """How many of the batch's kits (in the caller's area, or one township) have each status."""
    found = dict(db.session.execute(
        shipments_query(user, batch=batch, township=township)
        .with_only_columns(Shipment.status, func.count(Shipment.id))
        .group_by(Shipment.status).order_by(None)).all())
    return {status: found[status] for status in SHIPMENT_STATUSES if found.get(status)}


# --- automatic verification -----------------------------------------------------------------

def present_titles(site: Site) -> set[uuid.UUID]:
    """The titles with a file present at a site now."""
    return set(db.session.scalars(
        select(MediaFile.title_id).distinct()
        .join(FileEntry, FileEntry.media_file_id == MediaFile.id)
        .join(LibraryRoot, FileEntry.root_id == LibraryRoot.id)
        .where(LibraryRoot.site_id == site.id, FileEntry.missing.is_(False),
               MediaFile.title_id.is_not(None))))


def verify_site(site: Site, now: datetime | None = None) -> list[Shipment]:
    """Mark verified the sent or received kits of a site whose every title has a file there."""
    kits = db.session.scalars(select(Shipment).where(
        Shipment.site_id == site.id, Shipment.status.in_(VERIFIABLE))).all()
    if not kits:
        return []
    present = present_titles(site)
    now = now or datetime.now(UTC)
    done = []
    for kit in kits:
        titles = {item.title_id for item in kit.batch.items}
        if titles and titles <= present:
            kit.status, kit.verified_at = "verified", now
            done.append(kit)
    return done


def verify_after_scan(site: Site) -> None:
    """The scan listener: the scan owns the transaction and commits after its listeners."""
    verify_site(site)


# --- holdings: whereis and coverage ---------------------------------------------------------

@dataclass
class Holder:
    site: Site
    township: str | None
    village: str | None
    how: set[str] = field(default_factory=set)
    titles: set[uuid.UUID] = field(default_factory=set)
    serials: set[str] = field(default_factory=set)


class Places:
    """Township and village of every unit, read once (walking parents row by row is slow)."""

    def __init__(self):
        self.units = {u.id: (u.parent_id, u.kind, u.name) for u in db.session.execute(
            select(Unit.id, Unit.parent_id, Unit.kind, Unit.name))}

    def up(self, unit_id, kinds: tuple[str, ...]) -> str | None:
        while unit_id is not None and unit_id in self.units:
            parent, kind, name = self.units[unit_id]
            if kind in kinds:
                return name
            unit_id = parent
        return None

    def township(self, unit_id) -> str | None:
        return self.up(unit_id, ("township",))

    def village(self, unit_id) -> str | None:
        return self.up(unit_id, ("village", "community"))


def series_titles(series: str) -> list[uuid.UUID]:
    ids = db.session.scalars(select(Title.id).where(Title.series == series)).all()
    if not ids:
        raise NotFound(_("No title belongs to the series %(s)s.", s=series))
    return list(ids)


def holdings(user: User, title_ids: list[uuid.UUID]) -> dict[uuid.UUID, Holder]:
    """Every site of the caller's area holding any of the titles, and how."""
    held = _held(user, title_ids)
    sites = _sites(user, set(held))
    places = Places()
    found: dict[uuid.UUID, Holder] = {}
    for site_id, (how, titles, serials) in held.items():
        site = sites[site_id]
        found[site_id] = Holder(site, places.township(site.unit_id), places.village(site.unit_id),
                                how, titles, serials)
    return found


def _held(user: User, title_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[set, set, set]]:
    """holdings() without the sites: site id -> (how, titles, kit serials).

    Kits are read one row per kit, not per kit and title: a kit holds its batch's titles, and a
    batch's titles are read once (a series across the network is tens of thousands of pairs).
    """
    # an administrator sees every site: no condition, rather than IN (every site's id)
    in_scope = ((lambda column: true()) if user.role == "admin" else
                (lambda column: column.in_(visible_sites(user).with_only_columns(Site.id))))
    title_ids = list(title_ids)
    uuids = _Uuids()
    batches: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for batch_id, title_id in db.session.execute(
            select(BatchItem.batch_id, BatchItem.title_id).where(BatchItem.title_id.in_(title_ids))):
        batches[batch_id].add(title_id)
    kits = db.session.execute(
        select(_raw(Shipment.site_id), Shipment.batch_id, Shipment.serial)
        .where(Shipment.batch_id.in_(list(batches)), Shipment.status.in_(HELD),
               in_scope(Shipment.site_id))).all() if batches else []
    seen = db.session.execute(
        select(_raw(LibraryRoot.site_id), _raw(MediaFile.title_id)).distinct()
        .join(FileEntry, FileEntry.root_id == LibraryRoot.id)
        .join(MediaFile, FileEntry.media_file_id == MediaFile.id)
        .where(MediaFile.title_id.in_(title_ids), FileEntry.missing.is_(False),
               in_scope(LibraryRoot.site_id))).all()
    held: dict[uuid.UUID, tuple[set, set, set]] = {}
    for site_id, title_id in seen:
        how, titles, _serials = held.setdefault(uuids(site_id), (set(), set(), set()))
        how.add("seen")
        titles.add(uuids(title_id))
    for site_id, batch_id, serial in kits:
        how, titles, serials = held.setdefault(uuids(site_id), (set(), set(), set()))
        how.add("received")
        titles.update(batches[batch_id])
        if serial:
            serials.add(serial)
    return held


def _raw(column):
    """An id column as the driver reads it (a hex string on SQLite): see _Uuids."""
    return type_coerce(column, String)


class _Uuids:
    """Make UUIDs of ids read raw, once per distinct id: many rows repeat a few sites and titles."""

    def __init__(self):
        self.known: dict = {}

    def __call__(self, value) -> uuid.UUID:
        found = self.known.get(value)
        if found is None:
            found = self.known[value] = value if isinstance(value, uuid.UUID) else uuid.UUID(value)
        return found


def _sites(user: User, ids: set[uuid.UUID]) -> dict[uuid.UUID, Site]:
    """The sites of these ids: when they are most of the caller's area, all of it in one read."""
    if len(ids) > 500:
        return {s.id: s for s in db.session.scalars(visible_sites(user)) if s.id in ids}
    sites: dict[uuid.UUID, Site] = {}
    for chunk in chunks(ids):
        sites.update({s.id: s for s in db.session.scalars(select(Site).where(Site.id.in_(chunk)))})
    return sites


def holder_dict(h: Holder, of: int) -> dict:
    return {
        "site": h.site.code, "name": h.site.name, "kind": h.site.kind,
        "township": h.township, "village": h.village,
        "how": sorted(h.how), "titles": len(h.titles), "of": of,
        "complete": len(h.titles) >= of, "serials": sorted(h.serials),
    }


def sorted_holders(found: dict[uuid.UUID, Holder]) -> list[Holder]:
    return sorted(found.values(), key=lambda h: (h.township or "", h.site.code))


@dataclass
class CoverageRow:
    township: str | None
    kind: str
    total: int = 0
    holding: int = 0
    complete: int = 0
    required: bool = False
    short: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"township": self.township, "kind": self.kind, "holding": self.holding,
                "complete": self.complete, "total": self.total, "required": self.required,
                "short": self.short}


def required_kinds(series: str) -> list[str]:
    rules = current_app.config.get("COVERAGE_RULES") or DEFAULT_COVERAGE_RULES
    return list(rules.get(series, rules.get("*", [])))


def coverage(user: User, series: str) -> tuple[list[CoverageRow], int]:
    """Per township and site kind of the caller's area: active sites holding the series / all."""
    title_ids = series_titles(series)
    found = _held(user, title_ids)
    places = Places()
    required = set(required_kinds(series))
    rows: dict[tuple[str | None, str], CoverageRow] = {}
    for site_id, code, kind, unit_id in db.session.execute(
        visible_sites(user).where(Site.active.is_(True))
        .with_only_columns(Site.id, Site.code, Site.kind, Site.unit_id).order_by(Site.code)
    ):
        township = places.township(unit_id)
        row = rows.setdefault((township, kind), CoverageRow(township, kind, required=kind in required))
        row.total += 1
        h = found.get(site_id)
        if h is None:
            row.short.append(code)
            continue
        row.holding += 1
        if len(h[1]) >= len(title_ids):
            row.complete += 1
    kind_order = {k: i for i, k in enumerate(SITE_KINDS)}
    ordered = sorted(rows.values(), key=lambda r: (r.township or "", kind_order.get(r.kind, 99)))
    return ordered, len(title_ids)


def township_lines(series: str, rows: list[CoverageRow]) -> list[dict]:
    """One line per township: "农村实用科技: 163/169 playback points, 1102/1265 center households"."""
    by_township: dict[str | None, list[CoverageRow]] = {}
    for row in rows:
        by_township.setdefault(row.township, []).append(row)
    lines = []
    for township, group in by_township.items():
        parts = ", ".join(f"{r.holding}/{r.total} {KIND_PLURALS.get(r.kind, r.kind)}" for r in group)
        lines.append({"township": township,
                      "kinds": [{"kind": r.kind, "holding": r.holding, "total": r.total}
                                for r in group],
                      "line": f"{series}: {parts}"})
    return lines


def township_or_404(name: str | None) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.kind == "township", Unit.name == (name or "")))
    if unit is None:
        raise NotFound(_("No township named %(name)s.", name=name or ""))
    return unit


def batch_townships(user: User, batch: Batch) -> list[tuple[str, int]]:
    """The townships this batch was consigned to (in the caller's area), with their kit counts."""
    places = Places()
    counts: dict[str, int] = defaultdict(int)
    for (unit_id,) in db.session.execute(
        shipments_query(user, batch=batch).with_only_columns(Site.unit_id).order_by(None)
    ):
        counts[places.township(unit_id) or ""] += 1
    return sorted(counts.items())

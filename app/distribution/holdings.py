"""Holdings (whereis): which sites hold a title or a series, and how.

A site holds a title when a scan saw a file of it there (`seen`) or a kit of a batch carrying it
was received there (`received`, also when the kit was later verified). A site holds a series when
it holds at least one title of it, and holds it completely when it holds every title of it.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import String, select, true, type_coerce

from ..auth.scope import visible_sites
from ..errors import NotFound
from ..extensions import db
from ..lookup import chunks
from ..models import BatchItem, FileEntry, LibraryRoot, MediaFile, Shipment, Site, Title, User
from ..models.distribution import KITS_IN_HAND
from ..places.tree import Tree


@dataclass
class Holder:
    site: Site
    township: str | None
    village: str | None
    how: set[str] = field(default_factory=set)
    titles: set[uuid.UUID] = field(default_factory=set)
    serials: set[str] = field(default_factory=set)


def series_titles(series: str) -> list[uuid.UUID]:
    ids = db.session.scalars(select(Title.id).where(Title.series == series)).all()
    if not ids:
        raise NotFound(_("No title belongs to the series %(s)s.", s=series))
    return list(ids)


def holdings(user: User, title_ids: list[uuid.UUID]) -> dict[uuid.UUID, Holder]:
    """Every site of the caller's area holding any of the titles, and how."""
    held = held_by_site(user, title_ids)
    sites = _sites(user, set(held))
    places = Tree()
    found: dict[uuid.UUID, Holder] = {}
    for site_id, (how, titles, serials) in held.items():
        site = sites[site_id]
        found[site_id] = Holder(site, places.township(site.unit_id), places.village(site.unit_id),
                                how, titles, serials)
    return found


def held_by_site(user: User, title_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[set, set, set]]:
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
        .where(Shipment.batch_id.in_(list(batches)), Shipment.status.in_(KITS_IN_HAND),
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

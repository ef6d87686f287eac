"""A batch's manifest (the SHA-256 of each file it carries) and kits verified against it.

When a batch is made, the files the station holds of each of its titles are recorded: their
hashes, sizes and names (sites of kind "station" are the hub's own library). A kit is verified
when its site's scans hold every hash of the manifest; a site holding another file of a title (an
older encoding, another part) is not verified by it. A title of which the station held no file
when the batch was made has no hash to check: any file of it at the site counts, as it did
before manifests (and for batches made before them).

Verification runs after every scan of a site (the scan_finished signal), at the hub or at the
site itself: the manifest travels to the site with its batch.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from ..extensions import db
from ..models import (
    Batch,
    BatchItem,
    BatchManifest,
    FileEntry,
    LibraryRoot,
    MediaFile,
    Shipment,
    Site,
    Title,
)

VERIFIABLE = ("sent", "received")
NAME_MAX = 300


def record_manifest(batch: Batch, title_ids: Iterable[uuid.UUID]) -> list[BatchManifest]:
    """Record the station's present files of the batch's titles (call once, as it is made)."""
    db.session.flush()  # the batch's id
    stations = select(Site.id).where(Site.kind == "station")
    rows = db.session.execute(
        select(MediaFile.title_id, MediaFile.sha256, MediaFile.size, FileEntry.relpath)
        .join(FileEntry, FileEntry.media_file_id == MediaFile.id)
        .join(LibraryRoot, FileEntry.root_id == LibraryRoot.id)
        .where(LibraryRoot.site_id.in_(stations), FileEntry.missing.is_(False),
               MediaFile.title_id.in_(list(title_ids)), MediaFile.sha256.is_not(None))
        .order_by(FileEntry.relpath))
    made: dict[str, BatchManifest] = {}
    for title_id, sha256, size, relpath in rows:
        if sha256 not in made:  # one file may sit in two station folders
            made[sha256] = BatchManifest(batch_id=batch.id, title_id=title_id, sha256=sha256,
                                         size=size, name=relpath.rsplit("/", 1)[-1][:NAME_MAX])
            db.session.add(made[sha256])
    return list(made.values())


def manifest(batch: Batch) -> list[BatchManifest]:
    """The batch's files, by title name then file name."""
    return list(db.session.scalars(
        select(BatchManifest).join(Title, BatchManifest.title_id == Title.id)
        .where(BatchManifest.batch_id == batch.id)
        .order_by(Title.name_pinyin, BatchManifest.name)))


def present_hashes(site: Site) -> set[str]:
    """The SHA-256 of the files present at a site now (as its scans saw them)."""
    return set(db.session.scalars(
        select(MediaFile.sha256).join(FileEntry, FileEntry.media_file_id == MediaFile.id)
        .join(LibraryRoot, FileEntry.root_id == LibraryRoot.id)
        .where(LibraryRoot.site_id == site.id, FileEntry.missing.is_(False),
               MediaFile.sha256.is_not(None))))


def present_titles(site: Site) -> set[uuid.UUID]:
    """The titles with a file present at a site now."""
    return set(db.session.scalars(
        select(MediaFile.title_id).distinct()
        .join(FileEntry, FileEntry.media_file_id == MediaFile.id)
        .join(LibraryRoot, FileEntry.root_id == LibraryRoot.id)
        .where(LibraryRoot.site_id == site.id, FileEntry.missing.is_(False),
               MediaFile.title_id.is_not(None))))


@dataclass(frozen=True)
class Missing:
    """A file of a kit's manifest not at its site (sha256 None: a title with no recorded file)."""

    title: str
    name: str | None
    sha256: str | None
    size: int | None

    def as_dict(self) -> dict:
        return {"title": self.title, "name": self.name, "sha256": self.sha256, "size": self.size}


def _batch_needs(batch_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, tuple[list, list]]:
    """Per batch: its manifest rows, and its titles that have none."""
    ids = list(batch_ids)
    needs: dict[uuid.UUID, tuple[list, list]] = {i: ([], []) for i in ids}
    recorded: dict[uuid.UUID, set[uuid.UUID]] = {i: set() for i in ids}
    for row, name in db.session.execute(
            select(BatchManifest, Title.name).join(Title, BatchManifest.title_id == Title.id)
            .where(BatchManifest.batch_id.in_(ids))
            .order_by(Title.name_pinyin, BatchManifest.name)):
        needs[row.batch_id][0].append((row, name))
        recorded[row.batch_id].add(row.title_id)
    for batch_id, title_id, name in db.session.execute(
            select(BatchItem.batch_id, BatchItem.title_id, Title.name)
            .join(Title, BatchItem.title_id == Title.id).where(BatchItem.batch_id.in_(ids))
            .order_by(Title.name_pinyin)):
        if title_id not in recorded[batch_id]:
            needs[batch_id][1].append((title_id, name))
    return needs


def _missing(needs: tuple[list, list], hashes: set[str], titles: set[uuid.UUID]) -> list[Missing]:
    files, bare = needs
    return ([Missing(name, row.name, row.sha256, row.size) for row, name in files
             if row.sha256 not in hashes]
            + [Missing(name, None, None, None) for title_id, name in bare
               if title_id not in titles])


def missing_files(kit: Shipment) -> list[Missing]:
    """What of the kit's manifest its site's scans have not seen (empty: all there)."""
    needs = _batch_needs([kit.batch_id])[kit.batch_id]
    return _missing(needs, present_hashes(kit.site), present_titles(kit.site))


def verify_site(site: Site, now: datetime | None = None) -> list[Shipment]:
    """Mark verified the sent or received kits of a site whose every manifest file is there."""
    kits = db.session.scalars(select(Shipment).where(
        Shipment.site_id == site.id, Shipment.status.in_(VERIFIABLE))).all()
    if not kits:
        return []
    needs = _batch_needs({kit.batch_id for kit in kits})
    hashes, titles = present_hashes(site), present_titles(site)
    now = now or datetime.now(UTC)
    done = []
    for kit in kits:
        files, bare = needs[kit.batch_id]
        if (files or bare) and not _missing(needs[kit.batch_id], hashes, titles):
            kit.status, kit.verified_at = "verified", now
            done.append(kit)
    return done


def verify_after_scan(_app, *, site: Site) -> None:
    """The scan_finished receiver: the scan owns the transaction and commits after its receivers."""
    verify_site(site)

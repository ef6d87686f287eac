"""A screening's playlist: items named by hash, file or title turned into rows, the facts the
planning checks need about each item, and the titles the planning form offers."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from schedules.checks import PlanItem

from ..auth.scope import visible_sites
from ..catalog.approval import approved_for, unapproved
from ..catalog.titles import file_visible
from ..catalog.volumes import offline_labels
from ..errors import Invalid
from ..extensions import db
from ..lookup import by_id
from ..models import (
    BatchItem,
    FileEntry,
    LibraryRoot,
    MediaFile,
    ScreeningItem,
    Shipment,
    Site,
    Title,
    TitleApproval,
    User,
)


def _media_at_site(site: Site):
    """A subquery of the media file ids present at a site now (not on a volume that is out)."""
    return (
        select(FileEntry.media_file_id)
        .join(LibraryRoot, FileEntry.root_id == LibraryRoot.id)
        .where(LibraryRoot.site_id == site.id, FileEntry.missing.is_(False),
               LibraryRoot.offline_since.is_(None), FileEntry.media_file_id.is_not(None))
    )


def resolve_items(site: Site, items: Iterable[dict], *,
                  viewer: User | None = None) -> list[ScreeningItem]:
    """Turn [{sha256} | {title_id} | {file_id}] into unsaved playlist rows; unknown ones are 422.

    With a `viewer` (a user planning through a page or the API), a file none of their sites
    holds is unknown too, with the same answer, so a hash does not tell where it exists.
    """
    rows = []
    for position, spec in enumerate(items or []):
        n = position + 1
        if not isinstance(spec, dict):
            raise Invalid(_("Playlist item %(n)d is not an object with sha256 or title_id.", n=n))
        media = title = None
        if spec.get("sha256"):
            media = _usable(db.session.scalar(
                select(MediaFile).where(MediaFile.sha256 == str(spec["sha256"]).lower())), viewer)
            if media is None:
                raise Invalid(_("Playlist item %(n)d: no file with SHA-256 %(sha)s in the catalog.",
                                n=n, sha=spec["sha256"]))
        elif spec.get("file_id"):
            media = _usable(by_id(MediaFile, spec["file_id"]), viewer)
            if media is None:
                raise Invalid(_("Playlist item %(n)d: no such file in the catalog.", n=n))
        elif spec.get("title_id"):
            title = by_id(Title, spec["title_id"])
            if title is None:
                raise Invalid(_("Playlist item %(n)d: no title with id %(id)s.", n=n,
                                id=spec["title_id"]))
        else:
            raise Invalid(_("Playlist item %(n)d is not an object with sha256 or title_id.", n=n))
        rows.append(ScreeningItem(position=position, media_file=media,
                                  title=title or (media.title if media else None)))
    return rows


def _usable(media: MediaFile | None, viewer: User | None) -> MediaFile | None:
    """The file if the viewer may see it (as for attaching files to a title), else None."""
    if media is None or viewer is None or file_visible(media, viewer):
        return media
    return None


def playlist_key(items: Iterable[ScreeningItem]) -> list[tuple]:
    """What a playlist plays, to tell whether two playlists are the same."""
    return [(i.title.id if i.title else None, i.media_file.id if i.media_file else None)
            for i in items]


def plan_item(site: Site, row: ScreeningItem, viewer: User | None = None) -> PlanItem:
    """What the planning checks need to know of a playlist row at a site: its length, whether
    it is approved and held here, and else where it is held or which consignment brings it."""
    present = set(db.session.scalars(_media_at_site(site)))
    if row.media_file is not None:
        files = [row.media_file]
        name = row.title.name if row.title else file_name(row.media_file)
    else:
        files = list(row.title.files)
        name = row.title.name
    here = [f for f in files if f.id in present]
    chosen = here[0] if here else (files[0] if files else None)
    holders = []
    if not here and files:
        query = (
            select(Site.code).join(LibraryRoot, LibraryRoot.site_id == Site.id)
            .join(FileEntry, FileEntry.root_id == LibraryRoot.id)
            .where(FileEntry.media_file_id.in_([f.id for f in files]),
                   FileEntry.missing.is_(False)))
        if viewer is not None:  # never name a site the planner may not see
            query = query.where(Site.id.in_(visible_sites(viewer).with_only_columns(Site.id)))
        holders = sorted(set(db.session.scalars(query)))
    discs = sorted(set(offline_labels(site, [f.id for f in files]).values())) if not here else []
    on_the_way = []
    if not here and row.title is not None:
        on_the_way = sorted(db.session.scalars(
            select(Shipment.serial).join(BatchItem, BatchItem.batch_id == Shipment.batch_id)
            .where(Shipment.site_id == site.id, BatchItem.title_id == row.title.id,
                   Shipment.status.in_(("planned", "sent")))).all(), key=str)
    return PlanItem(
        key=str(row.media_file.sha256 if row.media_file else row.title.id), name=name,
        duration_s=chosen.duration_s if chosen else None,
        approved=bool(row.title and approved_for(row.title, site)), held_here=bool(here),
        held_at=tuple(holders), on_the_way=tuple(s or "" for s in on_the_way),
        on_discs=tuple(discs))


def file_name(media: MediaFile) -> str:
    """A file's name where a title has none: its first path's last part, else its hash's start."""
    entry = media.entries[0] if media.entries else None
    return entry.relpath.rsplit("/", 1)[-1] if entry else (media.sha256 or "")[:12]


def title_choices(site: Site) -> list[tuple[str, str]]:
    """The planning form's titles: those held at the site first (approved first), then other
    approved titles, each noted when not held here or not approved."""
    held = set(db.session.scalars(
        select(MediaFile.title_id).join(FileEntry, FileEntry.media_file_id == MediaFile.id)
        .join(LibraryRoot).where(LibraryRoot.site_id == site.id, FileEntry.missing.is_(False))))
    townships = select(TitleApproval.title_id).where(
        TitleApproval.unit_id.in_([u.id for u in site.unit.lineage()]),
        TitleApproval.withdrawn_at.is_(None))
    titles = db.session.scalars(select(Title).where(
        Title.id.in_(held) | Title.approved.is_(True) | Title.id.in_(townships))
        .order_by(Title.name_pinyin)).all()
    refused = {t.id for t in unapproved(titles, [site]).get(site.id, [])}
    titles.sort(key=lambda t: (t.id not in held, t.id in refused))
    return [(str(t.id), t.name + ("" if t.id in held else " · " + _("not held here"))
             + ("" if t.id not in refused else " · " + _("not approved"))) for t in titles]

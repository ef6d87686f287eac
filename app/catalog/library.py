"""A site's library as its page shows it: the folders, how many videos each holds, the last
scans, and a scan job by its id."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from ..extensions import db
from ..models import FileEntry, LibraryRoot, ScanJob, Site

RECENT_SCANS = 5


def library_roots(site: Site) -> list[LibraryRoot]:
    """The site's library folders."""
    return list(db.session.scalars(select(LibraryRoot).where(LibraryRoot.site_id == site.id)))


def present_counts(roots: list[LibraryRoot]) -> dict[uuid.UUID, int]:
    """How many files a scan saw present in each folder, by folder id (a folder without any
    is left out)."""
    return dict(db.session.execute(
        select(FileEntry.root_id, func.count(FileEntry.id))
        .where(FileEntry.root_id.in_([r.id for r in roots]), FileEntry.missing.is_(False))
        .group_by(FileEntry.root_id)).all())


def recent_scans(site: Site, limit: int = RECENT_SCANS) -> list[ScanJob]:
    """The site's last scan jobs, newest first."""
    return list(db.session.scalars(select(ScanJob).where(ScanJob.site_id == site.id)
                                   .order_by(ScanJob.created_at.desc()).limit(limit)))


def scan_job(job_id: str) -> ScanJob | None:
    """The scan job of this id, None for an unknown or malformed one."""
    try:
        return db.session.get(ScanJob, uuid.UUID(job_id))
    except ValueError:
        return None

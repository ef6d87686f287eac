"""The integrity check: re-hash the library's copies and mark those whose bytes went bad.

A rescan never re-reads a file whose size and mtime are unchanged, so a scratched disc or a
failing stick is only noticed here. Each present copy with a known SHA-256 is re-read
(media_index/integrity.py) in this order: first the copies of what the next FSCK_SOON_DAYS'
screenings will play, then the others, least recently checked first. A copy whose bytes no
longer match with size and mtime unchanged is marked damaged, with the time it was found; a
copy that reads right again is no longer damaged. A copy written since its scan ("changed") or
gone is left to the next scan.

`dianjiao fsck` runs one pass over every copy now (`run_pass`); `dianjiao serve` runs a slice
of the due copies every FSCK_EVERY_MIN, paced at FSCK_MAX_MBPS (`run_slice`).
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from media_index.integrity import CHANGED, DAMAGED, GONE, OK, Cancelled, Pacer, rehash

from ..clock import now as utcnow
from ..errors import Invalid
from ..extensions import db
from ..models import FileEntry, LibraryRoot, MediaFile, Screening, ScreeningItem, Site
from .scanning import entry_files, entry_path

log = logging.getLogger(__name__)
ProgressCallback = Callable[[int, int, int, int], None]  # files done, total, bytes done, total


def local_sites() -> list[Site]:
    """The sites having a library folder on this machine (only their files can be re-read)."""
    found: dict[uuid.UUID, Site] = {}
    for root in db.session.scalars(select(LibraryRoot)):
        if root.site_id not in found and os.path.isdir(root.path):
            found[root.site_id] = root.site
    return sorted(found.values(), key=lambda s: s.code)


def _checkable(site_ids):
    """Present copies at these sites whose content has a SHA-256 to compare with (a volume
    that is out, a disc not in its drive, is left for when it is back)."""
    return (select(FileEntry).join(LibraryRoot).join(MediaFile,
                                                     FileEntry.media_file_id == MediaFile.id)
            .where(LibraryRoot.site_id.in_(site_ids), FileEntry.missing.is_(False),
                   LibraryRoot.offline_since.is_(None), MediaFile.sha256.is_not(None)))


def soon_media_ids(site_ids, now: datetime) -> set[uuid.UUID]:
    """The contents the planned screenings of the next FSCK_SOON_DAYS may play at these sites."""
    until = now + timedelta(days=float(current_app.config["FSCK_SOON_DAYS"]))
    rows = db.session.execute(
        select(ScreeningItem.media_file_id, ScreeningItem.title_id).join(Screening)
        .where(Screening.site_id.in_(site_ids), Screening.status == "planned",
               Screening.starts_at >= now - timedelta(hours=6), Screening.starts_at <= until))
    ids, titles = set(), set()
    for media_id, title_id in rows:
        if media_id is not None:
            ids.add(media_id)
        elif title_id is not None:
            titles.add(title_id)
    if titles:
        ids |= set(db.session.scalars(select(MediaFile.id).where(MediaFile.title_id.in_(titles))))
    return ids


def ordered_entries(site_ids, now: datetime, *, due_only: bool) -> list[uuid.UUID]:
    """The copies to check, in order: the next days' screenings' first, then the least recently
    checked. With `due_only`, only those due: soon ones not checked for a day, the others not
    for FSCK_CYCLE_DAYS (a copy never re-checked counts from when it was first seen)."""
    soon = soon_media_ids(site_ids, now)
    last = func.coalesce(FileEntry.checked_at, FileEntry.first_seen)
    rows = db.session.execute(
        _checkable(site_ids).with_only_columns(FileEntry.id, FileEntry.media_file_id, last)
        .order_by(last, FileEntry.relpath, FileEntry.id)).all()
    cycle = timedelta(days=float(current_app.config["FSCK_CYCLE_DAYS"]))
    first, rest = [], []
    for entry_id, media_id, checked in rows:
        is_soon = media_id in soon
        if due_only and checked is not None and now - checked < (
                timedelta(days=1) if is_soon else cycle):
            continue
        (first if is_soon else rest).append(entry_id)
    return first + rest


def _mark(entry: FileEntry, status: str, now: datetime) -> bool:
    """Record a verdict on the row; returns whether the copy is now newly found damaged."""
    if status == DAMAGED:
        newly = not entry.damaged
        if newly:
            entry.damaged, entry.damaged_at = True, now
        entry.checked_at = now
        return newly
    if status == OK and entry.damaged:
        entry.damaged, entry.damaged_at, entry.checked_at = False, None, now
        return False
    if status == OK:
        # Housekeeping only: keep updated_at, so a check alone sends nothing to the hub.
        db.session.execute(update(FileEntry).where(FileEntry.id == entry.id)
                           .values(checked_at=now, updated_at=entry.updated_at))
        db.session.expire(entry, ["checked_at"])
    return False


def check_entry(entry: FileEntry, *, now: datetime, pacer: Pacer | None = None,
                on_bytes: Callable[[int], None] | None = None) -> tuple[str, str | None]:
    """Re-hash one copy and record it; returns (verdict status, reason). The caller commits."""
    try:
        files = entry_files(entry)
    except Invalid:
        return "error", "the file's path leaves its library folder"
    verdict = rehash(files, size=entry.size, mtime_ns=entry.mtime_ns,
                     sha256=entry.media_file.sha256, pacer=pacer, on_bytes=on_bytes)
    _mark(entry, verdict.status, now)
    return verdict.status, verdict.reason


def damaged_dict(entry: FileEntry) -> dict:
    return {"path": entry_path(entry), "sha256": entry.media_file.sha256,
            "found": entry.damaged_at.isoformat() if entry.damaged_at else None}


def run_pass(sites: list[Site], *, due_only: bool = False, max_mbps: float | None = None,
             budget_s: float | None = None, should_stop: Callable[[], bool] = lambda: False,
             on_progress: ProgressCallback | None = None) -> dict:
    """Check the copies of these sites now (all, or only the due ones), committing each.

    Returns {checked, damaged: [{path, sha256, found}], errors: [{path, error}], seconds}:
    `damaged` lists every copy of these sites known damaged after the pass, `errors` the copies
    that could not be checked (gone, changed since their scan, unreadable).
    """
    started = time.monotonic()
    now = utcnow()
    site_ids = [s.id for s in sites]
    todo = ordered_entries(site_ids, now, due_only=due_only)
    sizes = dict(db.session.execute(select(FileEntry.id, FileEntry.size)
                                    .where(FileEntry.id.in_(todo))).all()) if todo else {}
    total_bytes = sum(sizes.values())
    pacer = Pacer(max_mbps, should_stop=should_stop)
    checked, done_bytes, errors = 0, 0, []

    def progress(n: int = 0) -> None:
        nonlocal done_bytes
        done_bytes += n
        if on_progress is not None:
            on_progress(checked, len(todo), done_bytes, total_bytes)

    progress()
    for entry_id in todo:
        if should_stop() or (budget_s is not None and time.monotonic() - started > budget_s):
            break
        entry = db.session.get(FileEntry, entry_id)
        before = done_bytes
        try:
            status, reason = check_entry(entry, now=utcnow(), pacer=pacer, on_bytes=progress)
        except Cancelled:
            db.session.rollback()
            break
        db.session.commit()
        checked += 1
        if status in (CHANGED, GONE, "error"):
            errors.append({"path": entry.relpath, "error": reason})
        elif status == DAMAGED:
            log.warning("damaged: %s (%s)", entry.relpath, reason or "content changed")
        progress(sizes.get(entry_id, 0) - (done_bytes - before))
    damaged = db.session.scalars(_checkable(site_ids).where(FileEntry.damaged.is_(True))
                                 .order_by(FileEntry.relpath))
    return {"checked": checked, "damaged": [damaged_dict(e) for e in damaged],
            "errors": errors, "seconds": round(time.monotonic() - started, 3)}


def run_slice(should_stop: Callable[[], bool] = lambda: False) -> dict:
    """Serve's job: the due copies of this machine's sites, paced, for at most FSCK_SLICE_MIN."""
    config = current_app.config
    sites = local_sites()
    if not sites:
        return {"checked": 0, "damaged": [], "errors": [], "seconds": 0}
    return run_pass(sites, due_only=True, max_mbps=float(config["FSCK_MAX_MBPS"]),
                    budget_s=float(config["FSCK_SLICE_MIN"]) * 60, should_stop=should_stop)


def damaged_copies(site: Site) -> list[tuple[FileEntry, list[FileEntry]]]:
    """The site's damaged copies, each with the sound copies of the same content at the site."""
    damaged = list(db.session.scalars(_checkable([site.id]).where(FileEntry.damaged.is_(True))
                                      .order_by(FileEntry.relpath)))
    if not damaged:
        return []
    sound: dict[uuid.UUID, list[FileEntry]] = {}
    for entry in db.session.scalars(_checkable([site.id]).where(
            FileEntry.damaged.is_(False),
            FileEntry.media_file_id.in_({e.media_file_id for e in damaged}))
            .order_by(FileEntry.relpath)):
        sound.setdefault(entry.media_file_id, []).append(entry)
    return [(e, sound.get(e.media_file_id, [])) for e in damaged]


def damaged_count(site_ids) -> dict[uuid.UUID, int]:
    """How many damaged copies each of these sites holds (sites without any left out)."""
    return dict(db.session.execute(
        select(LibraryRoot.site_id, func.count(FileEntry.id)).join(FileEntry.root)
        .where(LibraryRoot.site_id.in_(site_ids), FileEntry.missing.is_(False),
               FileEntry.damaged.is_(True))
        .group_by(LibraryRoot.site_id)).all())

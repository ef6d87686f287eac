"""Index a site's library roots into the catalog, incrementally and crash-safe.

media_index does the file work (walk, hash, probe) and yields results as they come; this module
turns them into FileEntry and MediaFile rows, committing every SCAN_BATCH files so an interrupted
scan keeps what it did and the next one carries on.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import Select, select, update
from sqlalchemy.orm import selectinload

import media_index
from media_index import FileResult, Known, Progress, WalkError
from media_index.iso import item_parts
from media_index.volumes import fingerprint_items

from ..errors import Conflict, Invalid
from ..extensions import db
from ..models import FileEntry, LibraryRoot, MediaFile, ScanJob, Site
from ..signals import scan_finished
from .volumes import root_mounted, volume_root

ProgressCallback = Callable[[Progress], None]
DISC_IMAGE_LAYOUTS = ("isovcd", "isodvd")  # videos inside a VCD or DVD image (media_index/iso.py)


def add_root(site: Site, path: str, label: str | None = None) -> LibraryRoot:
    """Register a folder as a library root of a site (it must exist and be a directory)."""
    path = os.path.realpath(os.path.expanduser(path))
    if not os.path.isdir(path):
        raise Invalid(_("%(path)s is not a folder on this computer.", path=path))
    on_volume = volume_root(site, path, label, current_app.config)
    if on_volume is not None:
        return on_volume
    root = db.session.scalar(
        select(LibraryRoot).where(LibraryRoot.site_id == site.id, LibraryRoot.path == path)
    )
    if root is None:
        root = LibraryRoot(site=site, path=path, label=label or os.path.basename(path) or path)
        db.session.add(root)
        db.session.flush()
    return root


def library_entries(site: Site) -> Select:
    """Every file seen at a site, for the library page: present first, then by path."""
    return (select(FileEntry).join(LibraryRoot).where(LibraryRoot.site_id == site.id)
            .order_by(FileEntry.missing, FileEntry.relpath, FileEntry.id)
            .options(selectinload(FileEntry.media_file).selectinload(MediaFile.title)))


WALK_ERRORS_SHOWN = 100


def walk_errors(roots: list[LibraryRoot]) -> tuple[list[tuple[str, str]], int]:
    """What the last scans found but could not index: (path, reason) and how many there are.

    Only the first WALK_ERRORS_SHOWN are returned; paths are absolute (the root's path joined).
    """
    found = [(root.path if e["path"] == "." else os.path.join(root.path, e["path"]), e["error"])
             for root in roots for e in (root.walk_errors or [])]
    return found[:WALK_ERRORS_SHOWN], len(found)


def entry_path(entry: FileEntry) -> str:
    """Return the absolute path of an entry, refusing a relpath that leaves its root.

    The check is on the path as written, as the scan wrote it: relative, without `..`. Links
    inside the root are not resolved here: the scan followed them, so playing follows them too
    (a folder of another disk linked into the library is found and played).
    """
    root = os.fsencode(os.path.realpath(entry.root.path))
    try:
        raw = (bytes.fromhex(entry.raw_relpath_hex) if entry.raw_relpath_hex
               else entry.relpath.encode())
    except ValueError:  # a damaged row names nothing
        raw = b""
    if not raw or raw.startswith(b"/") or b".." in raw.split(b"/"):
        raise Invalid(_("This path is outside its library folder."))
    return os.fsdecode(os.path.normpath(os.path.join(root, raw)))


def entry_files(entry: FileEntry) -> list[str]:
    """Return the files that play an entry, in order: its path, or a DVD title set's parts.

    A title set whose parts are gone gives its own path, so that the player says it is missing.
    """
    path = entry_path(entry)
    if entry.layout in DISC_IMAGE_LAYOUTS:  # a video inside a disc image: its member paths
        try:
            return [os.fsdecode(part) for part in item_parts(path)] or [path]
        except OSError:  # the image is gone or unreadable: the player says so
            return [path]
    if entry.layout != "dvd":
        return [path]
    try:
        parts = media_index.title_set_parts(path)
    except OSError:
        parts = ()
    return [os.fsdecode(part) for part in parts] or [path]


def _media_for(sha256: str | None, fingerprint: str | None, size: int,
               cache: dict[str, MediaFile]) -> MediaFile:
    """Find or make the MediaFile of a content: by SHA-256, or by fingerprint in quick mode."""
    key = sha256 or f"fp:{fingerprint}"
    if key in cache:
        return cache[key]
    if sha256:
        media = db.session.scalar(select(MediaFile).where(MediaFile.sha256 == sha256))
        if media is None and fingerprint:
            # A quick scan met this content before its full hash was known: complete it.
            media = db.session.scalar(
                select(MediaFile).where(
                    MediaFile.fingerprint == fingerprint, MediaFile.sha256.is_(None)
                )
            )
            if media is not None:
                media.sha256 = sha256
    else:
        media = db.session.scalar(
            select(MediaFile).where(MediaFile.fingerprint == fingerprint).limit(1)
        )
    if media is None:
        media = MediaFile(sha256=sha256, fingerprint=fingerprint or "", size=size, tags={})
        db.session.add(media)
    cache[key] = media
    return media


def _apply_probe(media: MediaFile, result: FileResult) -> None:
    probe = result.probe
    if probe is None:
        return
    media.duration_s = probe.duration_s
    media.container = probe.container
    media.video_codec = probe.video_codec
    media.audio_codec = probe.audio_codec
    media.width, media.height = probe.width, probe.height
    media.bitrate = probe.bitrate
    media.tags = dict(probe.tags)
    media.probe_error = None


def _needs_update(known: Known | None, result: FileResult) -> bool:
    """An unchanged content that was re-read (touched, or a quick entry now fully hashed)."""
    if known is None:
        return False
    if known.error:
        return True  # it failed last time and was read again: record how it went now
    item = result.item
    return (known.size, known.mtime_ns) != (item.size, item.mtime_ns) or bool(
        result.sha256 and known.sha256 != result.sha256)


def _still_bad(known: Known | None, item) -> bool:
    """A bad file read again (as every scan does) and found as it was: it counts as unchanged."""
    return bool(known and known.error) and (known.size, known.mtime_ns) == (item.size,
                                                                           item.mtime_ns)


def _raw_hex(item) -> str | None:
    return None if item.raw_relpath == item.relpath.encode() else item.raw_relpath.hex()


def scan_root(root: LibraryRoot, *, quick: bool = False,
              on_progress: ProgressCallback | None = None) -> dict:
    """Scan one library root and return its counts (see scan_paths)."""
    batch = current_app.config["SCAN_BATCH"]
    now = datetime.now(UTC)
    counts = {"files": 0, "new": 0, "changed": 0, "unchanged": 0, "moved": 0, "missing": 0}
    if not root_mounted(root, current_app.config):
        return _volume_out(root, now, counts, [])
    # Plain rows, not ORM objects: a rescan of 10,000 unchanged files must stay cheap.
    ids: dict[str, uuid.UUID] = {}
    known: dict[str, Known] = {}
    for row in db.session.execute(
        select(FileEntry.id, FileEntry.relpath, FileEntry.size, FileEntry.mtime_ns,
               FileEntry.missing, FileEntry.error, MediaFile.sha256, MediaFile.fingerprint)
        .outerjoin(MediaFile, FileEntry.media_file_id == MediaFile.id)
        .where(FileEntry.root_id == root.id)
    ):
        ids[row.relpath] = row.id
        if not row.missing:
            known[row.relpath] = Known(size=row.size, mtime_ns=row.mtime_ns, sha256=row.sha256,
                                       fingerprint=row.fingerprint, error=row.error)
    probed = set(db.session.scalars(
        select(MediaFile.sha256).where(MediaFile.sha256.is_not(None),
                                       MediaFile.duration_s.is_not(None))))
    errors: list[dict] = []
    contents: list[tuple[bytes, int]] = []  # a volume's fingerprint
    seen: set[str] = set()
    new_paths: dict[str, str] = {}
    written: dict[str, FileEntry] = {}
    committed: set[str] = set()  # paths whose rows a sync export may have sent already
    cache: dict[str, MediaFile] = {}
    walk_errors: list[dict] = []
    pending = 0
    for result in media_index.scan_root(
        root.path, known, already_probed=probed.__contains__, quick=quick, on_progress=on_progress
    ):
        if isinstance(result, WalkError):
            walk_errors.append({"path": result.relpath, "error": result.error})
            continue
        item = result.item
        if result.status == "error" and root.on_volume and not root_mounted(
                root, current_app.config):
            return _volume_out(root, now, counts, walk_errors + errors)  # pulled out mid-scan
        seen.add(item.relpath)
        contents.append((item.raw_relpath, item.size))
        counts["files"] += 1
        if result.status == "unchanged":
            counts["unchanged"] += 1
            if result.error:
                errors.append({"path": item.relpath, "error": result.error})
            if not _needs_update(known.get(item.relpath), result):
                continue
        if item.relpath in ids:
            entry = db.session.get(FileEntry, ids[item.relpath])
        else:
            entry = FileEntry(root=root, relpath=item.relpath, first_seen=now)
            db.session.add(entry)
        written[item.relpath] = entry
        was_present = item.relpath in known
        entry.raw_relpath_hex = _raw_hex(item)
        entry.layout, entry.size, entry.mtime_ns = item.layout, item.size, item.mtime_ns
        entry.last_seen, entry.missing = now, False
        entry.damaged, entry.damaged_at = False, None  # read again whole: what it holds now
        if result.status == "error":
            entry.error, entry.media_file = result.error, None
            errors.append({"path": item.relpath, "error": result.error})
            if _still_bad(known.get(item.relpath), item):
                counts["unchanged"] += 1
        else:
            media = _media_for(result.sha256, result.fingerprint, item.size, cache)
            _apply_probe(media, result)
            if result.sha256 and media.duration_s is not None:
                probed.add(result.sha256)
            entry.media_file, entry.error = media, None
            if result.status != "unchanged" and was_present:
                counts["changed"] += 1
            elif result.status != "unchanged":
                counts["new"] += 1
                if result.sha256:
                    new_paths[item.relpath] = result.sha256
        pending += 1
        if pending >= batch:
            db.session.commit()
            committed.update(written)
            pending = 0
    if not root_mounted(root, current_app.config):  # the disc went out during the scan
        return _volume_out(root, now, counts, walk_errors + errors)
    if root.on_volume:
        root.volume_fingerprint = fingerprint_items(contents)
    gone = {p: known[p].sha256 for p in known if p not in seen}
    moved, _gone = media_index.classify_moves(new_paths, {p: s for p, s in gone.items() if s})
    for new_path, old_path in moved.items():
        _move(db.session.get(FileEntry, ids[old_path]), written[new_path],
              keep_both=new_path in ids or new_path in committed)
    counts["moved"] = len(moved)
    counts["new"] -= len(moved)
    gone_for_good = [ids[p] for p in gone if p not in moved.values()]
    for chunk in range(0, len(gone_for_good), 500):
        db.session.execute(update(FileEntry).where(
            FileEntry.id.in_(gone_for_good[chunk:chunk + 500])).values(missing=True))
    counts["missing"] = len(gone_for_good)
    db.session.execute(
        update(FileEntry)
        .where(FileEntry.root_id == root.id, FileEntry.missing.is_(False))
        .values(last_seen=now)
    )
    root.last_scan_at = now
    root.walk_errors = walk_errors or None
    db.session.commit()
    counts["errors"] = walk_errors + errors
    return counts


def _volume_out(root: LibraryRoot, now: datetime, counts: dict, errors: list) -> dict:
    """A volume root whose volume is out: offline, and nothing of it marked missing."""
    root.offline_since = root.offline_since or now
    db.session.commit()
    return {**counts, "errors": errors}


def _move(old: FileEntry, new: FileEntry, *, keep_both: bool = False) -> None:
    """A file found under a new path is the old row's file moved: the old row takes the new
    path and facts, and the row this scan made for it goes. The row keeps its id, so a synced
    hub (which is never sent deletions) sees the file moved, not a second copy of it.

    `keep_both` when the new path's row may be known elsewhere already (the path had a row, its
    file gone missing, or this scan committed the row in an earlier batch, which a sync export
    running meanwhile may have sent): that row keeps the path and the old one is missing, since
    a synced hub holding that row at that path would refuse a second one there.
    """
    if keep_both:
        new.first_seen, old.missing = old.first_seen, True
        return
    facts = {column: getattr(new, column) for column in (
        "relpath", "raw_relpath_hex", "layout", "size", "mtime_ns", "last_seen", "missing",
        "media_file", "error")}
    db.session.delete(new)
    db.session.flush()  # the new path is free for the old row (one row per root and path)
    for column, value in facts.items():
        setattr(old, column, value)


def scan_paths(site: Site, paths: list[str], *, quick: bool = False,
               on_progress: ProgressCallback | None = None) -> dict:
    """Scan folders for a site; returns {files, new, changed, unchanged, moved, missing, errors, seconds}."""
    started = time.monotonic()
    roots = [add_root(site, p) for p in paths]
    db.session.commit()
    total = {"files": 0, "new": 0, "changed": 0, "unchanged": 0, "moved": 0, "missing": 0,
             "errors": []}
    for root in roots:
        counts = scan_root(root, quick=quick, on_progress=on_progress)
        for key, value in counts.items():
            total[key] += value
    scan_finished.send(current_app._get_current_object(), site=site)
    db.session.commit()
    total["seconds"] = round(time.monotonic() - started, 3)
    return total


# --- background scans started from a page ---------------------------------------------------

_running: set[uuid.UUID] = set()
_running_lock = threading.Lock()


def start_background_scan(site: Site, by: str, *, quick: bool = False) -> ScanJob:
    """Queue a scan of every root of a site on a worker thread and return its job row."""
    roots = [r.path for r in db.session.scalars(
        select(LibraryRoot).where(LibraryRoot.site_id == site.id))
        if not r.on_volume or os.path.isdir(r.path)]  # not a disc or stick that is out
    if not roots:
        raise Invalid(_("Add a library folder before scanning."))
    with _running_lock:
        if site.id in _running:
            raise Conflict(_("A scan of this site is already running."))
        _running.add(site.id)
    job = ScanJob(site=site, status="queued", quick=quick, started_by=by)
    db.session.add(job)
    db.session.commit()
    app = current_app._get_current_object()
    thread = threading.Thread(
        target=_run_job, args=(app, job.id, site.id, roots, quick), daemon=True,
        name=f"scan-{site.code}",
    )
    thread.start()
    return job


def _run_job(app: Flask, job_id: uuid.UUID, site_id: uuid.UUID, roots: list[str],
             quick: bool) -> None:
    with app.app_context():
        job = db.session.get(ScanJob, job_id)
        site = db.session.get(Site, site_id)
        job.status = "running"
        db.session.commit()
        last = [0.0]

        def progress(p: Progress) -> None:
            if time.monotonic() - last[0] < 0.5 and p.files_done < p.files_total:
                return
            last[0] = time.monotonic()
            job.files_done, job.files_total = p.files_done, p.files_total
            job.bytes_done, job.bytes_total = p.bytes_done, p.bytes_total
            db.session.commit()

        try:
            summary = scan_paths(site, roots, quick=quick, on_progress=progress)
        except Exception as exc:  # the page must show why, whatever went wrong
            db.session.rollback()
            job = db.session.get(ScanJob, job_id)
            job.status, job.error = "failed", str(exc)
        else:
            job = db.session.get(ScanJob, job_id)
            job.status, job.summary = "done", summary
            job.files_done = job.files_total = summary["files"]
        job.finished_at = datetime.now(UTC)
        db.session.commit()
        with _running_lock:
            _running.discard(site_id)
        db.session.remove()

"""Readiness of a screening: will its playlist play, checked the day before and just before.

The full check (READINESS_FULL_HOURS ahead, 24, and on demand) finds, for every playlist item,
the file the player would play at the site, then checks it is there, has its scanned size and
SHA-256, and that its first seconds decode. The quick check (READINESS_QUICK_MIN ahead, 30) only
checks presence, size and the quick fingerprint, and that the player has a screen; it keeps the
full check's findings it cannot see itself (a hash or a decode fault).

Only an install holding a site's library folders can check its screenings: the files are there.
Problems are kept in plain English, like play-log reasons, and shown in the UI language
(app/reasons.py).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from media_index.decode import first_seconds_decode
from media_index.hashing import FileChangedError, quick_fingerprint, sha256_parts
from media_index.iso import part_size
from media_index.reasons import read_error_reason
from schedules.vlc_backend import libvlc_found, screen_problem

from ..catalog.approval import unapproved
from ..catalog.scanning import entry_files
from ..catalog.volumes import offline_labels
from ..clock import now as utcnow
from ..errors import Conflict, Invalid
from ..extensions import db
from ..install import site_code
from ..jobs import each_alone
from ..models import (
    FileEntry,
    LibraryRoot,
    MediaFile,
    ReadinessCheck,
    Screening,
    Site,
    TerminalHealth,
)

FULL, QUICK = "full", "quick"
READY, AT_RISK = "ready", "at_risk"

NO_FILE = "no file of this title at the site"
NOT_HERE = "the file is not at this site"
OUTSIDE = "the file's path leaves its library folder"
NOT_APPROVED = "not approved for this site"
DAMAGED = "the file is damaged (the integrity check found its content changed)"
INSERT_DISC = "insert disc 《%s》: the file is on it"  # held only on a volume that is out
NOT_INSTALLED = "libvlc is not installed (apt install libvlc5 vlc-plugin-base libvlc-bin)"


@dataclass
class Problem:
    position: int | None
    sha256: str | None
    problem: str
    path: str | None = None
    substitutes: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"position": self.position, "sha256": self.sha256, "problem": self.problem,
                "path": self.path, "substitutes": self.substitutes}


def local_site_ids() -> set[uuid.UUID]:
    """The sites whose library folders are on this machine (their files can be checked here)."""
    ids = set()
    for site_id, path in db.session.execute(select(LibraryRoot.site_id, LibraryRoot.path)):
        if site_id not in ids and os.path.isdir(path):
            ids.add(site_id)
    code = current_app.config.get("PLAYER_SITE") or site_code()
    if code:
        own = db.session.scalar(select(Site.id).where(Site.code == code))
        if own is not None:
            ids.add(own)
    return ids


def latest(screening: Screening) -> ReadinessCheck | None:
    return db.session.scalar(select(ReadinessCheck).where(
        ReadinessCheck.screening_id == screening.id))


def readiness_dict(check: ReadinessCheck) -> dict:
    return {"status": check.status, "kind": check.kind,
            "checked_at": check.checked_at.isoformat(),
            "problems": [{"position": p.get("position"), "sha256": p.get("sha256"),
                          "problem": p.get("problem"), "path": p.get("path"),
                          "substitutes": p.get("substitutes") or []} for p in check.problems]}


def known_readiness(screenings) -> dict[uuid.UUID, dict]:
    """What is known of these screenings' readiness: this install's own checks, else what a
    site's health report said of its next screening (at the hub)."""
    ids = [s.id for s in screenings]
    known: dict[uuid.UUID, dict] = {}
    if not ids:
        return known
    for check in db.session.scalars(select(ReadinessCheck).where(
            ReadinessCheck.screening_id.in_(ids))):
        known[check.screening_id] = {"status": check.status, "checked_at": check.checked_at,
                                     "problems": check.problems, "kind": check.kind}
    for health in db.session.scalars(select(TerminalHealth).where(
            TerminalHealth.next_screening_id.in_(ids))):
        if health.next_readiness in (READY, AT_RISK):
            known.setdefault(health.next_screening_id, {
                "status": health.next_readiness, "checked_at": health.recorded_at,
                "problems": health.next_problems or [], "kind": None})
    return known


def can_check_here(screening: Screening) -> bool:
    return screening.status == "planned" and screening.site_id in local_site_ids()


def check_screening(screening: Screening, kind: str = FULL, *, now: datetime | None = None
                    ) -> ReadinessCheck:
    """Check one screening now and keep the result (the caller commits)."""
    if screening.site_id not in local_site_ids():
        raise Conflict(_("The readiness check runs at the site, where the files are: this "
                         "install holds no library folder of %(code)s.", code=screening.site.code))
    return _check(screening, kind, now or utcnow())


def _check(screening: Screening, kind: str, now: datetime) -> ReadinessCheck:
    """Check a screening of this install's sites (see local_site_ids) and keep the result."""
    if kind not in (FULL, QUICK):
        raise Invalid(_("A readiness check is full or quick."))
    problems = _check_items(screening, full=kind == FULL)
    row = latest(screening)
    if kind == QUICK:
        if (screen := _screen_problem()) is not None:
            problems.append(Problem(None, None, screen))
        if row is not None and row.full_at is not None:
            faulted = {p.position for p in problems}
            problems += [Problem(**p) for p in row.problems
                         if p.get("position") is not None and p.get("position") not in faulted]
    if row is None:
        row = ReadinessCheck(screening_id=screening.id)
        db.session.add(row)
    row.kind, row.checked_at = kind, now
    row.status = AT_RISK if problems else READY
    row.problems = [p.as_dict() for p in problems]
    if kind == FULL:
        row.full_at = now
    db.session.flush()
    return row


def check_upcoming(hours: float, *, now: datetime | None = None,
                   on_progress=None) -> list[tuple[Screening, ReadinessCheck]]:
    """Run the full check of every planned screening of this install's sites in the next hours."""
    now = now or utcnow()
    screenings = _planned(now, now + timedelta(hours=hours))
    done = []
    for n, screening in enumerate(screenings, 1):
        done.append((screening, _check(screening, FULL, now)))
        if on_progress is not None:
            on_progress(n, len(screenings))
    return done


def run_due_checks(now: datetime | None = None) -> int:
    """The minute tick's part: each screening gets its full check a day ahead (again when its
    playlist changed since) and its quick check just before. Returns how many ran."""
    now = now or utcnow()
    full_ahead = timedelta(hours=float(current_app.config["READINESS_FULL_HOURS"]))
    quick_ahead = timedelta(minutes=float(current_app.config["READINESS_QUICK_MIN"]))

    def due(screening_id: uuid.UUID) -> int:
        screening = db.session.get(Screening, screening_id)
        row = latest(screening)
        if row is None or row.full_at is None or row.full_at < screening.updated_at:
            _check(screening, FULL, now)
        elif screening.starts_at - now <= quick_ahead and (
                row.checked_at < screening.starts_at - quick_ahead):
            _check(screening, QUICK, now)
        else:
            return 0
        return 1

    ids = [s.id for s in _planned(now, now + full_ahead)]
    return each_alone(ids, due, "readiness check of screening %s failed")


def _planned(start: datetime, end: datetime) -> list[Screening]:
    sites = local_site_ids()
    if not sites:
        return []
    return list(db.session.scalars(
        select(Screening).where(Screening.site_id.in_(sites), Screening.status == "planned",
                                Screening.starts_at > start, Screening.starts_at <= end)
        .order_by(Screening.starts_at)))


def _screen_problem() -> str | None:
    if not libvlc_found():
        return NOT_INSTALLED
    return screen_problem(current_app.config.get("VLC_ARGS") or "", os.environ)


def _present(site: Site, media_ids) -> dict[uuid.UUID, FileEntry]:
    rows = db.session.scalars(
        select(FileEntry).join(LibraryRoot)
        .where(LibraryRoot.site_id == site.id, FileEntry.missing.is_(False),
               LibraryRoot.offline_since.is_(None), FileEntry.media_file_id.in_(media_ids))
        .order_by(FileEntry.damaged))  # a sound copy before a damaged one
    found: dict[uuid.UUID, FileEntry] = {}
    for entry in rows:
        found.setdefault(entry.media_file_id, entry)
    return found


def _check_items(screening: Screening, *, full: bool) -> list[Problem]:
    site = screening.site
    problems: list[Problem] = []
    # Planned while approved, then withdrawn: it stays planned, and the check says so.
    refused = {t.id for t in unapproved([row.title for row in screening.items], [site]).get(
        site.id, [])}
    for row in screening.items:
        if row.title_id in refused:
            shown = row.media_file or next(iter(row.title.files), None)
            problems.append(Problem(row.position, shown.sha256 if shown else None, NOT_APPROVED))
        title_files = list(row.title.files) if row.title is not None else []
        candidates = [row.media_file] if row.media_file is not None else title_files
        present = _present(site, [m.id for m in {*candidates, *title_files} if m is not None])
        media = next((m for m in candidates if m.id in present), None)
        others = [m for m in title_files if m.id in present and m is not media]
        substitutes = [{"sha256": m.sha256, "path": present[m.id].relpath} for m in others]
        if media is None:
            chosen = candidates[0] if candidates else None
            reason = NOT_HERE if row.media_file is not None else NO_FILE
            discs = offline_labels(site, [m.id for m in candidates])
            if discs:
                chosen = next(m for m in candidates if m.id in discs)
                reason = INSERT_DISC % discs[chosen.id]
            problems.append(Problem(row.position, chosen.sha256 if chosen else None, reason,
                                    substitutes=substitutes))
            continue
        problem = _check_file(media, present[media.id], full=full)
        if problem is not None:
            problem.position, problem.substitutes = row.position, substitutes
            problems.append(problem)
    return problems


def _check_file(media: MediaFile, entry: FileEntry, *, full: bool) -> Problem | None:
    """What is wrong with the copy the player would play, or None."""
    def problem(text: str, path: str | None = None) -> Problem:
        return Problem(None, media.sha256, f"{text}: {path}" if path else text, path)

    try:
        files = entry_files(entry)
    except Invalid:
        return problem(OUTSIDE)
    shown = entry.relpath
    if entry.damaged:
        return problem(DAMAGED, shown)
    try:
        size = sum(part_size(f) for f in files)
    except FileNotFoundError:
        return problem("file not found", shown)
    except OSError as exc:
        return problem(read_error_reason(exc), shown)
    if size != media.size:
        return problem("the file's size changed since it was scanned", shown)
    try:
        if full and media.sha256:
            if sha256_parts(files) != media.sha256:
                return problem("the file changed since it was scanned (its SHA-256 no longer "
                               "matches)", shown)
        elif quick_fingerprint(files, size) != media.fingerprint:
            return problem("the file changed since it was scanned", shown)
    except FileChangedError:
        return problem("file changed while being read", shown)
    except OSError as exc:
        return problem(read_error_reason(exc), shown)
    if full and (reason := first_seconds_decode(files)) is not None:
        return problem(reason, shown)
    return None

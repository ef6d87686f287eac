"""The audit of a screening at this install: its facts read, its flags saved, an officer's word.

Run when a screening ends (at the site, app/audit/__init__.py) and again when its records reach
the hub (the sync import). Each run replaces the open flags; a flag an officer explained or
confirmed stays as decided, with its figures brought up to date while it is still raised.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..clock import now as utcnow
from ..errors import Conflict, Invalid
from ..extensions import db
from ..install import is_site
from ..models import (
    Attendance,
    AuditCheck,
    AuditFlag,
    Bundle,
    PlayLog,
    Screening,
    ScreeningEvidence,
    Site,
    SyncPeer,
)
from ..models.audit import FLAG_STATES
from ..models.people import COUNTED
from .rules import Facts, Mark, Play, Thresholds, audit

log = logging.getLogger(__name__)

CLOCK_SLACK_S = 120  # a bundle "from the future" by less than this says nothing of the clock
FLAG_LABELS = {
    "no_playback": _l("Sign-ins while nothing played"),
    "short_playback": _l("Played too short"),
    "signin_burst": _l("Burst of sign-ins from one device"),
    "frozen_or_black": _l("Screen black or frozen"),
    "late_paper": _l("Paper sheet entered late"),
}
SEVERITY_LABELS = {"high": _l("high"), "medium": _l("medium"), "low": _l("low")}
STATE_LABELS = {"open": _l("open"), "explained": _l("explained"), "confirmed": _l("confirmed")}


# --- the facts ---------------------------------------------------------------------------------

def site_clock_offset(site: Site, *, bundle_created: datetime | None = None,
                      now: datetime | None = None) -> int:
    """The site's clock minus ours in seconds, as far as this install can tell (0 at the site).

    A bundle made "later" than we import it proves the site's clock is at least that far ahead
    (the bundle arriving now, or the newest imported); a signed HTTP pull measures it exactly.
    A bundle made earlier than its import proves nothing: a USB stick may travel for days.
    """
    if is_site():
        return 0
    offsets = []
    if bundle_created is not None and now is not None:
        offsets.append((bundle_created - now).total_seconds())
    latest = db.session.scalar(select(Bundle).where(Bundle.origin == site.code)
                               .order_by(Bundle.imported_at.desc()).limit(1))
    if latest is not None and latest.imported_at is not None:
        offsets.append((latest.bundle_created_at - latest.imported_at).total_seconds())
    ahead = max(offsets, default=0.0)
    if ahead > CLOCK_SLACK_S:
        return round(ahead)
    skew = db.session.scalar(select(SyncPeer.clock_skew_s).where(
        SyncPeer.kind == "site", SyncPeer.code == site.code))
    return int(skew or 0)


def planned_seconds(screening: Screening) -> float:
    """The playlist's length when every item's is known, else the screening's slot."""
    lengths = [item.media_file.duration_s if item.media_file else None for item in screening.items]
    if lengths and all(lengths):
        return float(sum(lengths))
    return (screening.ends_at - screening.starts_at).total_seconds()


def facts_of(screening: Screening, *, clock_offset_s: int = 0) -> Facts:
    plays = [Play(row.started_at, row.ended_at, row.played_s or 0.0) for row in db.session.execute(
        select(PlayLog.started_at, PlayLog.ended_at, PlayLog.played_s)
        .where(PlayLog.screening_id == screening.id))]
    marks = [Mark(row.method, row.signed_at, row.created_at, row.device, row.recorded_by)
             for row in db.session.execute(select(Attendance.method, Attendance.signed_at,
                                                  Attendance.created_at, Attendance.device,
                                                  Attendance.recorded_by)
                                .where(Attendance.screening_id == screening.id,
                                       Attendance.status.in_(COUNTED)))]
    snapshots = list(db.session.scalars(
        select(ScreeningEvidence.jpeg).where(ScreeningEvidence.screening_id == screening.id,
                                             ScreeningEvidence.kind == "snapshot")
        .order_by(ScreeningEvidence.taken_at)))
    return Facts(starts_at=screening.starts_at, ends_at=screening.ends_at,
                 status=screening.status, planned_s=planned_seconds(screening), plays=plays,
                 marks=marks, snapshots=snapshots, clock_offset_s=clock_offset_s)


# --- running it --------------------------------------------------------------------------------

def run_audit(screening: Screening, *, now: datetime | None = None,
              clock_offset_s: int | None = None) -> AuditCheck:
    """Audit a screening now and keep the result (the caller commits)."""
    now = now or utcnow()
    offset = site_clock_offset(screening.site) if clock_offset_s is None else clock_offset_s
    found, notes = audit(facts_of(screening, clock_offset_s=offset),
                         Thresholds.from_config(current_app.config))
    check = db.session.scalar(select(AuditCheck).where(AuditCheck.screening_id == screening.id))
    if check is None:
        check = AuditCheck(screening_id=screening.id)
        db.session.add(check)
    check.checked_at, check.notes, check.clock_offset_s = now, notes, offset
    held = {f.code: f for f in db.session.scalars(
        select(AuditFlag).where(AuditFlag.screening_id == screening.id))}
    raised = {f.code for f in found}
    for code, flag in held.items():
        if code not in raised and flag.state == "open":
            db.session.delete(flag)  # no longer raised, and nobody has looked at it yet
    for f in found:
        flag = held.get(f.code)
        if flag is None:
            db.session.add(AuditFlag(screening_id=screening.id, code=f.code, severity=f.severity,
                                     params=f.params, raised_at=now))
        else:
            flag.severity, flag.params = f.severity, f.params
    db.session.flush()
    return check


def audit_screenings(ids: Iterable[uuid.UUID], *, now: datetime | None = None,
                     clock_offset_s: int | None = None) -> int:
    """Audit the screenings of `ids` that have ended; returns how many (the caller commits)."""
    now = now or utcnow()
    wanted = list(set(ids) - {None})
    done = 0
    for start in range(0, len(wanted), 500):
        for screening in db.session.scalars(select(Screening).where(
                Screening.id.in_(wanted[start:start + 500]), Screening.ends_at <= now)):
            run_audit(screening, now=now, clock_offset_s=clock_offset_s)
            done += 1
    return done


def latest_check(screening: Screening) -> AuditCheck | None:
    return db.session.scalar(select(AuditCheck).where(AuditCheck.screening_id == screening.id))


def flags_of(screening_id) -> list[AuditFlag]:
    return list(db.session.scalars(select(AuditFlag).where(AuditFlag.screening_id == screening_id)
                                   .order_by(AuditFlag.code)))


# --- the words ---------------------------------------------------------------------------------

def flag_detail(code: str, params: dict) -> str:
    """A flag's plain sentence in the UI language."""
    p = params or {}
    if code == "no_playback" and not p.get("plays"):
        return _("%(n)d sign-ins or paper entries, but nothing played at all.", n=p.get("marks", 0))
    if code == "no_playback":
        return _("%(n)d of %(of)d sign-ins were made while nothing played.",
                 n=p.get("outside", 0), of=p.get("marks", 0))
    if code == "short_playback":
        return _("Played %(played)s minutes of the %(planned)s planned: under %(percent)s%%.",
                 played=p.get("played_min"), planned=p.get("planned_min"),
                 percent=p.get("percent"))
    if code == "signin_burst" and p.get("method") == "phone":
        return _("One phone signed in %(n)d people.", n=p.get("count", 0))
    if code == "signin_burst":
        return _("%(n)d sign-ins from one kiosk within %(s)d seconds.", n=p.get("count", 0),
                 s=p.get("seconds", 0))
    if code == "frozen_or_black" and p.get("how") == "black":
        return _("Every snapshot of the screen (%(n)d) is black.", n=p.get("pictures", 0))
    if code == "frozen_or_black":
        return _("The %(n)d snapshots of the screen are all the same picture.",
                 n=p.get("pictures", 0))
    if code == "late_paper":
        return _("%(n)d paper entries typed in %(days)s days after the screening, and nothing "
                 "played.", n=p.get("entries", 0), days=p.get("days"))
    return code


def note_text(note: dict) -> str:
    if note.get("code") == "no_snapshots":
        return _("It played, but no snapshot of the screen was taken (no screen attached?): the "
                 "pictures can neither prove nor disprove it.")
    if note.get("code") == "clock_off":
        return _("The site's clock is about %(n)d minutes off; its times were corrected for it "
                 "where they meet the planned times.", n=(note.get("params") or {}).get("minutes", 0))
    return str(note.get("code"))


def audit_dict(screening: Screening) -> dict:
    """The API's answer: {flags: [{code, severity, detail, state, note}], notes, checked_at}."""
    check = latest_check(screening)
    return {
        "screening": str(screening.id),
        "checked_at": check.checked_at.isoformat() if check else None,
        "clock_offset_s": check.clock_offset_s if check else None,
        "flags": [{"code": f.code, "severity": f.severity, "detail": flag_detail(f.code, f.params),
                   "state": f.state, "note": f.note} for f in flags_of(screening.id)],
        "notes": [{"code": n.get("code"), "detail": note_text(n)} for n in (check.notes or [])]
        if check else [],
    }


# --- an officer's word -------------------------------------------------------------------------

def decide(flag: AuditFlag, state: str, note: str | None, *, by: str,
           now: datetime | None = None) -> AuditFlag:
    """Mark a flag explained (a note is needed) or confirmed, or open it again."""
    if state not in FLAG_STATES:
        raise Invalid(_("Choose explained, confirmed or open."))
    note = (note or "").strip() or None
    if note and len(note) > 500:
        raise Invalid(_("The note is longer than %(n)d characters.", n=500))
    if state == "explained" and not note:
        raise Invalid(_("Say in a note how the flag is explained."))
    if flag.state == state and flag.note == note:
        raise Conflict(_("The flag is already marked so."))
    flag.state, flag.note = state, note
    flag.decided_by, flag.decided_at = (None, None) if state == "open" else (by, now or utcnow())
    return flag


def sign_in_timeline(screening: Screening) -> list[Attendance]:
    """Every sign-in of the screening in order of time, with its person."""
    return list(db.session.scalars(select(Attendance).where(
        Attendance.screening_id == screening.id).options(selectinload(Attendance.person))
        .order_by(Attendance.signed_at, Attendance.created_at)))


def _flagged(sites_query):
    flagged = select(AuditFlag.screening_id).distinct()
    return select(Screening).where(Screening.id.in_(flagged),
                                   Screening.site_id.in_(sites_query.with_only_columns(Site.id)))


def count_flagged(sites_query) -> int:
    """How many screenings of the sites in `sites_query` carry a flag."""
    return db.session.scalar(select(func.count()).select_from(_flagged(sites_query).subquery())) or 0


def flagged_screenings(sites_query, *, offset: int = 0, limit: int = 50) -> list[Screening]:
    """The screenings of the sites in `sites_query` with a flag, newest first."""
    return list(db.session.scalars(_flagged(sites_query).order_by(
        Screening.starts_at.desc(), Screening.id).offset(offset).limit(limit)))


def confirmed_counts(site_ids: list, start: datetime, end: datetime) -> dict:
    """For each site: the held screenings in [start, end) with a confirmed flag."""
    if not site_ids:
        return {}
    return dict(db.session.execute(
        select(Screening.site_id, func.count(func.distinct(Screening.id)))
        .join(AuditFlag, AuditFlag.screening_id == Screening.id)
        .where(AuditFlag.state == "confirmed", Screening.site_id.in_(site_ids),
               Screening.starts_at >= start, Screening.starts_at < end,
               Screening.status.in_(("done", "partial")))
        .group_by(Screening.site_id)).all())


"""Screenings: plan, check, edit, cancel; recurring series materialised as ordinary screenings.

The pure checks and the recurrence live in `schedules`; this module feeds them rows and turns
their warning codes into messages in the UI language.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, or_, select

from schedules.checks import (
    PlanError,
    PlanItem,
    PlanWarning,
    Slot,
    check_plan,
    check_times,
    overlapping,
)
from schedules.recurrence import RecurrenceError, occurrences, validate_rule

from ..auth.access import visible_sites
from ..catalog.titles import file_visible
from ..dates import check_moment, moment_in_range, parse_moment
from ..errors import Conflict, DianjiaoError, Invalid, NotFound
from ..extensions import db
from ..jobs import each_alone
from ..lookup import by_id
from ..models import (
    Attendance,
    FileEntry,
    LibraryRoot,
    MediaFile,
    Screening,
    ScreeningItem,
    Series,
    Shipment,
    Site,
    Title,
    User,
)
from ..models.base import current_origin
from ..models.catalog import AUDIENCES
from . import events

OPEN_STATUSES = ("planned", "running")


def _media_at_site(site: Site):
    """A subquery of the media file ids present at a site now."""
    return (
        select(FileEntry.media_file_id)
        .join(LibraryRoot, FileEntry.root_id == LibraryRoot.id)
        .where(LibraryRoot.site_id == site.id, FileEntry.missing.is_(False),
               FileEntry.media_file_id.is_not(None))
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


def _plan_item(site: Site, row: ScreeningItem, viewer: User | None = None) -> PlanItem:
    present = set(db.session.scalars(_media_at_site(site)))
    if row.media_file is not None:
        files = [row.media_file]
        name = row.title.name if row.title else _file_name(row.media_file)
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
    on_the_way = []
    if not here and row.title is not None:
        from ..models import BatchItem

        on_the_way = sorted(db.session.scalars(
            select(Shipment.serial).join(BatchItem, BatchItem.batch_id == Shipment.batch_id)
            .where(Shipment.site_id == site.id, BatchItem.title_id == row.title.id,
                   Shipment.status.in_(("planned", "sent")))).all(), key=str)
    return PlanItem(
        key=str(row.media_file.sha256 if row.media_file else row.title.id), name=name,
        duration_s=chosen.duration_s if chosen else None,
        approved=bool(row.title and row.title.approved), held_here=bool(here),
        held_at=tuple(holders), on_the_way=tuple(s or "" for s in on_the_way))


def _file_name(media: MediaFile) -> str:
    entry = media.entries[0] if media.entries else None
    return entry.relpath.rsplit("/", 1)[-1] if entry else (media.sha256 or "")[:12]


def other_slots(site: Site, exclude: uuid.UUID | None, starts_at: datetime,
                ends_at: datetime) -> list[Slot]:
    rows = db.session.scalars(select(Screening).where(
        Screening.site_id == site.id, Screening.status.in_(OPEN_STATUSES),
        Screening.starts_at < ends_at, Screening.ends_at > starts_at))
    return [Slot(str(s.id), s.starts_at, s.ends_at, s.topic) for s in rows if s.id != exclude]


def warning_text(w: PlanWarning) -> str:
    """The message of a planning warning in the UI language."""
    p = w.params
    if w.code == "overlap":
        return _("Overlaps %(topic)s at this site.", topic=p.get("topic") or "—")
    if w.code == "too_long":
        return _("The playlist (%(total)d min) is longer than the slot (%(slot)d min).",
                 total=round(p["total_s"] / 60), slot=round(p["slot_s"] / 60))
    if w.code == "unknown_length":
        return _("Length unknown for: %(names)s.", names="、".join(p.get("names", [])))
    if w.code == "not_held":
        message = _("%(name)s has no file at this site.", name=p["name"])
        if p.get("held_at"):
            message += " " + _("Held at: %(sites)s.", sites=", ".join(p["held_at"]))
        if p.get("on_the_way"):
            message += " " + _("A consignment is on its way (%(kits)s).",
                               kits=", ".join(p["on_the_way"]))
        return message
    if w.code == "empty_playlist":
        return _("The playlist is empty: nothing will play at this screening.")
    if w.code == "not_approved":
        return _("%(name)s is not approved for screening.", name=p["name"])
    return w.message


def warning_dicts(warnings: list[PlanWarning]) -> list[dict]:
    return [{"code": w.code, "message": warning_text(w), **{
        k: v for k, v in w.params.items() if k in ("name", "other_id")}} for w in warnings]


def check(site: Site, starts_at: datetime, ends_at: datetime, items: list[ScreeningItem],
          exclude: uuid.UUID | None = None, viewer: User | None = None) -> list[PlanWarning]:
    """Run the planning checks of `schedules.checks` for a screening-to-be (as `viewer` may see
    them: the sites holding a file elsewhere are those of the viewer's area)."""
    tz = current_app.config["TIMEZONE"]
    check_moment(starts_at, "starts_at", tz)
    check_moment(ends_at, "ends_at", tz)
    try:
        check_times(starts_at, ends_at)
    except PlanError as exc:
        raise Invalid(_("The end must be after the start.")) from exc
    if ends_at - starts_at > timedelta(hours=24):  # as a plan's; the form cannot show longer
        raise Invalid(_("A screening lasts at most 24 hours."))
    slot = Slot(str(exclude) if exclude else None, starts_at, ends_at)
    warnings = check_plan(slot, [_plan_item(site, row, viewer) for row in items],
                          other_slots(site, exclude, starts_at, ends_at))
    if not items:
        warnings.append(PlanWarning("empty_playlist", "The playlist is empty: nothing will play."))
    return warnings


def _audience(value: str | None) -> str:
    value = (value or "all").strip()
    if not value or len(value) > 60:
        raise Invalid(_("The audience is one of %(list)s, or a group name (up to 60 characters).",
                        list=", ".join(AUDIENCES)))
    return value


def create_screening(site: Site, *, starts_at: datetime, ends_at: datetime, topic: str,
                     audience: str = "all", items: list[ScreeningItem] | None = None,
                     notes: str | None = None, force: bool = False, by: str | None = None,
                     series: Series | None = None,
                     viewer: User | None = None) -> tuple[Screening, list[PlanWarning]]:
    """Plan a screening; an overlap at the site is a Conflict unless forced."""
    topic = (topic or "").strip()
    if not topic:
        raise Invalid(_("A screening needs a topic."))
    items = items or []
    warnings = check(site, starts_at, ends_at, items, viewer=viewer)
    if not force and any(w.code == "overlap" for w in warnings):
        raise Conflict(_("Another screening at this site overlaps this time."),
                       details=warning_dicts(warnings))
    screening = Screening(site=site, starts_at=starts_at, ends_at=ends_at, topic=topic,
                          audience=_audience(audience), notes=notes, status="planned",
                          created_by=by, series_id=series.id if series else None)
    screening.items = items
    db.session.add(screening)
    db.session.flush()
    events.changed()
    return screening, warnings


def update_screening(screening: Screening, changes: dict, *, force: bool = False,
                     tz: str | None = None, viewer: User | None = None) -> list[PlanWarning]:
    """Edit a planned screening; editing one occurrence detaches it from its series' updates."""
    if screening.status not in ("planned",):
        raise Conflict(_("Only a planned screening can be changed (this one is %(status)s).",
                         status=screening.status))
    tz = tz or current_app.config["TIMEZONE"]
    starts_at = parse_moment(changes["starts_at"], "starts_at", tz)[0] if "starts_at" in changes \
        else screening.starts_at
    ends_at = parse_moment(changes["ends_at"], "ends_at", tz)[0] if "ends_at" in changes \
        else screening.ends_at
    items = resolve_items(screening.site, changes["items"], viewer=viewer) if "items" in changes \
        else list(screening.items)
    warnings = check(screening.site, starts_at, ends_at, items, exclude=screening.id,
                     viewer=viewer)
    if not force and any(w.code == "overlap" for w in warnings):
        raise Conflict(_("Another screening at this site overlaps this time."),
                       details=warning_dicts(warnings))
    if (starts_at, ends_at) != (screening.starts_at, screening.ends_at):
        _reopen_sign_in(screening)
    screening.starts_at, screening.ends_at = starts_at, ends_at
    if "topic" in changes:
        if not str(changes["topic"] or "").strip():
            raise Invalid(_("A screening needs a topic."))
        screening.topic = str(changes["topic"]).strip()
    if "audience" in changes:
        screening.audience = _audience(changes["audience"])
    if "notes" in changes:
        screening.notes = changes["notes"]
    if "items" in changes:
        screening.items = items
        for position, row in enumerate(screening.items):
            row.position = position
    screening.edited = screening.series_id is not None
    events.changed()
    return warnings


def _reopen_sign_in(screening: Screening) -> None:
    """A planned screening moved in time (a wrong date corrected) is not over: the absences its
    closed sign-in marked on their own are taken back, and it closes again after its new end."""
    if not screening.attendance_closed:
        return
    db.session.execute(delete(Attendance).where(
        Attendance.screening_id == screening.id, Attendance.recorded_by == "auto",
        Attendance.status == "absent"))
    screening.attendance_closed = False


def out_of_range(screening: Screening) -> bool:
    """Stored with a date outside the accepted range (before the range was checked, or by hand)."""
    return not (moment_in_range(screening.starts_at) and moment_in_range(screening.ends_at))


def cancel_screening(screening: Screening) -> None:
    """Cancel a planned or running screening; one dated out of range, whatever its status (the
    runner may have marked it missed), so that it can be taken out of the way."""
    if screening.status not in ("planned", "running") and not (
            out_of_range(screening) and screening.status != "cancelled"):
        raise Conflict(_("This screening is %(status)s and cannot be cancelled.",
                         status=screening.status))
    playing = screening.status == "running"
    screening.status = "cancelled"
    if playing:
        from ..player.services import stop_screening

        stop_screening(screening.id)
    events.changed()


def screening_or_404(value, options=()) -> Screening:
    screening = by_id(Screening, value, options)
    if screening is None:
        raise NotFound(_("No such screening."))
    return screening


def screening_dict(s: Screening, warnings: list[PlanWarning] | None = None) -> dict:
    return {
        "id": str(s.id),
        "site": s.site.code,
        "starts_at": s.starts_at.isoformat(),
        "ends_at": s.ends_at.isoformat(),
        "topic": s.topic,
        "audience": s.audience,
        "notes": s.notes,
        "status": s.status,
        "status_reason": s.status_reason,
        "late": s.late,
        "series_id": str(s.series_id) if s.series_id else None,
        "edited": s.edited,
        "items": [
            {"position": i.position,
             "title_id": str(i.title_id) if i.title_id else None,
             "sha256": i.media_file.sha256 if i.media_file else None,
             "name": i.title.name if i.title else (_file_name(i.media_file) if i.media_file else "")}
            for i in s.items
        ],
        "warnings": warning_dicts(warnings or []),
    }


# --- recurring plans ------------------------------------------------------------------------
#
# An occurrence is matched to its plan by its date slot: the local date its plan gave it
# (`recurrence_at`, RFC 5545's RECURRENCE-ID). A rule makes at most one screening a day
# (`validate_rule` refuses BYHOUR and sub-daily rules), so that date names the occurrence whatever
# its time of day was then or is now. A change of the plan moves the future occurrences nobody
# touched, in place (a synced hub and the phones' calendars see them changed, not replaced);
# those cancelled, edited by hand, held or already signed in to stay as they are, and keep their
# date: the plan never makes that date again.

log = logging.getLogger(__name__)
# (plan, start) already logged as skipped: the extension runs every minute, the log says it once.
_skips_logged: set[tuple[uuid.UUID, datetime]] = set()


@dataclass(frozen=True)
class Gap:
    """A date of a plan whose time other screenings at the site hold (its overlaps)."""

    starts_at: datetime
    ends_at: datetime
    overlaps: tuple[Slot, ...]


def horizon() -> timedelta:
    return timedelta(days=int(current_app.config["PLAN_AHEAD_DAYS"]))


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def _slot_day(recurrence_at: datetime | None, starts_at: datetime, zone: ZoneInfo) -> date:
    """The date slot of an occurrence; rows made before `recurrence_at` was kept use their start."""
    return (recurrence_at or starts_at).astimezone(zone).date()


def _duration(duration_min) -> int:
    if not 5 <= int(duration_min) <= 24 * 60:
        raise Invalid(_("A screening lasts 5 minutes to 24 hours."))
    return int(duration_min)


def _overlaps(site: Site, wanted: list[tuple[datetime, datetime]],
              ignore: Collection[str] = ()) -> list[Gap]:
    """The wanted (start, end) times that share time with open screenings at the site."""
    if not wanted:
        return []
    others = [slot for slot in other_slots(site, None, min(a for a, _b in wanted),
                                           max(b for _a, b in wanted)) if slot.id not in ignore]
    found = []
    for start, end in wanted:
        hit = overlapping(Slot(None, start, end), others)
        if hit:
            found.append(Gap(start, end, tuple(hit)))
    return found


def gap_text(gap: Gap) -> str:
    """One date of a plan that overlaps, in the UI language."""
    return _("%(when)s: overlaps %(topic)s.",
             when=gap.starts_at.astimezone(_zone()).strftime("%Y-%m-%d %H:%M"),
             topic="、".join(slot.topic or "—" for slot in gap.overlaps))


def _overlap_conflict(gaps: list[Gap]) -> Conflict:
    zone = _zone()
    dates = ", ".join(g.starts_at.astimezone(zone).strftime("%Y-%m-%d") for g in gaps)
    return Conflict(
        _("Screenings of this plan would overlap other screenings at this site on %(dates)s.",
          dates=dates),
        details=[{"code": "overlap", "message": gap_text(g), "starts_at": g.starts_at.isoformat(),
                  "other_id": g.overlaps[0].id} for g in gaps])


def plan_overlaps(site: Site, *, rule: str, first: datetime, duration_min: int,
                  now: datetime | None = None) -> list[Gap]:
    """The occurrences a new plan would make that overlap screenings at the site (for Check)."""
    now = now or datetime.now(UTC)
    check_moment(first, "starts_at", current_app.config["TIMEZONE"])
    try:
        starts = occurrences(validate_rule(rule), first, current_app.config["TIMEZONE"],
                             max(now, first), now + horizon())
    except RecurrenceError as exc:
        raise Invalid(exc.message) from exc
    length = timedelta(minutes=_duration(duration_min))
    return _overlaps(site, [(start, start + length) for start in starts])


def create_series(site: Site, *, rule: str, first: datetime, duration_min: int, topic: str,
                  audience: str = "all", playlist: list[dict] | None = None,
                  notes: str | None = None, by: str | None = None, force: bool = False,
                  now: datetime | None = None) -> tuple[Series, list[Screening]]:
    """Store a recurring plan and materialise its occurrences for the planning horizon.

    Occurrences overlapping other screenings at the site are a Conflict naming their dates,
    unless forced (as for one screening).
    """
    now = now or datetime.now(UTC)
    try:
        rule = validate_rule(rule)
    except RecurrenceError as exc:
        raise Invalid(exc.message) from exc
    duration_min = _duration(duration_min)
    if not (topic or "").strip():
        raise Invalid(_("A screening needs a topic."))
    resolve_items(site, playlist or [])  # refuse unknown items now, not at each occurrence
    gaps = plan_overlaps(site, rule=rule, first=first, duration_min=duration_min, now=now)
    if gaps and not force:
        raise _overlap_conflict(gaps)
    series = Series(site_id=site.id, rrule=rule, dtstart=first, duration_min=duration_min,
                    topic=topic.strip(), audience=_audience(audience), playlist=playlist or [],
                    notes=notes)
    db.session.add(series)
    db.session.flush()
    made = materialise(series, site, now=now, by=by, force=True)
    return series, made


# Why a plan's screening was cancelled by a change of the plan (shown translated, app/reasons.py).
# Its date is free again: should the plan have that date again, a new screening is made for it.
PLAN_DROPPED = "its plan no longer has this date"


def _not_dropped():
    """Rows other than those a change of their plan cancelled (NULL-safe: a reason may be none)."""
    return or_(Screening.status != "cancelled", Screening.status_reason.is_(None),
               Screening.status_reason != PLAN_DROPPED)


def _unplanned(series: Series, now: datetime) -> list[tuple[datetime, datetime]]:
    """The (start, end) of the plan's dates from now to the horizon that have no screening."""
    zone = _zone()
    taken = {_slot_day(recurrence_at, starts_at, zone) for recurrence_at, starts_at in
             db.session.execute(select(Screening.recurrence_at, Screening.starts_at)
                                .where(Screening.series_id == series.id, _not_dropped()))}
    length = timedelta(minutes=series.duration_min)
    return [(start, start + length) for start in occurrences(
        series.rrule, series.dtstart, current_app.config["TIMEZONE"], max(now, series.dtstart),
        now + horizon()) if start.astimezone(zone).date() not in taken]


def skipped_dates(series: Series, now: datetime | None = None) -> list[Gap]:
    """The plan's dates up to the horizon it left unplanned: other screenings hold their time."""
    now = now or datetime.now(UTC)
    return _overlaps(db.session.get(Site, series.site_id), _unplanned(series, now))


def materialise(series: Series, site: Site, *, now: datetime | None = None,
                by: str | None = None, force: bool = False) -> list[Screening]:
    """Create the occurrences of a series from now to the horizon that do not exist yet.

    A date with a screening of the plan already (whatever its time now, or its status) is not
    made again. Unless forced, a date whose time another open screening at the site holds is
    skipped and logged (once a process): the daily extension never double-books a site on its
    own, and makes the date as soon as that time is free again.
    """
    now = now or datetime.now(UTC)
    wanted = _unplanned(series, now)
    if not wanted:
        return []
    resolve_items(site, series.playlist)  # an unknown item refuses the plan before any row
    blocked = {} if force else {gap.starts_at: gap for gap in _overlaps(site, wanted)}
    made = []
    for start, end in wanted:
        if start in blocked:
            _log_skip(series, blocked[start])
            continue
        screening = Screening(site_id=site.id, series_id=series.id, starts_at=start,
                              recurrence_at=start, ends_at=end, topic=series.topic,
                              audience=series.audience, notes=series.notes, status="planned",
                              created_by=by)
        screening.items = resolve_items(site, series.playlist)
        db.session.add(screening)
        made.append(screening)
    db.session.flush()
    if made:
        events.changed()
    return made


def _log_skip(series: Series, gap: Gap) -> None:
    if (series.id, gap.starts_at) in _skips_logged:
        return
    _skips_logged.add((series.id, gap.starts_at))
    log.warning("plan %s (%s): %s not planned, the time is taken by %s", series.id, series.topic,
                gap.starts_at.astimezone(_zone()).strftime("%Y-%m-%d %H:%M"),
                ", ".join(slot.topic or str(slot.id) for slot in gap.overlaps))


def _playlist_key(items: Iterable[ScreeningItem]) -> list[tuple]:
    return [(i.title.id if i.title else None, i.media_file.id if i.media_file else None)
            for i in items]


def _followers(series: Series, now: datetime) -> tuple[list[Screening], list[Screening]]:
    """The plan's screenings that follow a change of it (future, planned, not edited by hand,
    nobody signed in yet: sign-in opens before the start), and all the others."""
    rows = db.session.scalars(select(Screening).where(Screening.series_id == series.id)).all()
    free = [r for r in rows if r.status == "planned" and not r.edited and r.starts_at > now]
    signed = set(db.session.scalars(select(Attendance.screening_id).where(
        Attendance.screening_id.in_([r.id for r in free])).distinct())) if free else set()
    followers = [r for r in free if r.id not in signed]
    following = {r.id for r in followers}
    return followers, [r for r in rows if r.id not in following]


def update_series(series: Series, changes: dict, *, now: datetime | None = None,
                  force: bool = False) -> int:
    """Change a plan; returns how many future screenings follow it.

    Future occurrences nobody touched are moved or changed in place, matched by their date
    slot; the dates the rule no longer has are dropped; new dates are made. The others stay.
    Moved or new occurrences overlapping other screenings at the site are a Conflict unless
    forced; nothing is changed then.
    """
    now = now or datetime.now(UTC)
    site = db.session.get(Site, series.site_id)
    if "rule" in changes:
        try:
            series.rrule = validate_rule(changes["rule"])
        except RecurrenceError as exc:
            raise Invalid(exc.message) from exc
    if "duration_min" in changes:
        changes = {**changes, "duration_min": _duration(changes["duration_min"])}
    for key in ("topic", "audience", "notes", "duration_min", "playlist", "dtstart"):
        if key in changes:
            setattr(series, key, changes[key])
    playlist = _playlist_key(resolve_items(site, series.playlist))  # refuses unknown items
    zone = _zone()
    followers, others = _followers(series, now)
    taken = {_slot_day(r.recurrence_at, r.starts_at, zone) for r in others
             if (r.status, r.status_reason) != ("cancelled", PLAN_DROPPED)}
    end = max([now + horizon()] + [r.starts_at + timedelta(days=1) for r in followers])
    new_starts = {start.astimezone(zone).date(): start for start in occurrences(
        series.rrule, series.dtstart, current_app.config["TIMEZONE"],
        max(now - timedelta(days=1), series.dtstart), end)}
    length = timedelta(minutes=series.duration_min)
    moves, drops = [], []
    for row in followers:
        start = new_starts.get(_slot_day(row.recurrence_at, row.starts_at, zone))
        if start is None:
            drops.append(row)
        elif start > now:  # today's occurrence moved to a time already past stays as it was
            moves.append((row, start))
    kept = taken | {_slot_day(r.recurrence_at, r.starts_at, zone) for r in followers}
    wanted = [(start, start + length) for row, start in moves
              if (row.starts_at, row.ends_at) != (start, start + length)]
    wanted += [(start, start + length) for day, start in new_starts.items()
               if day not in kept and now <= start < now + horizon()]
    gaps = _overlaps(site, wanted, ignore={str(r.id) for r, _s in moves} | {
        str(r.id) for r in drops})
    if gaps and not force:
        raise _overlap_conflict(gaps)
    for row in drops:  # cancelled, not deleted: sync sends no deletions, a status it does
        row.status, row.status_reason = "cancelled", PLAN_DROPPED
    for row, start in moves:
        row.starts_at, row.ends_at, row.recurrence_at = start, start + length, start
        row.topic, row.audience, row.notes = series.topic, series.audience, series.notes
        if _playlist_key(row.items) != playlist:
            row.items = resolve_items(site, series.playlist)
    db.session.flush()
    made = materialise(series, site, now=now, force=True)
    events.changed()
    return len(moves) + len(made)


def extend_all_series(now: datetime | None = None) -> int:
    """Materialise every active series up to the horizon (run every minute by the runner).

    Only the install a series was made at materialises it (a township's plan on the hub, a
    site's own plan at the site), so synced installs never make the same screening twice. Each
    plan is extended and committed on its own: a plan that cannot be materialised (an item this
    install does not know, or a row that makes it fail) is rolled back alone and logged, and the
    other plans and the rest of the runner's minute go on.
    """
    ids = db.session.scalars(select(Series.id).where(
        Series.active.is_(True), Series.origin_site == current_origin())).all()
    return each_alone(ids, lambda series_id: _extend(series_id, now), "plan %s not extended")


def _extend(series_id: uuid.UUID, now: datetime | None) -> int:
    series = db.session.get(Series, series_id)
    try:
        return len(materialise(series, db.session.get(Site, series.site_id), now=now))
    except (DianjiaoError, RecurrenceError) as exc:  # foreseen: said in a line, no traceback
        db.session.rollback()
        log.warning("plan %s (%s) not extended: %s", series.id, series.topic, exc)
        return 0

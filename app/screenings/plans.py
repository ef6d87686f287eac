"""Recurring plans (series): made, changed in place, extended every minute, and the dates they
skip because other screenings hold the time.

An occurrence is matched to its plan by its date slot: the local date its plan gave it
(`recurrence_at`, RFC 5545's RECURRENCE-ID). A rule makes at most one screening a day
(`validate_rule` refuses BYHOUR and sub-daily rules), so that date names the occurrence whatever
its time of day was then or is now. A change of the plan moves the future occurrences nobody
touched, in place (a synced hub and the phones' calendars see them changed, not replaced);
those cancelled, edited by hand, held or already signed in to stay as they are, and keep their
date: the plan never makes that date again.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select

from schedules.checks import Slot, overlapping
from schedules.recurrence import RecurrenceError, occurrences, validate_rule

from ..catalog.approval import require_approved
from ..dates import check_moment
from ..errors import Conflict, DianjiaoError, Invalid
from ..extensions import db
from ..i18n import show_date, show_time
from ..jobs import each_alone
from ..models import Attendance, Screening, Series, Site
from ..models.base import current_origin
from . import events
from .checks import clean_audience, other_slots
from .playlist import playlist_key, resolve_items

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
             when=show_time(gap.starts_at),
             topic="、".join(slot.topic or "—" for slot in gap.overlaps))


def _overlap_conflict(gaps: list[Gap]) -> Conflict:
    dates = ", ".join(show_date(g.starts_at) for g in gaps)
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
    # Refuse unknown items, and titles not approved here, now, not at each occurrence.
    require_approved([row.title for row in resolve_items(site, playlist or [])], site)
    gaps = plan_overlaps(site, rule=rule, first=first, duration_min=duration_min, now=now)
    if gaps and not force:
        raise _overlap_conflict(gaps)
    series = Series(site_id=site.id, rrule=rule, dtstart=first, duration_min=duration_min,
                    topic=topic.strip(), audience=clean_audience(audience), playlist=playlist or [],
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
    items = resolve_items(site, series.playlist)  # refuses unknown items
    if "playlist" in changes:
        require_approved([row.title for row in items], site)
    playlist = playlist_key(items)
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
        if playlist_key(row.items) != playlist:
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


def first_at(series: Series, start: time) -> datetime:
    """The plan's first date at a new local time of day (the form changes the time, not the date)."""
    zone = _zone()
    return datetime.combine(series.dtstart.astimezone(zone).date(), start,
                            tzinfo=zone).astimezone(UTC)


def upcoming(series: Series, now: datetime, limit: int = 12) -> list[Screening]:
    """The plan's next screenings after `now`, in order."""
    return db.session.scalars(select(Screening).where(
        Screening.series_id == series.id, Screening.starts_at > now)
        .order_by(Screening.starts_at).limit(limit)).all()

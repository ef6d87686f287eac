"""What the planning form asks for: a time slot typed as local times, once or repeating (a
preset or a custom rule), one screening or a recurring plan, and the checks shown before saving.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from schedules.checks import PlanWarning
from schedules.recurrence import preset_rule

from ..errors import Conflict
from ..i18n import show_date, show_time
from ..models import Screening, Site, User
from .checks import check, warning_text
from .plans import create_series, gap_text, plan_overlaps
from .playlist import resolve_items
from .single import create_screening

CUSTOM = "custom"  # the repeat choice that takes the rule as typed


def local_slot(day: date, start: time, end: time, tz: str, *,
               whole_day: bool = False) -> tuple[datetime, datetime]:
    """Start and end (UTC) of a slot typed as a date and two local times of day.

    An end earlier than the start is on the next day (a film night from 22:30 to 00:30): the
    form asks for times of day only, so it holds up to a day less a minute, and the pages say
    when a screening ends the next day. An end equal to the start is refused by the checks,
    unless `whole_day` (a 24-hour screening being edited shows its end as its start).
    """
    zone = ZoneInfo(tz)
    starts_at = datetime.combine(day, start, tzinfo=zone).astimezone(UTC)
    end_day = day + timedelta(days=1) if end < start else day
    ends_at = datetime.combine(end_day, end, tzinfo=zone).astimezone(UTC)
    if whole_day and ends_at == starts_at:
        ends_at += timedelta(hours=24)
    return starts_at, ends_at


def next_day_note(starts_at: datetime, ends_at: datetime, tz: str) -> str | None:
    """The note for a screening ending on a later date than it starts, or None."""
    zone = ZoneInfo(tz)
    end = ends_at.astimezone(zone)
    if end.date() == starts_at.astimezone(zone).date():
        return None
    return _("Ends the next day, %(date)s at %(time)s.", date=show_date(end),
             time=show_time(end, "time"))


def repeat_rule(repeat: str | None, custom: str | None, starts_at: datetime,
                tz: str) -> str | None:
    """The RRULE of the form's repeat choice (a preset takes its day from the start), or None
    for a screening held once. A rule typed under "Advanced" is used whatever the choice."""
    if custom and custom.strip():
        return custom
    if not repeat:
        return None
    return custom if repeat == CUSTOM else preset_rule(repeat, starts_at, tz)


def minutes(starts_at: datetime, ends_at: datetime) -> int:
    return int((ends_at - starts_at).total_seconds() // 60)


@dataclass
class Planned:
    """What the form planned: one screening (with its warnings), or a plan's screenings."""

    screening: Screening | None = None
    made: list[Screening] = field(default_factory=list)
    warnings: list[PlanWarning] = field(default_factory=list)


def plan_screenings(site: Site, *, starts_at: datetime, ends_at: datetime, topic: str, audience: str,
         playlist: list[dict], notes: str | None, rule: str | None, force: bool, by: str,
         viewer: User) -> Planned:
    """Plan a screening, or with a `rule` a recurring plan from this first date on."""
    items = resolve_items(site, playlist, viewer=viewer)
    if rule is not None:
        _series, made = create_series(site, rule=rule, first=starts_at,
                                      duration_min=minutes(starts_at, ends_at), topic=topic,
                                      audience=audience, playlist=playlist, notes=notes, by=by,
                                      force=force)
        return Planned(made=made)
    screening, warnings = create_screening(
        site, starts_at=starts_at, ends_at=ends_at, topic=topic, audience=audience, items=items,
        notes=notes, force=force, by=by, viewer=viewer)
    return Planned(screening=screening, warnings=warnings)


def check_messages(site: Site, starts_at: datetime, ends_at: datetime, playlist: list[dict], *,
                   tz: str, viewer: User, rule: str | None = None,
                   exclude=None) -> list[str]:
    """The planning checks as messages; for a recurring plan (a `rule`) the overlaps of every
    date it would make, instead of the first date's only."""
    items = resolve_items(site, playlist, viewer=viewer)
    found = check(site, starts_at, ends_at, items, exclude=exclude, viewer=viewer)
    messages = [] if (note := next_day_note(starts_at, ends_at, tz)) is None else [note]
    if rule is None:
        return messages + [warning_text(w) for w in found]
    gaps = plan_overlaps(site, rule=rule, first=starts_at,
                         duration_min=minutes(starts_at, ends_at))
    return messages + [gap_text(g) for g in gaps] + [
        warning_text(w) for w in found if w.code != "overlap"]


def refusal_lines(exc: Conflict) -> list[str]:
    """A refusal for overlapping, as lines shown beside the form: why, then each overlap."""
    return [exc.message] + [d["message"] for d in exc.details or []]


def edit_changes(screening: Screening, *, starts_at: datetime, ends_at: datetime, topic: str,
                 audience: str, notes: str | None, titles: list[str]) -> dict:
    """The changes the planning form makes to a screening.

    The form lists titles only: a playlist of files (from the API or a scan), its order and its
    untitled files stay as they are unless the titles chosen, or their order, change.
    """
    changes = {"starts_at": starts_at, "ends_at": ends_at, "topic": topic, "notes": notes,
               "audience": audience}
    if list(titles) != [str(i.title_id) for i in screening.items if i.title_id]:
        changes["items"] = [{"title_id": t} for t in titles]
    return changes

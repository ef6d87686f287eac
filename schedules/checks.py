"""Planning checks for one screening: its times, overlaps at the site, playlist fit and media at hand.

Warnings carry a stable `code` and the `params` a message needs, so the app can translate them; the
English `message` is for logs and the CLI.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime


class PlanError(ValueError):
    """Input no plan can have (end before start, a time without offset)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Slot:
    """A screening's place in time at a site; `id` is None for one not saved yet."""

    id: str | None
    starts_at: datetime
    ends_at: datetime
    topic: str = ""


@dataclass(frozen=True)
class PlanItem:
    """One playlist entry, with what the site knows about it."""

    key: str
    name: str
    duration_s: float | None
    approved: bool
    held_here: bool
    held_at: tuple[str, ...] = ()
    on_the_way: tuple[str, ...] = ()
    on_discs: tuple[str, ...] = ()  # held here only on volumes (discs, sticks) that are out


@dataclass(frozen=True)
class PlanWarning:
    """Something the planner should see before saving; `code` names it for translation."""

    code: str
    message: str
    params: dict = field(default_factory=dict)


# The name the planning API uses; PlanWarning exists so importers need not shadow the builtin.
Warning = PlanWarning


def _is_aware(moment: datetime) -> bool:
    return moment.tzinfo is not None and moment.utcoffset() is not None


def check_times(starts_at: datetime, ends_at: datetime) -> None:
    """Raise PlanError unless both times carry an offset and the end comes after the start."""
    if not (_is_aware(starts_at) and _is_aware(ends_at)):
        raise PlanError("naive_time", "Start and end must be times with a UTC offset.")
    if ends_at <= starts_at:
        raise PlanError("end_before_start", "The end must come after the start.")


def overlapping(slot: Slot, others: Iterable[Slot]) -> list[Slot]:
    """Return the other slots sharing time with `slot`, by start; back-to-back is not an overlap."""
    check_times(slot.starts_at, slot.ends_at)
    found = []
    for other in others:
        if slot.id is not None and other.id == slot.id:
            continue
        if not (_is_aware(other.starts_at) and _is_aware(other.ends_at)):
            raise PlanError("naive_time", "Start and end must be times with a UTC offset.")
        # Half-open intervals [start, end): one ending at 20:00 leaves 20:00 free for the next.
        if other.starts_at < slot.ends_at and slot.starts_at < other.ends_at:
            found.append(other)
    return sorted(found, key=lambda other: other.starts_at)


def playlist_seconds(items: Iterable[PlanItem]) -> float:
    """Return the total length of the items whose length is known."""
    return float(sum(item.duration_s for item in items if item.duration_s is not None))


def _listing(values: Sequence[str]) -> str:
    return ", ".join(values)


def check_plan(slot: Slot, items: Sequence[PlanItem], others: Iterable[Slot]) -> list[PlanWarning]:
    """Return the warnings for a screening: overlaps, too long, unknown lengths, media, approval."""
    warnings = []
    for other in overlapping(slot, others):
        start, end = other.starts_at.isoformat(), other.ends_at.isoformat()
        warnings.append(PlanWarning(
            "overlap",
            f"Overlaps another screening at this site ({other.topic or 'no topic'}, {start} to {end}).",
            {"other_id": other.id, "topic": other.topic, "starts_at": start, "ends_at": end},
        ))
    total = playlist_seconds(items)
    slot_s = (slot.ends_at - slot.starts_at).total_seconds()
    if total > slot_s:
        warnings.append(PlanWarning(
            "too_long",
            f"The playlist runs {total:.0f} s, longer than the {slot_s:.0f} s of the screening.",
            {"total_s": total, "slot_s": slot_s},
        ))
    unknown = [item.name for item in items if item.duration_s is None]
    if unknown:
        warnings.append(PlanWarning(
            "unknown_length",
            f"The length of {_listing(unknown)} is not known, so the fit cannot be checked.",
            {"names": unknown},
        ))
    for item in items:
        if not item.held_here and item.on_discs:
            warnings.append(PlanWarning(
                "insert_disc",
                f"{item.name} is only on disc {_listing(item.on_discs)}: insert it before the "
                "screening.",
                {"name": item.name, "discs": list(item.on_discs)},
            ))
        elif not item.held_here:
            where = f"held at {_listing(item.held_at)}" if item.held_at else "held at no other site"
            coming = f"on its way: {_listing(item.on_the_way)}" if item.on_the_way else "none on its way"
            warnings.append(PlanWarning(
                "not_held",
                f"{item.name} has no file at this site ({where}; {coming}).",
                {"name": item.name, "held_at": list(item.held_at), "on_the_way": list(item.on_the_way)},
            ))
    for item in items:
        if not item.approved:
            warnings.append(PlanWarning(
                "not_approved", f"{item.name} is not approved for screening.", {"name": item.name},
            ))
    return warnings

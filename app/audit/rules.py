"""The audit's rules: which flags a screening's records raise (docs/township.md, "Audit").

Plain facts in, plain flags out; services.py reads the facts from the database. Every time of a
site's records is on the site's clock; `clock_offset_s` (the site's clock minus the true time,
as far as the hub knows it) is taken out of them only where they meet a true time (the screening's
planned end), since records of one clock agree among themselves whatever its error.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .pictures import brightness, difference, probe


@dataclass(frozen=True)
class Thresholds:
    signin_slack_min: float = 30
    short_share: float = 0.5
    burst_signins: int = 10
    burst_seconds: float = 20
    phone_people: int = 3
    black_level: float = 16
    same_level: float = 2.0
    late_paper_hours: float = 48

    @classmethod
    def from_config(cls, config: Mapping) -> Thresholds:
        return cls(signin_slack_min=float(config["AUDIT_SIGNIN_SLACK_MIN"]),
                   short_share=float(config["AUDIT_SHORT_SHARE"]),
                   burst_signins=int(config["AUDIT_BURST_SIGNINS"]),
                   burst_seconds=float(config["AUDIT_BURST_SECONDS"]),
                   phone_people=int(config["AUDIT_PHONE_PEOPLE"]),
                   black_level=float(config["AUDIT_BLACK_LEVEL"]),
                   same_level=float(config["AUDIT_SAME_LEVEL"]),
                   late_paper_hours=float(config["AUDIT_LATE_PAPER_HOURS"]))


@dataclass(frozen=True)
class Play:
    started_at: datetime
    ended_at: datetime | None
    played_s: float


@dataclass(frozen=True)
class Mark:
    """A counted sign-in (present or late)."""

    method: str  # kiosk, phone, operator, paper
    signed_at: datetime
    created_at: datetime  # when the row was written: a paper sheet's entry
    device: str | None  # a phone's own id; a kiosk's browser (User-Agent)
    recorded_by: str | None = None  # a kiosk's login


@dataclass
class Facts:
    starts_at: datetime
    ends_at: datetime
    status: str
    planned_s: float  # the playlist's length when every item's is known, else the slot
    plays: list[Play] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    snapshots: list[bytes] = field(default_factory=list)  # JPEG thumbnails
    clock_offset_s: int = 0


@dataclass(frozen=True)
class Found:
    code: str
    severity: str
    params: dict


def audit(facts: Facts, limits: Thresholds) -> tuple[list[Found], list[dict]]:
    """The flags the facts raise, and the notes (remarks that are no flag)."""
    found: list[Found] = []
    notes: list[dict] = []
    played = [p for p in facts.plays if p.played_s > 0]
    for rule in (_no_playback, _short_playback, _signin_burst, _late_paper):
        flag = rule(facts, played, limits)
        if flag is not None:
            found.append(flag)
    pictures = _frozen_or_black(facts, limits)
    if pictures is not None:
        found.append(pictures)
    if played and not facts.snapshots:
        notes.append({"code": "no_snapshots", "params": {}})
    if abs(facts.clock_offset_s) >= 300:
        notes.append({"code": "clock_off", "params": {"minutes": round(facts.clock_offset_s / 60)}})
    return found, notes


def _no_playback(facts: Facts, played: list[Play], limits: Thresholds) -> Found | None:
    if not facts.marks:
        return None
    if not played:
        return Found("no_playback", "high", {"marks": len(facts.marks), "outside": len(facts.marks),
                                             "plays": 0})
    slack = timedelta(minutes=limits.signin_slack_min)
    first = min(p.started_at for p in played) - slack
    last = max(p.ended_at or p.started_at + timedelta(seconds=p.played_s) for p in played) + slack
    # A paper sheet carries no time of its own (it is signed at the start): only a
    # device's sign-in says when someone was there.
    outside = [m for m in facts.marks if m.method != "paper" and not first <= m.signed_at <= last]
    if not outside:
        return None
    return Found("no_playback", "high", {"marks": len(facts.marks), "outside": len(outside),
                                         "plays": len(played)})


def _short_playback(facts: Facts, played: list[Play], limits: Thresholds) -> Found | None:
    if facts.status not in ("done", "partial") and not played:
        return None
    if facts.planned_s <= 0:
        return None
    total = sum(p.played_s for p in played)
    if total >= limits.short_share * facts.planned_s:
        return None
    return Found("short_playback", "medium", {
        "played_min": round(total / 60, 1), "planned_min": round(facts.planned_s / 60, 1),
        "percent": round(100 * limits.short_share)})


def _signin_burst(facts: Facts, _played: list[Play], limits: Thresholds) -> Found | None:
    by_device: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for mark in facts.marks:
        if mark.method == "kiosk":  # a kiosk is its login and its browser
            by_device[mark.method, f"{mark.recorded_by or '?'} {mark.device or '?'}"].append(
                mark.signed_at)
        elif mark.method == "phone":
            by_device[mark.method, mark.device or "?"].append(mark.signed_at)
    window = timedelta(seconds=limits.burst_seconds)
    worst: dict | None = None
    for (method, device), times in sorted(by_device.items()):
        if method == "kiosk":
            times.sort()
            most = max(_in_window(times, i, window) for i in range(len(times)))
            if most >= limits.burst_signins and (worst is None or most > worst["count"]):
                worst = {"method": method, "count": most, "seconds": round(limits.burst_seconds)}
        elif device != "?" and len(times) >= limits.phone_people and (
                worst is None or len(times) > worst["count"]):
            worst = {"method": method, "count": len(times), "seconds": 0}
    return Found("signin_burst", "medium", worst) if worst else None


def _in_window(times: list[datetime], start: int, window: timedelta) -> int:
    end = start
    while end < len(times) and times[end] - times[start] <= window:
        end += 1
    return end - start


def _late_paper(facts: Facts, played: list[Play], limits: Thresholds) -> Found | None:
    if played:
        return None
    offset = timedelta(seconds=facts.clock_offset_s)
    due = facts.ends_at + timedelta(hours=limits.late_paper_hours)
    late = [m for m in facts.marks if m.method == "paper" and m.created_at - offset > due]
    if not late:
        return None
    days = max((m.created_at - offset - facts.ends_at) for m in late).total_seconds() / 86400
    return Found("late_paper", "high", {"entries": len(late), "days": round(days, 1)})


def _frozen_or_black(facts: Facts, limits: Thresholds) -> Found | None:
    """Every snapshot black, or (two or more) all alike. None without snapshots: no screen is
    no proof either way, and gets its own note."""
    if not facts.snapshots:
        return None
    probes = []
    for data in facts.snapshots:
        try:
            probes.append(probe(data))
        except Exception:  # a damaged thumbnail proves nothing either way
            continue
    if not probes:
        return None
    if all(brightness(p) < limits.black_level for p in probes):
        return Found("frozen_or_black", "medium", {"pictures": len(probes), "how": "black"})
    if len(probes) >= 2 and all(difference(probes[0], p) < limits.same_level for p in probes[1:]):
        return Found("frozen_or_black", "medium", {"pictures": len(probes), "how": "same"})
    return None

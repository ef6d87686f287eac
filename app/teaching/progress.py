"""How a plan is followed: per session, the sites that held it, missed it, moved it, cancelled
it (with reasons) or have it ahead, with attendance; per site, the share of its due screenings
it held (its compliance)."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..attendance.services import COUNTED
from ..extensions import among, db
from ..lookup import chunks
from ..models import Attendance, Screening, Site
from ..models.screenings import HELD_SCREENINGS as HELD
from ..models.teaching import TeachingPlan
from ..reports.export import Table
from ..screenings.plans import PLAN_DROPPED

OUTCOMES = ("held", "missed", "moved", "cancelled", "ahead")
OUTCOME_LABELS = {"held": _l("Held"), "missed": _l("Missed"), "moved": _l("Moved"),
                  "cancelled": _l("Cancelled"), "ahead": _l("Ahead")}


def outcome(status: str, site_change: str | None, ends_at: datetime, now: datetime) -> str:
    if status in HELD:
        return "held"
    if status == "cancelled":
        return "cancelled"
    if status == "missed" or (status == "planned" and ends_at <= now):
        return "missed"
    return "moved" if site_change == "moved" else "ahead"


def plan_progress(plan: TeachingPlan, now: datetime | None = None) -> dict:
    """The plan's progress as the API and the page show it."""
    now = now or datetime.now(UTC)
    sessions = {s.id: s for s in plan.sessions}
    rows = db.session.execute(select(
        Screening.id, Screening.site_id, Screening.teaching_session_id, Screening.status,
        Screening.status_reason, Screening.site_change, Screening.starts_at, Screening.ends_at,
        Screening.recurrence_at).where(Screening.teaching_session_id.in_(list(sessions)))).all()
    rows = [r for r in rows if (r.status, r.status_reason) != ("cancelled", PLAN_DROPPED)]
    counts: dict[uuid.UUID, int] = {}
    for part in chunks([r.id for r in rows if r.status in HELD], 1000):
        counts.update(db.session.execute(select(
            Attendance.screening_id, func.count()).where(
            among(Attendance.screening_id, part), Attendance.status.in_(COUNTED))
            .group_by(Attendance.screening_id)).all())
    codes = {}
    for part in chunks(list({r.site_id for r in rows}), 1000):
        codes.update(db.session.execute(select(Site.id, Site.code).where(
            among(Site.id, part))).all())
    per_session: dict[uuid.UUID, list[dict]] = defaultdict(list)
    per_site: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        found = outcome(r.status, r.site_change, r.ends_at, now)
        code = codes.get(r.site_id, "")
        per_session[r.teaching_session_id].append({
            "site": code, "screening_id": str(r.id), "outcome": found,
            "moved": r.site_change == "moved",
            "planned_at": (r.recurrence_at or r.starts_at).isoformat(),
            "starts_at": r.starts_at.isoformat(),
            "reason": r.status_reason if found == "cancelled" else None,
            "attendance": counts.get(r.id, 0)})
        per_site[code][found] += 1
        per_site[code]["attendance"] += counts.get(r.id, 0)
    session_list = []
    for session in plan.sessions:
        entries = sorted(per_session.get(session.id, []),
                         key=lambda e: (e["site"], e["planned_at"]))
        tally = Counter(e["outcome"] for e in entries)
        session_list.append({
            "id": str(session.id), "position": session.position, "topic": session.topic,
            **{name: tally.get(name, 0) for name in OUTCOMES},
            "attendance": sum(e["attendance"] for e in entries), "sites": entries})
    site_list = []
    for code in sorted(per_site):
        tally = per_site[code]
        due = tally["held"] + tally["missed"] + tally["cancelled"]
        site_list.append({"site": code, **{name: tally.get(name, 0) for name in OUTCOMES},
                          "attendance": tally["attendance"], "due": due,
                          "compliance": round(tally["held"] / due, 4) if due else None})
    return {"plan_id": str(plan.id), "name": plan.name, "sessions": session_list,
            "sites": site_list}


def progress_table(progress: dict) -> Table:
    """Every site's screening of every session, one line each (CSV and XLSX)."""
    columns = [("session", _l("Session")), ("topic", _l("Topic")), ("site", _l("Site")),
               ("planned_at", _l("Planned for")), ("starts_at", _l("Starts")),
               ("outcome", _l("Outcome")), ("reason", _l("Reason")),
               ("attendance", _l("Attendance"))]
    rows = [{"session": session["position"] + 1, "topic": session["topic"],
             "site": entry["site"], "planned_at": entry["planned_at"][:16],
             "starts_at": entry["starts_at"][:16], "outcome": str(OUTCOME_LABELS[entry["outcome"]]),
             "reason": entry["reason"] or "", "attendance": entry["attendance"]}
            for session in progress["sessions"] for entry in session["sites"]]
    return Table("progress", progress["name"], columns, rows)

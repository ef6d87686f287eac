"""A person's page: the screenings they were signed in at, and their study hours against the
month's and the year's targets."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from ..attendance.services import COUNTED, played_minutes_of, study_minutes
from ..extensions import db
from ..models import Attendance, Person, Screening

Bounds = tuple[datetime, datetime]


def study_hours(person: Person, month: Bounds, year: Bounds, *, month_target: float,
                year_target: float) -> dict[str, float]:
    """Hours studied in the month and the year (each a [start, end) in UTC), with the targets."""
    return {"month": study_minutes(person, *month) / 60, "year": study_minutes(person, *year) / 60,
            "month_target": float(month_target), "year_target": float(year_target)}


def attendance_history(person: Person, limit: int
                       ) -> tuple[list[tuple[Attendance, Screening]], dict[uuid.UUID, float]]:
    """The person's last `limit` sign-ins with their screenings, newest first, and the minutes
    that played at each screening they counted at (present or late)."""
    rows = [tuple(row) for row in db.session.execute(
        select(Attendance, Screening).join(Screening, Attendance.screening_id == Screening.id)
        .where(Attendance.person_id == person.id).order_by(Screening.starts_at.desc())
        .limit(limit)).all()]
    return rows, played_minutes_of([s for a, s in rows if a.status in COUNTED])

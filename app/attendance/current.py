"""What the kiosk and the phone pages show: the screening a site signs people in for now, the
next one, how many have signed in, a phone's own sign-in, and whether one phone may sign in
several people."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from ..models import Attendance, Person, Screening, Site
from ..people.services import search_people
from .services import COUNTED, is_open, sign_in_villages, villages_of


def current_screening(site: Site, now: datetime) -> Screening | None:
    """The site's screening whose sign-in window is open; of several, the next to start."""
    config = current_app.config
    rows = db.session.scalars(select(Screening).where(
        Screening.site_id == site.id, Screening.status != "cancelled",
        Screening.starts_at <= now + timedelta(minutes=int(config["SIGNIN_OPENS_MIN"])),
        Screening.ends_at >= now - timedelta(minutes=int(config["SIGNIN_CLOSES_MIN"])))).all()
    rows = [s for s in rows if is_open(s, now)]
    # one that has not ended yet wins over one that has (people at the door are for what comes)
    return min(rows, key=lambda s: (s.ends_at < now, s.starts_at), default=None)


def next_screening(site: Site, now: datetime) -> Screening | None:
    """The site's next screening whose sign-in has not opened yet."""
    opens = timedelta(minutes=int(current_app.config["SIGNIN_OPENS_MIN"]))
    return db.session.scalar(select(Screening).where(
        Screening.site_id == site.id, Screening.status != "cancelled",
        Screening.starts_at > now + opens).order_by(Screening.starts_at).limit(1))


def signed_count(screening: Screening) -> int:
    """How many signed in (present or late) at the screening."""
    return db.session.scalar(select(func.count(Attendance.id)).where(
        Attendance.screening_id == screening.id, Attendance.status.in_(COUNTED))) or 0


def people_to_sign(q: str, screening: Screening, *, township: bool, limit: int) -> list[Person]:
    """People whose name matches `q` (its first 40 characters) among the screening's villages,
    or with `township` (someone from another village, asked for explicitly) its site's
    township's, the screening's own first; at most `limit`."""
    q = " ".join(q.split())[:40]
    if not q:
        return []
    query = search_people(q, villages=villages_of(screening),
                          within=sign_in_villages(screening.site, township=township))
    return list(db.session.scalars(query.limit(limit)))


def site_id_of(row: Attendance) -> uuid.UUID:
    """The site of a sign-in's screening."""
    return db.session.get(Screening, row.screening_id).site_id


def phone_sign_in(screening: Screening, device: str | None) -> Attendance | None:
    """The sign-in this phone (its device id) made at the screening, if any."""
    if device is None:
        return None
    return db.session.scalar(select(Attendance).where(
        Attendance.screening_id == screening.id, Attendance.method == "phone",
        Attendance.device == device).limit(1))


def share_phone(screening: Screening, shared: bool) -> None:
    """Let one phone sign several people (a family) in at the screening, or one person again."""
    screening.phone_shared = shared

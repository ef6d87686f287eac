"""A site's screenings as an iCalendar feed, for phones, behind a secret key in its address."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import Screening, Site

SHOWN_PAST = timedelta(days=30)  # screenings ended longer ago are left out of the feed


def feed_key(code: str) -> str:
    """The secret in a site's calendar feed address (phones cannot log in to fetch it)."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"ics:{code}".encode(), hashlib.sha256).hexdigest()[:32]


def key_matches(code: str, key: str) -> bool:
    return hmac.compare_digest(key.encode(), feed_key(code).encode())


def site_of_feed(code: str) -> Site | None:
    """The site of a feed's address (the key, not a login, lets the caller see it)."""
    return db.session.scalar(select(Site).where(Site.code == code))


def site_feed(site: Site, now: datetime) -> bytes:
    """The site's screenings not cancelled, from a month before `now` on, as iCalendar."""
    from icalendar import Calendar, Event  # only the feed needs it

    cal = Calendar()
    cal.add("prodid", "-//Dianjiao//screenings//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{site.name} · {_('Screenings')}")
    for s in db.session.scalars(select(Screening).where(
            Screening.site_id == site.id, Screening.ends_at > now - SHOWN_PAST,
            Screening.status != "cancelled").order_by(Screening.starts_at)):
        event = Event()
        event.add("uid", f"{s.id}@dianjiao")
        event.add("summary", s.topic)
        event.add("dtstart", s.starts_at)
        event.add("dtend", s.ends_at)
        event.add("dtstamp", s.updated_at)
        event.add("location", site.name)
        if s.notes:
            event.add("description", s.notes)
        cal.add_component(event)
    return cal.to_ical()

"""The outbox as a page shows it: the reminders of the screenings a user may see."""

from __future__ import annotations

from sqlalchemy import Select, select

from ..auth.scope import visible_sites
from ..models import Reminder, Screening, Site, User


def visible_reminders(user: User, state: str | None = None) -> Select:
    """The reminders of screenings at the sites `user` may see, the newest screening first."""
    query = (select(Reminder).join(Screening, Reminder.screening_id == Screening.id)
             .where(Screening.site_id.in_(visible_sites(user).with_only_columns(Site.id))))
    if state:
        query = query.where(Reminder.state == state)
    return query.order_by(Screening.starts_at.desc(), Reminder.created_at, Reminder.id)


def masked(phone: str) -> str:
    """A phone number with its middle hidden (138****0001): the page needs to tell rows apart,
    not to hand the numbers out."""
    if len(phone) <= 7:
        return phone[:2] + "*" * max(0, len(phone) - 2)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]

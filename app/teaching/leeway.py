"""What a site may change of a plan's screening: move it within the plan's window, or cancel it
giving a reason. Anything else is the township's to change."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _

from ..auth.roles import OPERATOR
from ..errors import Forbidden, Invalid
from ..i18n import show_date
from ..install import is_site
from ..models import Screening, User

MOVABLE = {"starts_at", "ends_at", "force"}
REASON_LIMIT = 300


def by_site(viewer: User | None) -> bool:
    """Whether a change is the site's own (its operator, or anyone at a site install)."""
    return is_site() or (viewer is not None and viewer.role == OPERATOR)


def window_days(screening: Screening) -> int:
    return screening.teaching_session.plan.move_window_days


def check_site_edit(screening: Screening, changes: dict, viewer: User | None) -> bool:
    """Refuse a site's change of a plan's screening other than a move; True if it is the site's.

    The window is checked once the new start is known (check_move)."""
    if screening.teaching_session_id is None or not by_site(viewer):
        return False
    if set(changes) - MOVABLE:
        raise Forbidden(_("This screening belongs to the teaching plan %(plan)s: a site may move "
                          "it by up to %(days)d days or cancel it with a reason; other changes "
                          "are the township's.", plan=screening.teaching_session.plan.name,
                          days=window_days(screening)))
    return True


def check_move(screening: Screening, starts_at: datetime, ends_at: datetime) -> None:
    """A move within ± the plan's window of the date the plan gave, keeping its length."""
    planned = screening.recurrence_at or screening.starts_at
    days = window_days(screening)
    if abs(starts_at - planned) > timedelta(days=days):
        raise Invalid(_("A plan's screening can move by at most %(days)d days from %(date)s.",
                        days=days, date=show_date(planned)),
                      details=[{"code": "move_window", "days": days,
                                "planned_at": planned.isoformat()}])


def clean_reason(reason) -> str:
    text = str(reason or "").strip()
    if not text:
        raise Invalid(_("Give a reason to cancel a teaching plan's screening."))
    if len(text) > REASON_LIMIT:
        raise Invalid(_("The reason is at most %(num)d characters.", num=REASON_LIMIT))
    return text

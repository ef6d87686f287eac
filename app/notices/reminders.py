"""The reminder outbox: a message to each expected person with a phone, the day before their
screening, sent through the gateway an install configures.

Filling the queue and sending are apart. `queue_due` writes one row a person and screening (the
unique key keeps it to one however often it runs); `send_due` posts what is due to the gateway.
Without a gateway nothing is sent: the numbers stay in the outbox. A failure (an answer other than
2xx, a refused connection, a timeout) is kept on the row with the next try, sooner first and then
further apart (exponential backoff), until REMINDER_MAX_ATTEMPTS; a gateway that is down ends the
pass, so a hanging gateway costs one timeout a pass, not one a message.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from ..attendance.services import expected_people
from ..clock import now as utcnow
from ..clock import today
from ..extensions import db
from ..install import is_site, site_code
from ..models import Reminder, Screening, Site
from .planned import day_bounds, reminder_text

log = logging.getLogger(__name__)

DEFAULT_BODY = '{"phone": "{phone}", "text": "{text}"}'
SETTINGS = {  # the REMINDER_* settings and their defaults (DIANJIAO_REMINDER_* override)
    "REMINDER_GATEWAY_URL": None,  # http(s) address the messages are POSTed to; unset: none sent
    "REMINDER_GATEWAY_BODY": DEFAULT_BODY,  # {phone} and {text} are filled in
    "REMINDER_GATEWAY_CONTENT_TYPE": "application/json",
    "REMINDER_GATEWAY_TIMEOUT_S": 10,
    "REMINDER_MAX_ATTEMPTS": 6,
    "REMINDER_RETRY_S": 60,  # the wait after the first failure; it doubles after each
    "REMINDER_BATCH": 200,  # messages sent in one pass at most
}


def setting(name: str):
    value = current_app.config.get(name)
    return SETTINGS[name] if value is None else value


class GatewayDown(Exception):
    """The gateway could not be reached or did not answer in time: the pass stops."""


@dataclass
class Pass:
    """What one run of the outbox did."""

    queued: int = 0
    sent: int = 0
    failed: int = 0
    cancelled: int = 0
    gateway: bool = True
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"queued": self.queued, "sent": self.sent, "failed": self.failed,
                "cancelled": self.cancelled, "gateway": self.gateway, "errors": self.errors}


def gateway_url() -> str | None:
    url = (setting("REMINDER_GATEWAY_URL") or "").strip()
    return url or None


def _tomorrows_screenings(now: datetime) -> list[Screening]:
    day: date = today(at=now) + timedelta(days=1)
    start, end = day_bounds(day, day)
    query = select(Screening).where(Screening.status == "planned", Screening.starts_at >= start,
                                    Screening.starts_at < end, Screening.starts_at > now)
    if is_site():  # a site reminds only for its own screenings; the hub for all of its sites'
        query = query.join(Site, Screening.site_id == Site.id).where(Site.code == site_code())
    return db.session.scalars(query.order_by(Screening.starts_at)).all()


def queue_due(now: datetime | None = None) -> int:
    """Queue a reminder for each expected person with a phone of tomorrow's planned screenings;
    returns how many rows are new. Never a second row for a person and screening."""
    now = now or utcnow()
    added = 0
    for screening in _tomorrows_screenings(now):
        have = set(db.session.scalars(select(Reminder.person_id).where(
            Reminder.screening_id == screening.id)))
        text = reminder_text(screening)
        for person in expected_people(screening):
            phone = (person.phone or "").strip()
            if not phone or person.id in have:
                continue
            db.session.add(Reminder(screening_id=screening.id, person_id=person.id, phone=phone,
                                    text=text, state="queued", next_try_at=now))
            added += 1
        db.session.flush()
    return added


def _body(phone: str, text: str) -> tuple[bytes, str]:
    template = str(setting("REMINDER_GATEWAY_BODY"))
    kind = str(setting("REMINDER_GATEWAY_CONTENT_TYPE"))
    if "json" in kind:
        def escape(value):
            return json.dumps(value, ensure_ascii=False)[1:-1]
    else:
        escape = urllib.parse.quote_plus
    body = template.replace("{phone}", escape(phone)).replace("{text}", escape(text))
    return body.encode(), kind


def deliver(url: str, phone: str, text: str) -> None:
    """POST one message; raises ValueError on an answer other than 2xx and GatewayDown when the
    gateway cannot be reached or does not answer within the timeout."""
    body, kind = _body(phone, text)
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": f"{kind}; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=float(setting("REMINDER_GATEWAY_TIMEOUT_S"))):
            return
    except urllib.error.HTTPError as exc:
        raise ValueError(f"the gateway answered {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise GatewayDown(f"the gateway could not be reached: {reason}") from exc


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after `attempts` failures: 1, 2, 4, 8 ... times the first."""
    return timedelta(seconds=float(setting("REMINDER_RETRY_S")) * 2 ** max(0, attempts - 1))


def _failed(row: Reminder, error: str, now: datetime) -> None:
    row.state = "failed"
    row.attempts += 1
    row.last_error = error[:300]
    give_up = (row.attempts >= int(setting("REMINDER_MAX_ATTEMPTS"))
               or now + backoff(row.attempts) >= row.screening.starts_at)
    row.next_try_at = None if give_up else now + backoff(row.attempts)


def due(now: datetime) -> list[Reminder]:
    return db.session.scalars(
        select(Reminder).where(or_(Reminder.state == "queued", Reminder.state == "failed"),
                               Reminder.next_try_at.is_not(None), Reminder.next_try_at <= now)
        .order_by(Reminder.next_try_at, Reminder.id).limit(int(setting("REMINDER_BATCH")))).all()


def claim(reminder_id, seen: datetime | None, now: datetime) -> bool:
    """Take a due message for this process: its next try moves past the time a send may take,
    only if no other process moved it first. Two senders at once then never send one message
    twice; one that dies while sending leaves it to be tried again once that time is over."""
    lease = now + timedelta(seconds=float(setting("REMINDER_GATEWAY_TIMEOUT_S")) + 60)
    taken = db.session.execute(
        update(Reminder).where(Reminder.id == reminder_id, Reminder.next_try_at == seen,
                               Reminder.state.in_(("queued", "failed")))
        .values(next_try_at=lease).execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return taken == 1


def send_due(now: datetime | None = None) -> Pass:
    """Send the messages due now, each committed as it goes (a message sent is never sent again
    for a later failure). Nothing leaves without a configured gateway."""
    now = now or utcnow()
    result = Pass()
    url = gateway_url()
    if url is None:
        result.gateway = False
        return result
    for row in due(now):
        if not claim(row.id, row.next_try_at, now):
            continue  # another process (serve's tick, a command) has just taken it
        if row.screening.status != "planned" or row.screening.starts_at <= now:
            row.state, row.next_try_at = "cancelled", None
            result.cancelled += 1
            db.session.commit()
            continue
        try:
            deliver(url, row.phone, row.text)
        except (ValueError, GatewayDown) as exc:
            _failed(row, str(exc), now)
            result.failed += 1
            result.errors.append(str(exc))
            db.session.commit()
            if isinstance(exc, GatewayDown):
                log.warning("reminders: %s; the rest wait for the next pass", exc)
                break
            continue
        row.state, row.sent_at, row.next_try_at, row.last_error = "sent", now, None, None
        row.attempts += 1
        result.sent += 1
        db.session.commit()
    return result


def run(now: datetime | None = None) -> Pass:
    """One pass of the outbox: queue tomorrow's reminders, then send what is due."""
    now = now or utcnow()
    queued = queue_due(now)
    db.session.commit()
    result = send_due(now)
    result.queued = queued
    return result

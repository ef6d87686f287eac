"""One HTTP request to the hub, retried with backoff: connection errors and 5xx (and 408, 429).

Only the standard library speaks HTTP here (urllib): a site PC needs nothing more installed.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import logging
import random
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _

from ...clock import now as utcnow
from ...errors import DianjiaoError

TIMEOUT_S = 300  # socket inactivity; a big import on the hub answers only when it is done
RETRYABLE = frozenset({408, 429, 500, 502, 503, 504})

log = logging.getLogger(__name__)


class SyncNetError(DianjiaoError):
    """A push or pull that did not happen; `status` is the hub's HTTP status (0: no answer)."""

    code = "sync_failed"

    def __init__(self, message: str, *, status: int = 0, reason: str = "network"):
        super().__init__(message)
        self.http_status = status
        self.reason = reason


@dataclass
class Retry:
    """How often and how long to try: exponential backoff with jitter, capped.

    `wait(seconds)` sleeps between attempts; a true return value means "stop trying" (the
    serve's job passes its stop event's wait). Tests inject a wait that records the delays.
    `tell(message)`, if given, is told each failure and the wait before the next attempt (the
    CLI prints it, so a person running `sync push` by hand is not left staring at nothing).
    """

    attempts: int = 5
    base: float = 2.0
    cap: float = 300.0
    wait: Callable[[float], object] = time.sleep
    rand: Callable[[], float] = random.random
    tell: Callable[[str], object] | None = None

    def delay(self, failures: int, retry_after: float | None = None) -> float:
        """The wait after the n-th failure: a random point in the upper half of base·2ⁿ⁻¹
        (so waits never shrink and never bunch up), at most the cap; a Retry-After is honoured
        within the cap."""
        ceiling = min(self.cap, self.base * 2 ** (failures - 1))
        chosen = ceiling / 2 + self.rand() * ceiling / 2
        if retry_after is not None:
            chosen = max(chosen, retry_after)
        return min(self.cap, chosen)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    attempts: int = 1
    skew_s: int | None = None
    warnings: list[str] = field(default_factory=list)

    def json(self) -> dict:
        try:
            document = json.loads(self.body)
        except ValueError:
            return {}
        return document if isinstance(document, dict) else {}

    def error_message(self) -> str:
        error = self.json().get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        text = self.body[:2000].decode("utf-8", "replace").strip()
        if text.lower().startswith(("<html", "<!doctype")):  # a proxy's page (nginx): its title
            title = re.search(r"<title>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
            return " ".join(title.group(1).split()) if title else f"HTTP {self.status}"
        return text[:200] or f"HTTP {self.status}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is reported, not followed: a POST would arrive as a bodiless GET."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _send(method: str, url: str, data: bytes | None, headers: dict[str, str],
          timeout: float) -> Reply:
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with _opener.open(request, timeout=timeout) as response:
            return Reply(response.status, dict(response.headers.items()), response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return Reply(exc.code, dict(exc.headers.items()) if exc.headers else {}, exc.read())


def _clock_skew(reply: Reply, received: datetime) -> int | None:
    """The hub's clock minus ours, in whole seconds, from the reply's Date header."""
    date = next((v for k, v in reply.headers.items() if k.lower() == "date"), None)
    if not date:
        return None
    try:
        theirs = email.utils.parsedate_to_datetime(date)
    except (TypeError, ValueError):
        return None
    if theirs.tzinfo is None:
        return None
    return round((theirs - received).total_seconds())


def exchange(method: str, url: str, *, data: bytes | None = None,
             headers: Callable[[], dict[str, str]] = dict, retry: Retry | None = None,
             timeout: float = TIMEOUT_S, clock: Callable[[], datetime] = utcnow) -> Reply:
    """Send a request, retrying connection errors and 5xx (and 408, 429) with backoff.

    Any other answer is final and returned. `headers` is called before every attempt, so a
    signed request carries a fresh time. Raises SyncNetError when the last attempt fails.
    """
    retry = retry or Retry()
    problem = ""
    for attempt in range(1, retry.attempts + 1):
        retry_after = None
        try:
            reply = _send(method, url, data, {"User-Agent": "dianjiao-sync", **headers()},
                          timeout)
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", None) or exc
            problem = _("no answer (%(error)s)", error=str(reason) or type(exc).__name__)
        else:
            reply.attempts = attempt
            reply.skew_s = _clock_skew(reply, clock())
            if reply.status not in RETRYABLE:
                return reply
            problem = _("HTTP %(status)s: %(message)s", status=reply.status,
                        message=reply.error_message())
            value = reply.headers.get("Retry-After", "")
            retry_after = float(value) if value.isdigit() else None
        if attempt == retry.attempts:
            break
        delay = retry.delay(attempt, retry_after)
        log.info("sync: %s %s failed (%s); trying again in %.0f s", method, url, problem, delay)
        if retry.tell:
            retry.tell(_("The hub did not take it (%(problem)s); trying again in %(s)s s "
                         "(attempt %(n)s of %(of)s). Ctrl-C stops: nothing is lost.",
                         problem=problem, s=f"{delay:.0f}", n=attempt + 1, of=retry.attempts))
        if retry.wait(delay):
            raise SyncNetError(_("Stopped while waiting to try the hub again."), reason="stopped")
    raise SyncNetError(_("The hub at %(url)s did not take the request after %(n)s attempts; "
                         "last: %(problem)s. Nothing is lost: the next push or pull sends it "
                         "again.", url=url, n=retry.attempts, problem=problem))

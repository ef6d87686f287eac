"""Sync over HTTP: the signed pull request both ends agree on, a site's push and pull with
retry and backoff, and the periodic job of a site's `dianjiao serve` (docs/sync-http.md).

The bundle is the same as on a USB stick and carries its own HMAC signature, so a push needs no
login. A pull is a GET signed with the link's key over the method, path, site code and time.
Only the standard library speaks HTTP here (urllib): a site PC needs nothing more installed.
"""

from __future__ import annotations

import email.utils
import hmac
import http.client
import io
import json
import logging
import random
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import DianjiaoError, Invalid
from ..extensions import db
from ..install import is_site
from ..models import SyncPeer
from ..models.base import utcnow
from .bundle import sign

PUSH_PATH = "/api/v1/sync/bundles"
PULL_PATH = "/api/v1/sync/bundles/outbound"
SITE_HEADER, TIME_HEADER, SIGNATURE_HEADER = ("X-Dianjiao-Site", "X-Dianjiao-Time",
                                              "X-Dianjiao-Signature")
MAX_CLOCK_OFF = timedelta(minutes=15)  # a signed pull older or newer than this is refused
SKEW_WARNING_S = 300  # the hub's clock this far from ours: warn (nothing is lost, see sync.md)
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


class PullRefused(DianjiaoError):
    """The hub refuses a signed pull: unsigned (401), unknown, revoked, bad signature or clock."""

    def __init__(self, message: str, *, code: str, status: int = 403):
        super().__init__(message)
        self.code = code
        self.status = status


# --- the signed pull: both ends -----------------------------------------------------------------

def request_signature(key: str, method: str, path: str, code: str, stamp: str) -> str:
    """Hex HMAC-SHA256 by the link's key of "METHOD\\nPATH\\nCODE\\nTIME"."""
    return sign(key, f"{method}\n{path}\n{code}\n{stamp}".encode())


def signed_headers(code: str, key: str, now: datetime | None = None) -> dict[str, str]:
    """The headers of a site's pull: who it is, its time, and the signature of both."""
    stamp = (now or utcnow()).astimezone(UTC).replace(microsecond=0).isoformat()
    return {SITE_HEADER: code, TIME_HEADER: stamp,
            SIGNATURE_HEADER: request_signature(key, "GET", PULL_PATH, code, stamp)}


def check_pull(headers, now: datetime | None = None) -> SyncPeer:
    """On the hub: the enrolled site a signed pull comes from, or PullRefused."""
    now = now or utcnow()
    code, stamp, signature = (headers.get(SITE_HEADER), headers.get(TIME_HEADER),
                              headers.get(SIGNATURE_HEADER))
    if not (code and stamp and signature):
        raise PullRefused(_("Sign the request with the site's key: headers %(h)s "
                            "(`dianjiao sync pull` does it).",
                            h=f"{SITE_HEADER}, {TIME_HEADER}, {SIGNATURE_HEADER}"),
                          code="unsigned", status=401)
    try:
        sent = datetime.fromisoformat(stamp)
    except ValueError:
        sent = None
    if sent is None or sent.tzinfo is None:
        raise PullRefused(_("%(h)s must be an ISO 8601 time with its offset, e.g. "
                            "2026-11-06T11:30:00+00:00.", h=TIME_HEADER), code="time", status=422)
    peer = db.session.scalar(select(SyncPeer).where(SyncPeer.kind == "site",
                                                    SyncPeer.code == code))
    if peer is None:
        raise PullRefused(_("Site %(code)s is not enrolled on this hub.", code=code),
                          code="unknown")
    if peer.revoked_at is not None:
        raise PullRefused(_("Site %(code)s was revoked on %(day)s; enroll it again to give it "
                            "a new key.", code=code, day=peer.revoked_at.date().isoformat()),
                          code="revoked")
    expected = [request_signature(key, "GET", PULL_PATH, code, stamp)
                for key in (peer.key, peer.previous_key) if key]
    if not any(hmac.compare_digest(e, signature.strip().lower()) for e in expected):
        raise PullRefused(_("The request's signature does not match the key of %(code)s.",
                            code=code), code="signature")
    off = sent - now
    # The Terminals page shows it (the site's clock minus ours); kept even when the pull is
    # refused for it, since that is when it matters most.
    peer.clock_skew_s = round(off.total_seconds())
    if abs(off) > MAX_CLOCK_OFF:
        db.session.commit()
        raise PullRefused(_("The site's clock says %(theirs)s but the hub's says %(ours)s "
                            "(UTC), more than %(n)s minutes apart. Set the site's clock "
                            "right, then pull again.", theirs=sent.astimezone(UTC).isoformat(),
                            ours=now.replace(microsecond=0).isoformat(),
                            n=int(MAX_CLOCK_OFF.total_seconds() // 60)), code="clock")
    return peer


# --- retry ---------------------------------------------------------------------------------------

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


# --- a site's push and pull ---------------------------------------------------------------------

def hub_url(url: str | None = None) -> str:
    """The hub's base address (SYNC_HUB_URL unless given), without a trailing slash."""
    url = (url or current_app.config.get("SYNC_HUB_URL") or "").strip()
    if not url:
        raise Invalid(_("Say where the hub is: set DIANJIAO_SYNC_HUB_URL (or SYNC_HUB_URL in "
                        "instance/config.py), or pass --hub URL."))
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Invalid(_("The hub's address must start with http:// or https://, not %(url)s.",
                        url=url))
    return url.rstrip("/")


def _final(reply: Reply, url: str, what: str) -> SyncNetError:
    if 300 <= reply.status < 400:
        where = reply.headers.get("Location", "?")
        return SyncNetError(_("The hub's address %(url)s redirects to %(where)s; set "
                              "SYNC_HUB_URL to the address it redirects to.", url=url,
                              where=where), status=reply.status, reason="redirect")
    error = reply.json().get("error")
    code = error.get("code") if isinstance(error, dict) else None
    return SyncNetError(_("The hub refused the %(what)s (HTTP %(status)s): %(message)s",
                          what=what, status=reply.status, message=reply.error_message()),
                        status=reply.status, reason=str(code or "refused"))


def _record_skew(reply: Reply, peer: SyncPeer) -> list[str]:
    if reply.skew_s is None:
        return []
    peer.clock_skew_s = reply.skew_s
    db.session.commit()
    if abs(reply.skew_s) <= SKEW_WARNING_S:
        return []
    minutes = round(abs(reply.skew_s) / 60)
    if reply.skew_s > 0:
        text = _("This PC's clock is about %(n)s minutes behind the hub's; set it right.",
                 n=minutes)
    else:
        text = _("This PC's clock is about %(n)s minutes ahead of the hub's; set it right.",
                 n=minutes)
    log.warning("sync: %s", text)
    return [text]


def _site_link() -> tuple[str, SyncPeer]:
    from .services import hub_peer, my_code

    if not is_site():
        raise Invalid(_("Only a site pushes to and pulls from a hub; this install is a hub."))
    return my_code(), hub_peer()


def push(url: str | None = None, *, retry: Retry | None = None) -> dict:
    """On a site: export the bundle for the hub and POST it; return both summaries."""
    from .export import export_bundle

    base = hub_url(url)
    _code, peer = _site_link()
    buffer = io.BytesIO()
    exported = export_bundle(buffer)
    target = base + PUSH_PATH
    reply = exchange("POST", target, data=buffer.getvalue(), retry=retry,
                     headers=lambda: {"Content-Type": "application/zip"})
    warnings = _record_skew(reply, peer)
    if reply.status not in (200, 201):
        raise _final(reply, base, _("bundle"))
    result = reply.json()
    return {"direction": "push", "hub": base, "status": reply.status,
            "attempts": reply.attempts, "clock_skew_s": reply.skew_s, "bundle": exported,
            "imported": result, "already_imported": bool(result.get("already_imported")),
            "warnings": warnings + list(result.get("warnings") or [])}


def pull(url: str | None = None, *, retry: Retry | None = None,
         clock: Callable[[], datetime] = utcnow) -> dict:
    """On a site: fetch the hub's bundle for this site with a signed GET, and import it."""
    from .importer import import_bundle

    base = hub_url(url)
    code, peer = _site_link()
    key = peer.key
    reply = exchange("GET", base + PULL_PATH, retry=retry, clock=clock,
                     headers=lambda: signed_headers(code, key, clock()))
    warnings = _record_skew(reply, peer)
    if reply.status != 200:
        raise _final(reply, base, _("pull"))
    summary = import_bundle(reply.body)
    return {"direction": "pull", "hub": base, "status": reply.status,
            "attempts": reply.attempts, "clock_skew_s": reply.skew_s, "bytes": len(reply.body),
            **summary, "warnings": warnings + list(summary.get("warnings") or [])}


# --- the periodic job of a site's serve ---------------------------------------------------------

class SyncJob:
    """Pull then push every SYNC_INTERVAL_MIN minutes, in a thread of `dianjiao serve`.

    The first round runs a minute after the start (or sooner, for a shorter interval), so a PC
    switched on in the morning sends yesterday's records soon. A failed round is logged and the
    next one tries again: a bundle is only ever made from what the hub has not acknowledged.
    """

    def __init__(self, app: Flask):
        self.app = app
        self.interval = max(1.0, float(app.config["SYNC_INTERVAL_MIN"]) * 60)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="sync-job", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        delay = min(self.interval, 60.0)
        while not self._stop.wait(delay):
            try:
                self.run_once()
            except Exception:  # a bad round must not stop the next one
                log.exception("sync with the hub failed")
            delay = self.interval

    def run_once(self) -> list[str]:
        """One round, pull then push; returns one line per step for the log."""
        lines = []
        retry = Retry(wait=self._stop.wait)
        with self.app.app_context():
            try:
                for step in (pull, push):
                    try:
                        result = step(retry=retry)
                    except DianjiaoError as exc:
                        db.session.rollback()
                        if getattr(exc, "reason", "") == "stopped":
                            break
                        lines.append(f"{step.__name__} failed: {exc.message}")
                        log.warning("sync %s failed: %s", step.__name__, exc.message)
                        continue
                    line = describe(result)
                    lines.append(line)
                    log.info("sync: %s", line)
            finally:
                db.session.remove()
        return lines

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def start_job(app: Flask) -> SyncJob | None:
    """Start the job when this install is a site with SYNC_HUB_URL set; else None."""
    if not is_site(app) or not app.config.get("SYNC_HUB_URL"):
        return None
    job = SyncJob(app)
    job.start()
    log.info("sync: pulling from and pushing to %s every %s minutes",
                app.config["SYNC_HUB_URL"], app.config["SYNC_INTERVAL_MIN"])
    return job


def describe(result: dict) -> str:
    """One line about a push or pull result, for the CLI and the log."""
    if result["direction"] == "push":
        bundle, done = result["bundle"], result["imported"]
        if result["already_imported"]:
            return (f"Pushed bundle {bundle['seq']} ({bundle['rows']} rows) to {result['hub']}: "
                    "the hub had already imported it; nothing changed.")
        return (f"Pushed bundle {bundle['seq']} ({bundle['rows']} rows) to {result['hub']}: "
                f"{done.get('inserted', 0)} inserted, {done.get('updated', 0)} updated, "
                f"{done.get('unchanged', 0)} unchanged, {done.get('conflicts', 0)} conflicts.")
    if result["already_imported"]:
        return f"Pulled bundle {result['seq']} from {result['hub']}: already imported."
    return (f"Pulled bundle {result['seq']} from {result['hub']}: {result['inserted']} inserted, "
            f"{result['updated']} updated, {result['unchanged']} unchanged, "
            f"{result['conflicts']} conflicts.")

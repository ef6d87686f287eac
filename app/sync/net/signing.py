"""The signed pull both ends agree on: the site signs its GET, the hub checks it.

A pull is a GET signed with the link's key over the method, path, site code and time (a pushed
bundle needs no signed request: it carries its own HMAC signature).
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from ...clock import now as utcnow
from ...errors import DianjiaoError
from ...extensions import db
from ...i18n import show_date
from ...models import SyncPeer
from ..bundle import sign

PUSH_PATH = "/api/v1/sync/bundles"
PULL_PATH = "/api/v1/sync/bundles/outbound"
SITE_HEADER, TIME_HEADER, SIGNATURE_HEADER = ("X-Dianjiao-Site", "X-Dianjiao-Time",
                                              "X-Dianjiao-Signature")
MAX_CLOCK_OFF = timedelta(minutes=15)  # a signed pull older or newer than this is refused


class PullRefused(DianjiaoError):
    """The hub refuses a signed pull: unsigned (401), unknown, revoked, bad signature or clock."""

    def __init__(self, message: str, *, code: str, status: int = 403):
        super().__init__(message)
        self.code = code
        self.status = status


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
                            "a new key.", code=code, day=show_date(peer.revoked_at)),
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

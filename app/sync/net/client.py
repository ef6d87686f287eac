"""A site's push and pull: the bundle for the hub POSTed, the hub's bundle fetched and imported."""

from __future__ import annotations

import io
import logging
import urllib.parse
from collections.abc import Callable
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _

from ...clock import now as utcnow
from ...errors import Invalid
from ...extensions import db
from ...install import is_site
from ...models import SyncPeer
from ..export import export_bundle
from ..importer import import_bundle
from ..services import hub_peer, my_code
from .exchange import Reply, Retry, SyncNetError, exchange
from .signing import PULL_PATH, PUSH_PATH, signed_headers

SKEW_WARNING_S = 300  # the hub's clock this far from ours: warn (nothing is lost, see sync.md)

log = logging.getLogger(__name__)


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
    if not is_site():
        raise Invalid(_("Only a site pushes to and pulls from a hub; this install is a hub."))
    return my_code(), hub_peer()


def push(url: str | None = None, *, retry: Retry | None = None) -> dict:
    """On a site: export the bundle for the hub and POST it; return both summaries."""
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

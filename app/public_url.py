"""Addresses printed or shown as QR codes: phones and other PCs must be able to open them.

`url_for(..., _external=True)` answers with the host the page was opened by; on the playback
point's PC that is often http://127.0.0.1:5000, which no phone can reach and which is dead on a
printed label. `DIANJIAO_PUBLIC_URL` (e.g. http://192.168.1.20:5000 or https://dj.example.cn)
names the address others reach the install by; without it the request's host is used, and
`unreachable()` tells the page to warn.
"""

from __future__ import annotations

import ipaddress

from flask import current_app, request, url_for


def public_url(endpoint: str, **values) -> str:
    """The absolute address of `endpoint`, on DIANJIAO_PUBLIC_URL when it is set."""
    base = (current_app.config.get("PUBLIC_URL") or "").strip().rstrip("/")
    if not base:
        return url_for(endpoint, _external=True, **values)
    return base + url_for(endpoint, **values)


def _loopback(host: str) -> bool:
    host = host[1:].split("]", 1)[0] if host.startswith("[") else host.rsplit(":", 1)[0]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def unreachable() -> bool:
    """True when the addresses given out would name this computer only (127.0.0.1, localhost):
    no DIANJIAO_PUBLIC_URL is set and the page was opened on the loopback address."""
    return not current_app.config.get("PUBLIC_URL") and _loopback(request.host)

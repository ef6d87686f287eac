"""Response headers every page carries, and the cookies' Secure flag."""

from __future__ import annotations

from flask import Flask, Response

# script-src 'self' only: the pages' scripts are files in static/, no inline script or handler.
# style-src also 'unsafe-inline': the dashboard's pygal charts are inline SVG, each with its own
# <style> keyed to a random chart id (no hash or static file can cover it), and a few pages keep
# their print layout in a <style> block. CSS cannot run script.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that know no CSP
    "X-Content-Type-Options": "nosniff",
    # Not no-referrer: Flask-WTF's CSRF check of HTTPS forms needs this site's own Referer.
    "Referrer-Policy": "same-origin",
}


def _security_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    # Behind HTTPS (DIANJIAO_SECURE_COOKIES=1) the browser sends the cookies over HTTPS only.
    secure = bool(app.config.get("SECURE_COOKIES"))
    app.config["SESSION_COOKIE_SECURE"] = secure
    app.config["REMEMBER_COOKIE_SECURE"] = secure
    app.after_request(_security_headers)

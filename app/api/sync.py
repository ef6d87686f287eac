"""Sync over the network: a site pushes its bundles to the hub and pulls the hub's for it.

Neither endpoint takes a login: a pushed bundle is signed by its site's key (the importer checks
it), and a pull is a GET signed with that key (app.sync.net.check_pull). The API blueprint is
exempt from CSRF. Imports and exports are serialised within the process: two pushes of the same
site at once would otherwise race on the same rows.
"""

from __future__ import annotations

import io
import threading

from flask import Response, current_app, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from ..clock import now as utcnow
from ..errors import DianjiaoError, NotFound
from ..extensions import db
from ..install import is_site
from ..sync.bundle import BundleError, open_bundle
from ..sync.export import export_bundle
from ..sync.importer import Refused, import_bundle
from ..sync.net import check_pull
from .blueprint import bp
from .errors import envelope
from .helpers import schemas
from .schemas import COMPONENTS

_one_at_a_time = threading.Lock()
SUMMARY = COMPONENTS["SyncImport"]()


class TooLarge(DianjiaoError):
    status = 413
    code = "too_large"


def _hub_only() -> None:
    if is_site():
        raise NotFound(_("This install is a site; bundles are pushed to and pulled from the "
                         "township hub."))


def _limit() -> int:
    return int(float(current_app.config["SYNC_MAX_BUNDLE_MB"]) * 1024 * 1024)


def _too_large(limit: int) -> TooLarge:
    return TooLarge(_("The bundle is larger than this hub accepts (%(mb)s MB, "
                      "SYNC_MAX_BUNDLE_MB). Raise the limit on the hub, or carry the bundle "
                      "on a USB stick.", mb=current_app.config["SYNC_MAX_BUNDLE_MB"]))


def _body() -> bytes:
    """The bundle's bytes: the raw body, or the multipart field `bundle`; at most the limit."""
    limit = _limit()
    if request.content_length is not None and request.content_length > limit:
        raise _too_large(limit)
    request.max_content_length = limit
    try:
        if request.mimetype == "multipart/form-data":
            upload = request.files.get("bundle")
            data = upload.read() if upload is not None else b""
        else:
            data = request.get_data(cache=False)
    except RequestEntityTooLarge as exc:
        raise _too_large(limit) from exc
    if not data:
        raise Refused(_("Send the bundle as the body (Content-Type: application/zip) or as the "
                        "form field `bundle`."), reason="empty")
    return data


def _dated(response: Response) -> Response:
    response.date = utcnow()  # the site measures the clocks' distance by it
    return response


def _refusal(status: int, code: str, message: str):
    """The JSON error, its code the refusal's reason (signature, revoked, clock, ...)."""
    db.session.rollback()
    response, _status = envelope(status, code, message)
    return _dated(response), status


@bp.post("/v1/sync/bundles")
@schemas(post={201: ("Imported; the import summary", SUMMARY),
               200: ("Already imported before; nothing changed", SUMMARY)})
def sync_bundles():
    """Import a site's bundle on the hub (its HMAC signature is its authentication).
    ---
    post:
      summary: Push a bundle to the hub; 201 imported, 200 already imported (nothing changed)
      description: >-
        The body is the bundle file as made by `dianjiao sync export` (Content-Type
        application/zip), or a multipart form with the file in the field `bundle`. No login:
        the bundle is signed with its site's key, and an unsigned, tampered, unknown or revoked
        one is refused with nothing written (403 unknown, revoked, claim, signature; 422
        damaged, format, version, destination). At most SYNC_MAX_BUNDLE_MB (default 256 MB).
      security: []
      requestBody:
        required: true
        content:
          application/zip: {schema: {type: string, format: binary}}
          multipart/form-data: {schema: {type: object, properties: {bundle: {type: string, format: binary}}}}
      responses:
        403: {$ref: '#/components/responses/Error'}
        404: {$ref: '#/components/responses/Error'}
        413: {$ref: '#/components/responses/Error'}
        422: {$ref: '#/components/responses/Error'}
    """
    _hub_only()
    try:
        data = _body()
        try:
            kind = open_bundle(data).manifest.get("kind")
        except BundleError:
            kind = None  # the importer says what is wrong with it
        if kind == "enroll":
            raise Refused(_("An enrollment bundle is carried to its site by hand; it is never "
                            "pushed to a hub."), reason="destination")
        with _one_at_a_time:
            summary = import_bundle(data)
    except Refused as exc:
        return _refusal(exc.status, exc.reason, exc.message)
    except TooLarge as exc:
        return _refusal(exc.status, exc.code, exc.message)
    return _dated(jsonify(SUMMARY.dump(summary))), 200 if summary["already_imported"] else 201


@bp.get("/v1/sync/bundles/outbound")
def sync_outbound():
    """The hub's bundle for the site that asks, proven by a signed request.
    ---
    get:
      summary: Pull the hub's bundle for a site (always a bundle, even with no rows)
      description: >-
        Sign the request with the site's key: X-Dianjiao-Signature is the hex
        HMAC-SHA256 of "GET\\n/api/v1/sync/bundles/outbound\\nCODE\\nTIME". A time more than
        15 minutes off the hub's clock is refused (403, code clock, with the hub's time). The
        reply is a bundle even when no row changed: it still carries the hub's
        acknowledgement of the site's bundles and any new key. Each pull makes a new bundle;
        importing it twice changes nothing.
      security: []
      parameters:
        - {in: header, name: X-Dianjiao-Site, required: true, schema: {type: string}, description: the site code}
        - {in: header, name: X-Dianjiao-Time, required: true, schema: {type: string, format: date-time}, description: 'now, ISO 8601 UTC'}
        - {in: header, name: X-Dianjiao-Signature, required: true, schema: {type: string}}
      responses:
        200: {description: The bundle, content: {application/zip: {schema: {type: string, format: binary}}}}
        401: {$ref: '#/components/responses/Error'}
        403: {$ref: '#/components/responses/Error'}
        404: {$ref: '#/components/responses/Error'}
        422: {$ref: '#/components/responses/Error'}
    """
    _hub_only()
    now = utcnow()
    try:
        peer = check_pull(request.headers, now=now)
    except DianjiaoError as exc:
        return _refusal(exc.status, exc.code, exc.message)
    buffer = io.BytesIO()
    with _one_at_a_time:
        summary = export_bundle(buffer, to=peer.code, now=now)
    name = f"dianjiao-{summary['origin']}-to-{peer.code}-{summary['seq']:06d}.zip"
    response = Response(buffer.getvalue(), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Dianjiao-Rows"] = str(summary["rows"])
    return _dated(response)

"""The site's local player under /api/v1/player (the queue page drives the same state)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.scope import can_change_site
from ..catalog.approval import refusal, require_approved
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..extensions import db
from ..i18n import show_time
from ..models import Screening, Site
from ..player.services import get_player, item_for, media_for_spec, player_site, save_queue
from ..reasons import show_reason
from ..screenings.readiness import known_readiness
from .blueprint import bp
from .helpers import api_roles, body, schemas
from .schemas import COMPONENTS

DRIVERS = ("admin", "operator")

MAX_SEEK_S = 24 * 3600  # no video here is a day long; beyond it is a mistake (or 1e308)


def _site() -> Site:
    site = player_site()
    if site is None:
        raise Conflict(_("This install has no player site (set DIANJIAO_SITE or DIANJIAO_PLAYER_SITE)."))
    if current_user.role not in DRIVERS or not can_change_site(current_user, site):
        raise Forbidden(_("Only the operator of %(code)s drives its player.", code=site.code))
    return site


STATUS = COMPONENTS["PlayerStatus"]()


def status_dict(site: Site) -> dict:
    status = get_player().status()
    upcoming = db.session.scalar(
        select(Screening).where(Screening.site_id == site.id, Screening.status == "planned",
                                Screening.starts_at > datetime.now(UTC))
        .order_by(Screening.starts_at).limit(1))
    status["site"] = site.code
    status["next_screening"] = None if upcoming is None else {
        "id": str(upcoming.id), "topic": upcoming.topic,
        "starts_at": upcoming.starts_at.isoformat(),
        "starts_local": show_time(upcoming.starts_at)}
    if upcoming is not None:
        known = known_readiness([upcoming]).get(upcoming.id)
        status["next_screening"]["readiness"] = None if known is None else {
            "status": known["status"],
            "problems": [show_reason(p.get("problem")) for p in known["problems"]]}
    status["reason_shown"] = show_reason(status.get("reason")) if status.get("reason") else None
    return STATUS.dump(status)


@bp.get("/v1/player/status")
@api_roles(*DRIVERS)
@schemas(get={200: ("Status", STATUS)})
def player_status():
    """What the local player is doing.
    ---
    get:
      summary: Player state, now playing, queue and the next screening
      responses:
        403: {$ref: '#/components/responses/Error'}
        409: {$ref: '#/components/responses/Error'}
    """
    return jsonify(status_dict(_site()))


@bp.post("/v1/player/queue")
@api_roles(*DRIVERS)
@schemas(post={"body": COMPONENTS["QueueIn"](), 200: ("Status", STATUS)})
def player_queue():
    """Change the ad-hoc queue.
    ---
    post:
      summary: 'Add ({"items": [{sha256}|{file_id}], "mode": "append"|"replace"}), remove ({"remove": i}), move ({"move": {"from": i, "to": j}}) or clear ({"clear": true})'
      responses:
        404: {$ref: '#/components/responses/Error'}
        422: {$ref: '#/components/responses/Error'}
    """
    site = _site()
    change = body()
    player = get_player()
    length = len(player.status()["queue"])
    warnings: list[str] = []
    if "items" in change:
        if change.get("mode", "append") not in ("append", "replace"):
            raise Invalid(_('Send {"items": [{"sha256": ...}], "mode": "append" or "replace"}.'))
        media = [media_for_spec(spec, site) for spec in change["items"]]
        if refused := require_approved([m.title for m in media], site):  # warn mode: noted
            warnings.append(refusal(refused, site))
        items = [item_for(m, site) for m in media]
        if change.get("mode") == "replace":
            player.clear()
        player.enqueue(items)
    elif "remove" in change:
        index = change["remove"]
        if not 0 <= index < length:
            raise Invalid(_("No queue entry at that position."))
        player.remove(index)
    elif "move" in change:
        move = change["move"]
        if not all(isinstance(move.get(k), int) and 0 <= move[k] < length for k in ("from", "to")):
            raise Invalid(_("No queue entry at that position."))
        player.move(move["from"], move["to"])
    elif change.get("clear") is True:
        player.clear()
    else:
        raise Invalid(_("Say what to do with the queue: items, remove, move or clear."))
    save_queue(player, site)
    db.session.commit()
    return jsonify({**status_dict(site), "warnings": warnings})


@bp.post("/v1/player/<action>")
@api_roles(*DRIVERS)
@schemas(post={200: ("Status", STATUS)})
def player_action(action: str):
    """Transport controls.
    ---
    post:
      summary: 'play, pause (toggles), next, stop, volume ({"volume": 0-100}) or seek ({"seconds": s})'
      parameters:
        - {in: path, name: action, required: true, schema: {type: string, enum: [play, pause, next, stop, volume, seek]}}
      responses:
        404: {$ref: '#/components/responses/Error'}
        422: {$ref: '#/components/responses/Error'}
    """
    site = _site()
    player = get_player()
    if action in ("play", "pause", "next", "stop"):
        getattr(player, action)()
    elif action in ("volume", "seek"):
        sent = request.get_json(silent=True)
        key = "volume" if action == "volume" else "seconds"
        value = sent.get(key) if isinstance(sent, dict) else None
        if not isinstance(value, int | float) or isinstance(value, bool) or not (
                0 <= value <= (100 if action == "volume" else MAX_SEEK_S)):
            raise Invalid(_("Send {\"%(key)s\": a number} (volume 0 to 100).", key=key))
        if action == "volume":
            player.set_volume(int(value))
        else:
            player.seek(float(value))
    else:
        raise NotFound(_("Unknown player action %(a)s.", a=action))
    return jsonify(status_dict(site))

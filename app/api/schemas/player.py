"""The site's local player: its status and the changes to its ad-hoc queue."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .base import Bool, In, Int, Out, Text, fields, playlist


class QueueIn(In):
    """One change of the queue: add items, remove one, move one, or clear it."""

    items = playlist(error_messages={"invalid": _l(
        'Send {"items": [{"sha256": ...}], "mode": "append" or "replace"}.')})
    mode = Text(metadata={"enum": ["append", "replace"]})
    remove = Int(metadata={"minimum": 0})
    move = fields.Nested(In.from_dict({"from": Int(), "to": Int()}, name="QueueMove"))
    clear = Bool()


class NowPlaying(Out):
    key = fields.Raw()
    name = fields.String()
    position_s = fields.Float(allow_none=True)
    length_s = fields.Float(allow_none=True)


class Queued(Out):
    key = fields.Raw()
    name = fields.String()
    duration_s = fields.Float(allow_none=True)


class PlayerStatus(Out):
    """What the player is doing (Player.status()) and the site's next screening."""

    site = fields.String()
    state = fields.String(metadata={"enum": ["idle", "playing", "paused"]})
    current = fields.Nested(NowPlaying, allow_none=True)
    volume = fields.Integer()
    queue = fields.List(fields.Nested(Queued))
    index = fields.Integer(allow_none=True)
    screening_id = fields.String(allow_none=True)
    available = fields.Boolean()
    reason = fields.String(allow_none=True)
    reason_shown = fields.String(allow_none=True,
                                 metadata={"description": "the reason in the caller's language"})
    next_screening = fields.Dict(allow_none=True)



"""Sites, the files present at a site, and titles (DESIGN.md section 4)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ... import limits
from .base import Bool, In, Int, Out, Strings, Text, fields

AUDIENCES = ["all", "party_members", "cadres", "villagers"]
SITE_KINDS = ["station", "playback_point", "center_household", "demo_household", "local_talent",
              "tech_association"]


def _name(unit) -> str | None:
    return unit.name if unit else None


class Site(Out):
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    township = fields.Function(lambda site: _name(site.township), allow_none=True,
                               metadata={"type": "string"})
    village = fields.Function(lambda site: _name(site.village), allow_none=True,
                              metadata={"type": "string"})
    usual_start = fields.String(metadata={
        "example": "19:30",
        "description": "the local time teaching plans start at here, unless a session sets its "
                       "own"})


class File(Out):
    """A media file and its paths at one site: dumped from {"media": MediaFile, "paths": [...]}."""

    id = fields.UUID(attribute="media.id")
    sha256 = fields.String(attribute="media.sha256", allow_none=True)
    size = fields.Integer(attribute="media.size")
    duration_s = fields.Float(attribute="media.duration_s", allow_none=True)
    container = fields.String(attribute="media.container", allow_none=True)
    video_codec = fields.String(attribute="media.video_codec", allow_none=True)
    audio_codec = fields.String(attribute="media.audio_codec", allow_none=True)
    width = fields.Integer(attribute="media.width", allow_none=True)
    height = fields.Integer(attribute="media.height", allow_none=True)
    title_id = fields.UUID(attribute="media.title_id", allow_none=True)
    paths = fields.List(fields.String())


class TitleIn(In):
    """A new title; `sha256` attaches files of the catalog by their SHA-256."""

    name = Text(limits.TITLE_NAME, required=True,
                error_messages={"required": _l("A title needs a name.")})
    series = Text(limits.SERIES, nullable=True)
    topics = Strings(limits.TOPIC, limits.TOPICS)
    audience = Text(metadata={"enum": AUDIENCES})
    approved = Bool()
    producer = Text(limits.TITLE_NAME, nullable=True)
    year = Int(allow_none=True)
    summary = Text(limits.SUMMARY, nullable=True)
    sha256 = Strings(limits.SHA256, limits.TITLE_FILES)


def _duration(title) -> float | None:
    durations = [f.duration_s for f in title.files if f.duration_s]
    return round(sum(durations), 2) if durations else None


class Title(Out):
    id = fields.UUID()
    name = fields.String()
    series = fields.String(allow_none=True)
    topics = fields.Function(lambda title: list(title.topics or []),
                             metadata={"type": "array", "items": {"type": "string"}})
    audience = fields.String()
    approved = fields.Boolean()
    producer = fields.String(allow_none=True)
    year = fields.Integer(allow_none=True)
    summary = fields.String(allow_none=True)
    duration_s = fields.Function(_duration, allow_none=True, metadata={"type": "number"})
    files = fields.Function(lambda title: [f.sha256 for f in title.files if f.sha256],
                            metadata={"type": "array", "items": {"type": "string"}})

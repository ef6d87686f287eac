"""The building blocks of the API's schemas: strict fields, the limits of app/limits.py, and the
way a refused body becomes one plain 422.

Every resource of the API is one marshmallow schema (app/api/schemas/<resource>.py): `dump`
writes the JSON the API answers, `load` checks a body it receives, and apispec's
MarshmallowPlugin writes the OpenAPI document from the same class (app/api/spec.py). A field's
problem is a `Problem` (a kind and its numbers) until the whole body has been checked; then the
first one, in the order the checks always had (a limit, an unknown field, a wrong type, a missing
field), becomes the message, naming the field.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from flask_babel import gettext as _
from marshmallow import EXCLUDE, INCLUDE, RAISE, Schema, ValidationError, fields, validate

from ... import limits
from ...errors import Invalid

__all__ = ["EXCLUDE", "INCLUDE", "In", "Out", "Problem", "fields", "invalid", "load"]


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field: `kind` (too_long, too_many, unknown, wrong_type, required)
    and its numbers; `message`, when set, is said as it is."""

    kind: str
    num: int = 0
    message: object = field(default=None, compare=False)


ORDER = ("too_long", "too_many", "unknown", "wrong_type", "required", "message")
WRONG = Problem("wrong_type")


class Text(fields.String):
    """A string of at most `limit` characters (app/limits.py); `nullable` allows null."""

    default_error_messages = {"invalid": WRONG, "null": WRONG, "required": Problem("required")}

    def __init__(self, limit: int | None = None, *, nullable: bool = False, **kwargs):
        checks = [Longest(limit)] if limit else []
        super().__init__(validate=checks, allow_none=nullable, **kwargs)


class Longest(validate.Length):
    """maxLength for text, maxItems for lists, in the document and in the check."""

    def __init__(self, limit: int, *, least: int | None = None):
        super().__init__(min=least, max=limit)

    def __call__(self, value):
        if self.max is not None and len(value) > self.max:
            raise ValidationError([Problem("too_many" if isinstance(value, list) else "too_long",
                                          self.max)])
        if self.min is not None and len(value) < self.min:
            raise ValidationError([Problem("required")])
        return value


class Strings(fields.List):
    """A list of at most `items` strings of at most `limit` characters each."""

    default_error_messages = {"invalid": WRONG, "null": WRONG, "required": Problem("required")}

    def __init__(self, limit: int, items: int, **kwargs):
        super().__init__(Text(limit), validate=[Longest(items)], **kwargs)


class List(fields.List):
    default_error_messages = Strings.default_error_messages


class Bool(fields.Boolean):
    """true or false, nothing else: "false" is not false, nor is 0."""

    default_error_messages = {"invalid": WRONG, "null": WRONG, "required": Problem("required")}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class Int(fields.Integer):
    """A whole number; true and false are not numbers."""

    default_error_messages = {"invalid": WRONG, "null": WRONG, "required": Problem("required"),
                              "too_large": WRONG}

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)


class Number(fields.Float):
    default_error_messages = {"invalid": WRONG, "null": WRONG, "required": Problem("required"),
                              "special": WRONG}


class Out(Schema):
    """A schema the API answers with: fields as the services give them, nothing checked."""

    class Meta:
        unknown = EXCLUDE
        ordered = True


class In(Schema):
    """A body the API receives: known fields only, each of its type and within its limit."""

    error_messages = {"unknown": Problem("unknown"), "type": WRONG}

    class Meta:
        unknown = RAISE
        ordered = True


def _problems(messages, path: str = "") -> Iterator[tuple[str, Problem]]:
    if isinstance(messages, dict):
        for key, value in messages.items():
            if isinstance(key, int):
                name = f"{path}[{key}]"
            elif key == "_schema":
                name = path
            else:
                name = f"{path}.{key}" if path else str(key)
            yield from _problems(value, name)
    elif isinstance(messages, list):
        for message in messages:
            yield from _problems(message, path)
    elif isinstance(messages, Problem):
        yield path, messages
    elif isinstance(messages, str):  # marshmallow's own words (Nested, Dict): say it our way
        yield path, Problem("required" if messages.startswith("Missing data") else "wrong_type")
    else:  # a message of our own (a lazy string), said as it is
        yield path, Problem("message", message=messages)


def invalid(error: ValidationError) -> Invalid:
    """The 422 of a refused body: its first problem, naming the field."""
    found = sorted(_problems(error.messages), key=lambda p: (ORDER.index(p[1].kind), p[0]))
    path, problem = found[0]
    if problem.kind == "too_long":
        return Invalid(_("%(field)s is longer than %(num)d characters.", field=path,
                         num=problem.num))
    if problem.kind == "too_many":
        return Invalid(_("%(field)s has more than %(num)d items.", field=path, num=problem.num))
    if problem.kind == "unknown":
        names = ", ".join(p for p, found_problem in found if found_problem.kind == "unknown")
        return Invalid(_("Unknown field %(f)s.", f=names))
    if problem.kind == "wrong_type":
        return Invalid(_("Field %(f)s has the wrong type.", f=path))
    if problem.kind == "required":
        return Invalid(_("Field %(f)s is required.", f=path))
    return Invalid(str(problem.message))


def load(schema: Schema, body: object) -> dict:
    """The body checked by the schema (only the fields sent), or the 422 saying what is wrong."""
    if not isinstance(body, dict):
        raise Invalid(_("Send a JSON object with Content-Type: application/json."))
    try:
        return schema.load(body)
    except ValidationError as exc:
        raise invalid(exc) from exc


def listing(item: type[Schema], **more: fields.Field) -> type[Schema]:
    """The schema of a list the API answers: {"items": [...], "total": N} (and `more` fields)."""
    return Out.from_dict({"items": fields.List(fields.Nested(item), required=True),
                          "total": fields.Integer(required=True), **more},
                         name=f"{item.__name__}List")


def page(schema: type[Schema], rows, total: int) -> dict:
    return {"items": schema(many=True).dump(rows), "total": total}


class ItemIn(In):
    """One playlist entry: a file by its SHA-256 or id, or a title by its id. Which one, and
    whether it exists, the playlist's services say (app/screenings/playlist.py)."""

    sha256 = Text(limits.SHA256)
    title_id = Text(limits.ID, metadata={"format": "uuid"})
    file_id = Text(limits.ID, metadata={"format": "uuid"})

    class Meta:
        unknown = INCLUDE


class Item(fields.Nested):
    """A playlist entry: its texts are checked; anything but an object is left to the services,
    whose message names the entry by its position."""

    def __init__(self, **kwargs):
        super().__init__(ItemIn, **kwargs)

    def _deserialize(self, value, attr, data, partial=None, **kwargs):
        if not isinstance(value, dict):
            return value
        return super()._deserialize(value, attr, data, partial=partial, **kwargs)


def playlist(**kwargs) -> List:
    """At most PLAYLIST_ITEMS entries (app/limits.py)."""
    return List(Item(), validate=[Longest(limits.PLAYLIST_ITEMS)], **kwargs)

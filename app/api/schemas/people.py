"""The roster and sign-ins (DESIGN.md section 4)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ... import limits
from .base import Bool, In, Out, Text, fields

ROLES = ["cadre", "member", "activist", "villager"]
METHODS = ["kiosk", "phone", "operator", "paper"]
MARKS = ["present", "late", "excused", "absent"]


def _village(person):
    return person.village.name if person.village else None


def _township(person):
    village = person.village
    return village.parent.name if village is not None and village.parent else None


class Person(Out):
    """A person of the roster; a kiosk gets only id, name, village and township (KIOSK)."""

    id = fields.UUID()
    name = fields.String()
    pinyin = fields.String()
    initials = fields.String()
    village = fields.Function(_village, allow_none=True, metadata={"type": "string"})
    township = fields.Function(_township, allow_none=True, metadata={"type": "string"})
    party_member = fields.Boolean()
    role = fields.String(metadata={"enum": ROLES})
    phone = fields.String(allow_none=True)
    walkin = fields.Boolean()
    active = fields.Boolean()


KIOSK = ("id", "name", "village", "township")  # what the kiosk's sign-in page shows


class PersonIn(In):
    name = Text(limits.PERSON_NAME, required=True,
                error_messages={"required": _l("A name is required.")})
    village = Text(limits.PLACE_NAME, nullable=True)
    township = Text(limits.PLACE_NAME, nullable=True)
    party_member = Bool()
    role = Text(nullable=True, metadata={"enum": ROLES})
    phone = Text(limits.PHONE, nullable=True)


class Attendance(Out):
    id = fields.UUID()
    screening_id = fields.UUID()
    person_id = fields.UUID()
    name = fields.String(attribute="person.name")
    method = fields.String(metadata={"enum": METHODS})
    status = fields.String(metadata={"enum": MARKS})
    signed_at = fields.DateTime()
    recorded_by = fields.String(allow_none=True)
    device = fields.String(allow_none=True)


class AttendanceIn(In):
    """A roster person ({person_id}) or a walk-in ({walkin_name, village}) to sign in."""

    person_id = Text(limits.ID, nullable=True, metadata={"format": "uuid"})
    walkin_name = Text(limits.PERSON_NAME, nullable=True)
    village = Text(limits.PLACE_NAME, nullable=True)
    method = Text(nullable=True, metadata={"enum": METHODS})
    status = Text(nullable=True, metadata={"enum": MARKS})
    device = Text(limits.DEVICE, nullable=True)

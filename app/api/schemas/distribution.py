"""Distribution: batches, kits (shipments), where a title is, and coverage (DESIGN.md section 4)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema

from ... import limits
from ...distribution.manifest import missing_files
from ...models.distribution import FORMS, SHIPMENT_STATUSES
from .base import WRONG, In, Int, List, Longest, Out, Problem, Strings, Text, fields, listing

FORM = {"enum": list(FORMS)}
STATUS = {"enum": list(SHIPMENT_STATUSES)}


class BatchIn(In):
    name = Text(limits.BATCH_NAME, required=True,
                error_messages={"required": _l("A batch needs a name.")})
    form = Text(metadata=FORM)
    made_on = Text(nullable=True, metadata={"format": "date"})
    notes = Text(limits.NOTES, nullable=True)
    titles = List(Text(limits.ID, metadata={"format": "uuid"}), required=True,
                  validate=[Longest(limits.BATCH_TITLES)], metadata={"minItems": 1},
                  error_messages={"required": _l("A batch needs at least one title.")})


class Batch(Out):
    """A batch and its kits per status in the caller's area: dumped from {"batch", "shipments"}."""

    id = fields.UUID(attribute="batch.id")
    name = fields.String(attribute="batch.name")
    form = fields.String(attribute="batch.form", metadata=FORM)
    made_on = fields.Date(attribute="batch.made_on", allow_none=True)
    notes = fields.String(attribute="batch.notes", allow_none=True)
    titles = fields.Function(lambda b: [str(i.title_id) for i in b["batch"].items],
                             metadata={"type": "array",
                                       "items": {"type": "string", "format": "uuid"}})
    shipments = fields.Dict(keys=fields.String(), values=fields.Integer(),
                            metadata={"description": "kits per status"})


class KindOrKinds(fields.Field):
    """A site kind, or a list of them."""

    default_error_messages = {"invalid": WRONG, "null": WRONG, "required": Problem("required")}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            return Text(limits.SITE_KIND).deserialize(value)
        if isinstance(value, list):
            return Strings(limits.SITE_KIND, limits.SITE_KINDS).deserialize(value)
        raise self.make_error("invalid")


class ConsignIn(In):
    sites = Strings(limits.SITE_CODE, limits.CHOSEN_SITES, metadata={"description": "site codes"})
    kind = KindOrKinds(metadata={"description": "site kind(s)", "oneOf": [
        {"type": "string", "maxLength": limits.SITE_KIND},
        {"type": "array", "maxItems": limits.SITE_KINDS,
         "items": {"type": "string", "maxLength": limits.SITE_KIND}}]})
    townships = Strings(limits.PLACE_NAME, limits.CHOSEN_SITES)
    villages = Strings(limits.PLACE_NAME, limits.CHOSEN_SITES)
    copies = Int(metadata={"minimum": 1, "default": 1})
    form = Text(nullable=True, metadata={**FORM, "description": "default: the batch's form"})


class Shipment(Out):
    id = fields.UUID()
    site = fields.String(attribute="site.code")
    status = fields.String(metadata=STATUS)
    copies = fields.Integer()
    form = fields.String(metadata=FORM)
    serial = fields.String()
    batch = fields.UUID(attribute="batch_id")
    sent_at = fields.DateTime(allow_none=True)
    received_at = fields.DateTime(allow_none=True)
    received_by = fields.String(allow_none=True)
    verified_at = fields.DateTime(allow_none=True)
    replaces = fields.UUID(attribute="replaces_id", allow_none=True)


class MissingFile(Out):
    """A file of the kit's batch manifest that the site's scans have not seen."""

    title = fields.String(allow_none=True, metadata={"description": "the title's name"})
    name = fields.String(allow_none=True, metadata={"description": "the file's name"})
    sha256 = fields.String(allow_none=True)
    size = fields.Integer(allow_none=True)


class ShipmentDetail(Shipment):
    """One kit, with what of its manifest the site does not hold yet."""

    missing = fields.Function(lambda kit: [m.as_dict() for m in missing_files(kit)],
                              metadata={"type": "array", "items": {"$ref": "#/components/schemas/MissingFile"}})


class ShipmentPatch(In):
    status = Text(required=True, metadata=STATUS,
                  error_messages={"required": _l("Give a status.")})
    received_by = Text(limits.RECEIVED_BY, nullable=True)


class Holder(Out):
    """A site holding a title or a series (app/distribution/holdings.holder_dict)."""

    site = fields.String()
    name = fields.String()
    kind = fields.String()
    township = fields.String(allow_none=True)
    village = fields.String(allow_none=True)
    how = fields.List(fields.String(metadata={"enum": ["seen", "received"]}))
    titles = fields.Integer()
    of = fields.Integer()
    complete = fields.Boolean()
    serials = fields.List(fields.String())


class KindCount(Out):
    kind = fields.String()
    holding = fields.Integer()
    total = fields.Integer()


class TownshipLine(Out):
    township = fields.String(allow_none=True)
    line = fields.String()
    kinds = fields.List(fields.Nested(KindCount))


class CoverageRow(Out):
    township = fields.String(allow_none=True)
    kind = fields.String()
    holding = fields.Integer()
    complete = fields.Integer()
    total = fields.Integer()
    required = fields.Boolean()
    short = fields.List(fields.String())


def _list_of(item: type[Schema], name: str, **more) -> type[Schema]:
    schema = listing(item, **more)
    schema.__name__ = name
    return schema


Consignment = _list_of(Shipment, "Consignment", skipped=fields.List(fields.String()))
Whereis = _list_of(Holder, "Whereis", title=fields.Dict(), series=fields.String(),
                   townships=fields.List(fields.Nested(TownshipLine)))
Coverage = _list_of(CoverageRow, "Coverage", series=fields.String(), titles=fields.Integer(),
                    townships=fields.List(fields.Nested(TownshipLine)))

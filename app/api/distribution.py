"""Distribution under /api/v1: batches, kits (shipments), whereis and coverage."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.roles import OFFICERS
from ..auth.scope import can_see_shipment
from ..dates import parse_day
from ..distribution.batches import batch_or_404, create_batch
from ..distribution.coverage import coverage, township_lines
from ..distribution.holdings import holder_dict, holdings, series_titles, sorted_holders
from ..distribution.kits import (
    choose_sites,
    consign,
    replace,
    set_status,
    shipment_or_404,
    shipments_query,
    status_counts,
)
from ..errors import Forbidden, Invalid, NotFound
from ..extensions import db, one_writer
from ..lookup import by_id
from ..models import Batch, Title
from ..models.distribution import FORMS
from .blueprint import bp
from .helpers import api_roles, body, paging, schemas
from .schemas import COMPONENTS
from .views import STAFF, page_of, site_by_code

SHIPMENT = COMPONENTS["Shipment"]()
HOLDER = COMPONENTS["Holder"]()
TOWNSHIP_LINE = COMPONENTS["TownshipLine"]()


def _batch(batch: Batch) -> dict:
    """A batch; its kits per status are those of the caller's area, as on the pages."""
    return COMPONENTS["Batch"]().dump({"batch": batch,
                                       "shipments": status_counts(current_user, batch)})


@bp.route("/v1/batches", methods=["GET", "POST"])
@api_roles(*STAFF)
@schemas(get={200: ("Batches", COMPONENTS["BatchList"])},
         post={"body": COMPONENTS["BatchIn"](), 201: ("Made", COMPONENTS["Batch"]())})
def batches():
    """List batches or make one.
    ---
    get:
      summary: Distribution batches, newest first
      parameters: [limit, offset]
    post:
      summary: Make a batch (a named set of titles in a form); a batch with no titles is 422
      responses:
        403: {$ref: '#/components/responses/Error'}
        422: {$ref: '#/components/responses/Error'}
    """
    if request.method == "GET":
        return page_of(select(Batch).order_by(Batch.made_on.desc(), Batch.created_at.desc()),
                       _batch)
    if current_user.role not in OFFICERS:
        raise Forbidden(_("Only the township or an administrator makes batches."))
    fields = body()
    made_on = parse_day(fields["made_on"], "made_on") if fields.get("made_on") else None
    batch = create_batch(fields["name"], fields.get("form", "DVD"), fields["titles"],
                         made_on=made_on, notes=fields.get("notes"))
    db.session.commit()
    return jsonify(_batch(batch)), 201


@bp.post("/v1/batches/<batch_id>/shipments")
@api_roles(*OFFICERS)
@schemas(post={"body": COMPONENTS["ConsignIn"](),
               201: ("Planned kits", COMPONENTS["Consignment"])})
def consign_batch(batch_id: str):
    """Consign a batch: one kit per chosen site.
    ---
    post:
      summary: Plan kits of a batch for sites given by code, or by kind, townships and villages
      description: >
        Sites that already have a live kit of the batch are skipped (listed in `skipped`);
        409 when every chosen site was skipped. Unknown sites or places and copies below 1
        are 422; a site outside the caller's area is 403.
      parameters:
        - {in: path, name: batch_id, required: true, schema: {type: string, format: uuid}}
      responses:
        403: {$ref: '#/components/responses/Error'}
        404: {$ref: '#/components/responses/Error'}
        409: {$ref: '#/components/responses/Error'}
        422: {$ref: '#/components/responses/Error'}
    """
    batch = batch_or_404(batch_id)
    fields = body()
    if fields.get("form") and fields["form"] not in FORMS:
        raise Invalid(_("form must be one of %(forms)s.", forms=", ".join(FORMS)))
    kinds = fields.get("kind") or []
    kinds = [kinds] if isinstance(kinds, str) else kinds
    sites = choose_sites(current_user, codes=fields.get("sites") or [], kinds=kinds,
                         townships=fields.get("townships") or [],
                         villages=fields.get("villages") or [])
    with one_writer():
        result = consign(batch, sites, copies=fields.get("copies", 1), form=fields.get("form"))
        db.session.commit()
    return jsonify(COMPONENTS["Consignment"]().dump({
        "items": result.created, "total": len(result.created),
        "skipped": [s.code for s in result.skipped]})), 201


@bp.get("/v1/shipments")
@api_roles(*STAFF)
@schemas(get={200: ("Kits", COMPONENTS["ShipmentList"])})
def shipments():
    """List kits of the caller's area.
    ---
    get:
      summary: Kits (shipments), by batch, site or status
      parameters:
        - {in: query, name: batch, schema: {type: string, format: uuid}}
        - {in: query, name: site, schema: {type: string}}
        - {in: query, name: status, schema: {type: string, enum: [planned, sent, received, verified, lost, damaged, returned]}}
        - limit
        - offset
      responses:
        403: {$ref: '#/components/responses/Error'}
        404: {$ref: '#/components/responses/Error'}
        422: {$ref: '#/components/responses/Error'}
    """
    args = request.args
    batch = batch_or_404(args["batch"]) if args.get("batch") else None
    site = site_by_code(args["site"]) if args.get("site") else None
    return page_of(shipments_query(current_user, batch=batch, site=site,
                                   status=args.get("status") or None), SHIPMENT.dump)


@bp.route("/v1/shipments/<shipment_id>", methods=["GET", "PATCH"])
@api_roles(*STAFF)
@schemas(get={200: ("Kit", COMPONENTS["ShipmentDetail"]())},
         patch={"body": COMPONENTS["ShipmentPatch"](), 200: ("Kit", SHIPMENT)})
def shipment(shipment_id: str):
    """Read a kit, or move its status forward.
    ---
    get:
      summary: One kit
      parameters:
        - {in: path, name: shipment_id, required: true, schema: {type: string, format: uuid}}
      responses:
        403: {$ref: '#/components/responses/Error'}
        404: {$ref: '#/components/responses/Error'}
    patch:
      summary: Move a kit's status forward (planned, sent, received, verified; or lost, damaged, returned)
      description: >
        Backwards is 409, an unknown status 422. A site operator may only mark its own site's
        kits received (403 otherwise).
      parameters:
        - {in: path, name: shipment_id, required: true, schema: {type: string, format: uuid}}
      responses:
        403: {$ref: '#/components/responses/Error'}
        404: {$ref: '#/components/responses/Error'}
        409: {$ref: '#/components/responses/Error'}
        422: {$ref: '#/components/responses/Error'}
    """
    kit = shipment_or_404(shipment_id)
    if request.method == "GET":
        if not can_see_shipment(current_user, kit):
            raise Forbidden(_("This site is outside your area."))
        return jsonify(COMPONENTS["ShipmentDetail"]().dump(kit))
    fields = body()
    set_status(kit, fields["status"], user=current_user, received_by=fields.get("received_by"))
    db.session.commit()
    return jsonify(SHIPMENT.dump(kit))


@bp.post("/v1/shipments/<shipment_id>/replacement")
@api_roles(*OFFICERS)
@schemas(post={201: ("The new kit", SHIPMENT)})
def replacement(shipment_id: str):
    """Plan a replacement for a lost or damaged kit.
    ---
    post:
      summary: A new kit for the same site and batch, linked to the lost or damaged one
      parameters:
        - {in: path, name: shipment_id, required: true, schema: {type: string, format: uuid}}
      responses:
        403: {$ref: '#/components/responses/Error'}
        404: {$ref: '#/components/responses/Error'}
        409: {$ref: '#/components/responses/Error'}
    """
    with one_writer():
        new = replace(shipment_or_404(shipment_id), user=current_user)
        db.session.commit()
    return jsonify(SHIPMENT.dump(new)), 201


def _title_ids() -> tuple[list, str | None, dict | None]:
    args = request.args
    if args.get("title"):
        title = by_id(Title, args["title"])
        if title is None:
            raise NotFound(_("No such title."))
        return [title.id], None, {"id": str(title.id), "name": title.name}
    if args.get("series"):
        return series_titles(args["series"]), args["series"], None
    raise Invalid(_("Give ?title=ID or ?series=NAME."))


@bp.get("/v1/whereis")
@api_roles(*STAFF)
@schemas(get={200: ("Holders", COMPONENTS["Whereis"])})
def whereis():
    """The sites holding a title or a series, and how.
    ---
    get:
      summary: Sites holding a title or a series (seen by a scan, or a kit received)
      description: >
        For a series, `titles` is how many of its titles the site holds out of `of`, and
        `townships` gives one line per township with counts per site kind.
      parameters:
        - {in: query, name: title, schema: {type: string, format: uuid}}
        - {in: query, name: series, schema: {type: string}}
        - limit
        - offset
      responses:
        404: {$ref: '#/components/responses/Error'}
        422: {$ref: '#/components/responses/Error'}
    """
    limit, offset = paging()
    title_ids, series, title = _title_ids()
    found = sorted_holders(holdings(current_user, title_ids))
    answer = {"items": [holder_dict(h, len(title_ids)) for h in found[offset:offset + limit]],
              "total": len(found)}
    if title is not None:
        answer["title"] = title
    else:
        rows, _count = coverage(current_user, series)
        answer["series"] = series
        answer["townships"] = township_lines(series, rows)
    return jsonify(COMPONENTS["Whereis"]().dump(answer))


@bp.get("/v1/reports/coverage")
@api_roles(*STAFF)
@schemas(get={200: ("Coverage", COMPONENTS["Coverage"])})
def coverage_report():
    """Coverage of a series per township and site kind.
    ---
    get:
      summary: Per township and kind, active sites holding the series out of all
      description: >
        `holding` counts sites holding at least one title of the series, `complete` those
        holding every title; `required` marks the kinds the coverage rule says must hold it
        (every playback point by default) and `short` lists the sites that do not.
      parameters:
        - {in: query, name: series, required: true, schema: {type: string}}
      responses:
        404: {$ref: '#/components/responses/Error'}
        422: {$ref: '#/components/responses/Error'}
    """
    series = request.args.get("series")
    if not series:
        raise Invalid(_("Give ?series=NAME."))
    rows, count = coverage(current_user, series)
    return jsonify(COMPONENTS["Coverage"]().dump({
        "series": series, "titles": count, "items": rows, "total": len(rows),
        "townships": township_lines(series, rows)}))

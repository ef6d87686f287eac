"""The HTTP API under /api/v1 and its OpenAPI document at /api/openapi.json.

Each view's docstring carries its OpenAPI operation after '---' (summary, parameters, error
statuses); its body and answers are the marshmallow schemas of app/api/schemas it declares with
`schemas(...)`. apispec writes both into the document (app/api/spec.py).
"""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..auth.roles import STAFF
from ..auth.scope import can_see_site, visible_sites
from ..catalog.approval import approve_township
from ..catalog.titles import create_title, file_visible, search_titles
from ..errors import Forbidden, Invalid, NotFound
from ..extensions import db
from ..models import FileEntry, LibraryRoot, MediaFile, Site
from ..models.places import SITE_KINDS
from ..places.services import filter_sites
from .blueprint import bp
from .helpers import api_roles, body, paging, schemas
from .schemas import COMPONENTS, catalog
from .spec import build_spec


def page_of(query, to_dict):
    limit, offset = paging()
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.limit(limit).offset(offset)).all()
    return jsonify(items=[to_dict(i) for i in items], total=total)


def site_by_code(code: str | None) -> Site:
    if not code:
        raise Invalid(_("Give a site code (?site=CODE)."))
    site = db.session.scalar(select(Site).where(Site.code == code))
    if site is None:
        raise NotFound(_("No site with code %(code)s.", code=code))
    if not can_see_site(current_user, site):
        raise Forbidden(_("This site is outside your area."))
    return site


@bp.get("/v1/sites")
@api_roles(*STAFF)
@schemas(get={200: ("Sites", COMPONENTS["SiteList"])})
def sites():
    """List the sites the caller may see.
    ---
    get:
      summary: List sites
      parameters:
        - {in: query, name: kind, schema: {type: string, enum: [station, playback_point, center_household, demo_household, local_talent, tech_association]}}
        - {in: query, name: township, schema: {type: string}}
        - limit
        - offset
      responses:
        401: {$ref: '#/components/responses/Error'}
        422: {$ref: '#/components/responses/Error'}
    """
    kind = request.args.get("kind")
    if kind and kind not in SITE_KINDS:
        raise Invalid(_("kind must be one of %(kinds)s.", kinds=", ".join(SITE_KINDS)))
    query = filter_sites(visible_sites(current_user), kind=kind,
                         township=request.args.get("township"))
    return page_of(query, catalog.Site().dump)


@bp.get("/v1/files")
@api_roles(*STAFF)
@schemas(get={200: ("Files", COMPONENTS["FileList"])})
def files():
    """List the media files present at a site now.
    ---
    get:
      summary: Files at a site
      parameters:
        - {in: query, name: site, required: true, schema: {type: string}}
        - limit
        - offset
      responses:
        403: {$ref: '#/components/responses/Error'}
        404: {$ref: '#/components/responses/Error'}
        422: {$ref: '#/components/responses/Error'}
    """
    site = site_by_code(request.args.get("site"))
    limit, offset = paging()
    present = (
        select(FileEntry.media_file_id).join(LibraryRoot)
        .where(LibraryRoot.site_id == site.id, FileEntry.missing.is_(False),
               FileEntry.media_file_id.is_not(None))
    )
    query = select(MediaFile).where(MediaFile.id.in_(present)).order_by(MediaFile.created_at)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    media = db.session.scalars(query.limit(limit).offset(offset)).all()
    paths: dict = {}
    for entry, root_path in db.session.execute(
        select(FileEntry, LibraryRoot.path).join(LibraryRoot)
        .where(LibraryRoot.site_id == site.id, FileEntry.missing.is_(False),
               FileEntry.media_file_id.in_([m.id for m in media]))
        .order_by(FileEntry.relpath)
    ):
        paths.setdefault(entry.media_file_id, []).append(f"{root_path.rstrip('/')}/{entry.relpath}")
    found = [{"media": m, "paths": paths.get(m.id, [])} for m in media]
    return jsonify(items=catalog.File(many=True).dump(found), total=total)


@bp.route("/v1/titles", methods=["GET", "POST"])
@api_roles(*STAFF)
@schemas(get={200: ("Titles", COMPONENTS["TitleList"])},
         post={"body": catalog.TitleIn(), 201: ("Created", catalog.Title())})
def titles():
    """Search titles or create one.
    ---
    get:
      summary: Search titles by characters, full pinyin or initials
      parameters:
        - {in: query, name: q, schema: {type: string}}
        - {in: query, name: series, schema: {type: string}}
        - {in: query, name: topic, schema: {type: string}}
        - {in: query, name: audience, schema: {type: string}}
        - {in: query, name: approved, schema: {type: boolean}}
        - {in: query, name: site, schema: {type: string}}
        - limit
        - offset
    post:
      summary: Create a title, optionally attaching files by SHA-256
      responses:
        403: {$ref: '#/components/responses/Error'}
        422: {$ref: '#/components/responses/Error'}
    """
    if request.method == "POST":
        return create()
    args = request.args
    approved = args.get("approved")
    if approved not in (None, "", "true", "false"):
        raise Invalid(_("approved must be true or false."))
    site = site_by_code(args["site"]) if args.get("site") else None
    query = search_titles(
        q=args.get("q"), series=args.get("series"), topic=args.get("topic"),
        audience=args.get("audience"), approved=None if not approved else approved == "true",
        site=site)
    return page_of(query, catalog.Title().dump)


def create():
    fields = body()
    if fields.get("approved") and current_user.role not in ("admin", "township"):
        raise Forbidden(_("Only the township or an administrator approves titles."))
    # `approved` is the city's approval; a township officer's is for their township's sites.
    township = bool(fields.get("approved")) and current_user.role == "township"
    if township:
        fields["approved"] = False
    title = create_title(approved_by=current_user.username, may_attach=file_visible, **fields)
    if township:
        approve_township(title, current_user)
    db.session.commit()
    return jsonify(catalog.Title().dump(title)), 201


@bp.get("/openapi.json")
def openapi():
    return jsonify(build_spec(current_app))

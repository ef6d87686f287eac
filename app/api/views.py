"""The HTTP API under /api/v1 and its OpenAPI document at /api/openapi.json.

Each view's docstring carries its OpenAPI operation after '---'; apispec reads them.
"""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..auth.access import can_see_site, visible_sites
from ..auth.roles import STAFF
from ..catalog.titles import create_title, file_visible, search_titles, title_dict
from ..errors import Forbidden, Invalid, NotFound
from ..extensions import db
from ..models import FileEntry, LibraryRoot, MediaFile, Site
from ..models.places import SITE_KINDS
from ..places.services import filter_sites, site_dict
from .blueprint import bp
from .helpers import api_roles, json_body, paging
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
        200: {description: Sites, content: {application/json: {schema: {$ref: '#/components/schemas/SiteList'}}}}
        401: {$ref: '#/components/responses/Error'}
        422: {$ref: '#/components/responses/Error'}
    """
    kind = request.args.get("kind")
    if kind and kind not in SITE_KINDS:
        raise Invalid(_("kind must be one of %(kinds)s.", kinds=", ".join(SITE_KINDS)))
    query = filter_sites(visible_sites(current_user), kind=kind,
                         township=request.args.get("township"))
    return page_of(query, site_dict)


def file_dict(media: MediaFile, paths: list[str]) -> dict:
    return {
        "id": str(media.id), "sha256": media.sha256, "size": media.size,
        "duration_s": media.duration_s, "container": media.container,
        "video_codec": media.video_codec, "audio_codec": media.audio_codec,
        "width": media.width, "height": media.height,
        "title_id": str(media.title_id) if media.title_id else None, "paths": paths,
    }


@bp.get("/v1/files")
@api_roles(*STAFF)
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
        200: {description: Files, content: {application/json: {schema: {$ref: '#/components/schemas/FileList'}}}}
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
    return jsonify(items=[file_dict(m, paths.get(m.id, [])) for m in media], total=total)


@bp.route("/v1/titles", methods=["GET", "POST"])
@api_roles(*STAFF)
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
      responses:
        200: {description: Titles, content: {application/json: {schema: {$ref: '#/components/schemas/TitleList'}}}}
    post:
      summary: Create a title, optionally attaching files by SHA-256
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/TitleIn'}}}
      responses:
        201: {description: Created, content: {application/json: {schema: {$ref: '#/components/schemas/Title'}}}}
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
    return page_of(query, title_dict)


def create():
    body = json_body()
    fields = {"name": str, "series": (str, type(None)), "topics": list, "audience": str,
              "approved": bool, "sha256": list, "producer": (str, type(None)),
              "year": (int, type(None)), "summary": (str, type(None))}
    for key, value in body.items():
        if key not in fields:
            raise Invalid(_("Unknown field %(f)s.", f=key))
        if not isinstance(value, fields[key]) or isinstance(value, bool) and key == "year":
            raise Invalid(_("Field %(f)s has the wrong type.", f=key))
    if "name" not in body:
        raise Invalid(_("A title needs a name."))
    if body.get("approved") and current_user.role not in ("admin", "township"):
        raise Forbidden(_("Only the township or an administrator approves titles."))
    title = create_title(approved_by=current_user.username, may_attach=file_visible, **body)
    db.session.commit()
    return jsonify(title_dict(title)), 201


@bp.get("/openapi.json")
def openapi():
    return jsonify(build_spec(current_app))

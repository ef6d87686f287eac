"""Catalog pages: titles, unassigned files, library roots and background scans."""

from __future__ import annotations

import uuid

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import roles_required
from ..auth.roles import OFFICERS as EDITORS
from ..auth.roles import STAFF
from ..auth.scope import can_change_site, can_see_site, site_or_404, visible_sites
from ..errors import DianjiaoError
from ..extensions import db
from ..lookup import by_id
from ..models import MediaFile, ScanJob, Site, Title, Unit
from ..pages import save
from ..paging import paginate
from . import copy_views  # noqa: F401 - the Copy page's routes
from .approval import approve_township, approved_by_township, township_approvals
from .blueprint import bp
from .forms import AttachForm, RootForm, ScanForm, TitleForm
from .integrity import damaged_copies
from .library import library_roots, present_counts, recent_scans
from .library import scan_job as find_scan_job
from .picking import RESULTS, find_titles
from .scanning import add_root, library_entries, start_background_scan, walk_errors
from .titles import (
    approve,
    attach_file,
    create_title,
    edit_title,
    file_visible,
    holders,
    holding_sites,
    search_titles,
    title_named,
    title_or_404,
    titles_matching,
    unassigned_files,
)
from .volumes import site_volumes


def _title(title_id: str) -> Title:
    try:
        return title_or_404(title_id)
    except DianjiaoError:
        abort(404)


def _visible_site_ids() -> list[uuid.UUID]:
    return list(db.session.scalars(visible_sites(current_user).with_only_columns(Site.id)))


def _media(file_id: str) -> MediaFile:
    media = by_id(MediaFile, file_id)
    if media is None:
        abort(404)
    if not file_visible(media):
        abort(403)
    return media


@bp.route("/titles")
@roles_required(*STAFF)
def titles():
    args = request.args
    site = None
    if args.get("site"):
        site = site_or_404(args["site"])
    approved = {"yes": True, "no": False}.get(args.get("approved", ""))
    query = search_titles(q=args.get("q"), series=args.get("series") or None,
                          topic=args.get("topic") or None, audience=args.get("audience") or None,
                          approved=approved, site=site)
    items, page = paginate(query)
    sites = db.session.scalars(visible_sites(current_user).order_by(Site.code).limit(300)).all()
    return render_template("catalog/titles.html", titles=items, page=page, args=args, sites=sites)


@bp.route("/titles/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new_title():
    form = TitleForm()
    media = _media(request.args["file"]) if request.args.get("file") else None
    if request.method == "GET" and media is not None:
        form.name.data = media.tags.get("title") or _file_stem(media)
    if form.validate_on_submit():
        def create() -> Title:
            title = create_title(
                form.name.data, series=form.series.data, topics=form.topics.data,
                audience=form.audience.data, producer=form.producer.data or None,
                year=form.year.data, summary=form.summary.data or None,
                sha256=[media.sha256] if media is not None and media.sha256 else None,
            )
            if media is not None and not media.sha256:
                media.title = title
            return title

        saved = save(create, _("Title created."),
                     lambda title: url_for("catalog.title", title_id=title.id))
        if saved is not None:
            return saved
    return render_template("catalog/title_form.html", form=form, media=media, title=None)


def _file_stem(media: MediaFile) -> str:
    entry = media.entries[0] if media.entries else None
    if entry is None:
        return ""
    name = entry.relpath.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[0] if "." in name else name


@bp.route("/titles/<title_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def title(title_id: str):
    title = _title(title_id)
    form = TitleForm(obj=title)
    if request.method == "POST":
        if current_user.role not in EDITORS:
            abort(403)
        if form.validate_on_submit():
            return save(lambda: edit_title(
                title, name=form.name.data, series=form.series.data, topics=form.topics.data,
                audience=form.audience.data, producer=form.producer.data, year=form.year.data,
                summary=form.summary.data), _("Title saved."),
                url_for("catalog.title", title_id=title.id), raising=(DianjiaoError,))
    visible = set(_visible_site_ids())
    held = [(s, n) for s, n in holders(title) if s.id in visible]
    return render_template("catalog/title.html", title=title, form=form, holders=held,
                           can_edit=current_user.role in EDITORS,
                           townships=township_approvals(title),
                           own_approved=approved_by_township(title, current_user))


@bp.route("/titles/<title_id>/approve", methods=["POST"])
@roles_required(*EDITORS)
def approve_title(title_id: str):
    """An administrator approves for the city (every site) or withdraws a township's approval
    (`unit`); a township officer approves or withdraws for their own township."""
    title = _title(title_id)
    approved = request.form.get("approved", "1") == "1"
    unit_id = request.form.get("unit")
    to = url_for("catalog.title", title_id=title.id)
    if current_user.role == "admin" and not unit_id:
        return save(lambda: approve(title, current_user.username, approved),
                    _("Approved for screening.") if approved else _("Approval withdrawn."), to,
                    raising=(DianjiaoError,))
    unit = by_id(Unit, unit_id) if unit_id else None
    if unit_id and unit is None:
        abort(404)

    def for_township() -> str:
        row = approve_township(title, current_user, approved, unit=unit)
        return row.unit.name if row is not None else (unit or current_user.unit).name

    return save(for_township,
                lambda township: _("Approved for the sites of %(township)s.", township=township)
                if approved else _("Approval of %(township)s withdrawn.", township=township),
                to, raising=(DianjiaoError,))


@bp.route("/titles/pick.json")
@roles_required(*STAFF)
def pick_titles():
    """The title picker's search as JSON: ?q= (characters, pinyin or initials), ?site=CODE (held
    there first, approved for it), ?leave_out= (ids already chosen, repeated), ?any=1 (approved
    or not: attaching a file to a title). Without a site, a township officer is offered the
    titles the city or their township approved (their plans' titles)."""
    code = request.args.get("site")
    site = site_or_404(code) if code else None
    unit = current_user.unit if current_user.role == "township" else None
    found, more = find_titles(site, request.args.get("q"), approved_only=request.args.get("any") != "1",
                              leave_out=request.args.getlist("leave_out"), unit=unit)
    return jsonify({"items": [p.as_dict() for p in found], "more": more})


@bp.route("/files/unassigned")
@roles_required(*STAFF)
def unassigned():
    """Files without a title, with the sites holding them; ?file=ID&q=... lists the titles that
    match for that file (the attach box's search, without a script)."""
    site_ids = None if current_user.role == "admin" else _visible_site_ids()
    files = unassigned_files(site_ids, limit=200)
    picking, q = request.args.get("file", ""), (request.args.get("q") or "").strip()
    return render_template("catalog/unassigned.html", files=files, form=AttachForm(),
                           sites=holding_sites(files, site_ids), picking=picking, q=q,
                           matches=titles_matching(q, limit=RESULTS) if picking and q else [])


@bp.route("/files/<file_id>/attach", methods=["POST"])
@roles_required(*STAFF)
def attach(file_id: str):
    """Attach a file to the title named (or of the id) given; a name that is no title's is a
    search: the page lists the titles matching it beside the file."""
    media = _media(file_id)
    form = AttachForm()
    wanted = ((form.title_id.data or form.title.data) or "").strip()
    if form.validate_on_submit() and wanted:
        if title_named(wanted) is None and titles_matching(wanted, limit=1):
            return redirect(url_for("catalog.unassigned", file=media.id, q=wanted,
                                    _anchor=f"file-{media.id}"))
        return save(lambda: attach_file(media, wanted),
                    lambda title: _("File attached to %(name)s.", name=title.name),
                    url_for("catalog.unassigned"), back=True)
    return redirect(url_for("catalog.unassigned"))


@bp.route("/sites/<code>/library", methods=["GET", "POST"])
@roles_required(*STAFF)
def library(code: str):
    site = site_or_404(code)
    form = RootForm()
    if form.validate_on_submit():
        site = site_or_404(code, change=True)
        saved = save(lambda: add_root(site, form.path.data, form.label.data or None),
                     _("Library folder added."), url_for("catalog.library", code=code))
        if saved is not None:
            return saved
    roots = library_roots(site)
    entries, page = paginate(library_entries(site), anchor="videos")
    unusable, unusable_total = walk_errors(roots)
    return render_template("catalog/library.html", site=site, form=form, roots=roots,
                           counts=present_counts(roots), entries=entries, page=page,
                           unusable=unusable, unusable_total=unusable_total,
                           damaged=damaged_copies(site),
                           jobs=recent_scans(site), scan_form=ScanForm(),
                           volumes=site_volumes(site, current_app.config),
                           can_change=can_change_site(current_user, site))


@bp.route("/sites/<code>/scan", methods=["POST"])
@roles_required(*STAFF)
def scan(code: str):
    site = site_or_404(code, change=True)
    form = ScanForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        job = start_background_scan(site, current_user.username, quick=form.quick.data)
    except DianjiaoError as exc:
        flash(exc.message, "error")
        return redirect(url_for("catalog.library", code=code))
    return redirect(url_for("catalog.scan_job", job_id=job.id))


def _job(job_id: str) -> ScanJob:
    job = find_scan_job(job_id)
    if job is None:
        abort(404)
    if not can_see_site(current_user, job.site):
        abort(403)
    return job


@bp.route("/scans/<job_id>")
@roles_required(*STAFF)
def scan_job(job_id: str):
    return render_template("catalog/scan_job.html", job=_job(job_id))


@bp.route("/scans/<job_id>.json")
@roles_required(*STAFF)
def scan_job_json(job_id: str):
    job = _job(job_id)
    return jsonify(status=job.status, files_done=job.files_done, files_total=job.files_total,
                   bytes_done=job.bytes_done, bytes_total=job.bytes_total,
                   summary=job.summary, error=job.error)

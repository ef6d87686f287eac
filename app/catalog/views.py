"""Catalog pages: titles, unassigned files, library roots and background scans."""

from __future__ import annotations

import uuid

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..auth.access import roles_required
from ..auth.roles import OFFICERS as EDITORS
from ..auth.roles import STAFF
from ..auth.scope import can_see_site, site_or_404, visible_sites
from ..errors import DianjiaoError
from ..extensions import db
from ..models import FileEntry, LibraryRoot, MediaFile, ScanJob, Site, Title
from ..paging import paginate
from .blueprint import bp
from .forms import AttachForm, RootForm, ScanForm, TitleForm
from .scanning import add_root, library_entries, start_background_scan, walk_errors
from .titles import (
    approve,
    create_title,
    file_visible,
    holders,
    search_titles,
    set_name,
    title_or_404,
)


def _title(title_id: str) -> Title:
    try:
        return title_or_404(title_id)
    except DianjiaoError:
        abort(404)


def _visible_site_ids() -> list[uuid.UUID]:
    return list(db.session.scalars(visible_sites(current_user).with_only_columns(Site.id)))


def _media(file_id: str) -> MediaFile:
    try:
        media = db.session.get(MediaFile, uuid.UUID(file_id))
    except ValueError:
        media = None
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
        try:
            title = create_title(
                form.name.data, series=form.series.data, topics=form.topics.data,
                audience=form.audience.data, producer=form.producer.data or None,
                year=form.year.data, summary=form.summary.data or None,
                sha256=[media.sha256] if media is not None and media.sha256 else None,
            )
            if media is not None and not media.sha256:
                media.title = title
        except DianjiaoError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Title created."), "success")
            return redirect(url_for("catalog.title", title_id=title.id))
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
            set_name(title, form.name.data)
            title.series = form.series.data or None
            title.topics = form.topics.data
            title.audience = form.audience.data
            title.producer, title.year = form.producer.data or None, form.year.data
            title.summary = form.summary.data or None
            db.session.commit()
            flash(_("Title saved."), "success")
            return redirect(url_for("catalog.title", title_id=title.id))
    visible = set(_visible_site_ids())
    held = [(s, n) for s, n in holders(title) if s.id in visible]
    return render_template("catalog/title.html", title=title, form=form, holders=held,
                           can_edit=current_user.role in EDITORS)


@bp.route("/titles/<title_id>/approve", methods=["POST"])
@roles_required(*EDITORS)
def approve_title(title_id: str):
    title = _title(title_id)
    approve(title, current_user.username, request.form.get("approved", "1") == "1")
    db.session.commit()
    flash(_("Approved for screening.") if title.approved else _("Approval withdrawn."), "success")
    return redirect(url_for("catalog.title", title_id=title.id))


@bp.route("/files/unassigned")
@roles_required(*STAFF)
def unassigned():
    present = (
        select(FileEntry.media_file_id)
        .join(LibraryRoot, FileEntry.root_id == LibraryRoot.id)
        .where(FileEntry.missing.is_(False))
    )
    if current_user.role != "admin":
        present = present.where(LibraryRoot.site_id.in_(_visible_site_ids()))
    query = (
        select(MediaFile)
        .where(MediaFile.title_id.is_(None), MediaFile.id.in_(present))
        .order_by(MediaFile.created_at)
    )
    files = db.session.scalars(query.limit(200)).all()
    titles = db.session.scalars(select(Title).order_by(Title.name_pinyin).limit(500)).all()
    return render_template("catalog/unassigned.html", files=files, form=AttachForm(),
                           titles=titles)


@bp.route("/files/<file_id>/attach", methods=["POST"])
@roles_required(*STAFF)
def attach(file_id: str):
    media = _media(file_id)
    form = AttachForm()
    if form.validate_on_submit():
        wanted = form.title.data.strip()
        title = db.session.scalar(select(Title).where(Title.name == wanted))
        if title is None:
            try:
                title = title_or_404(wanted)
            except DianjiaoError:
                title = None
        if title is None:
            flash(_("No title named %(name)s.", name=wanted), "error")
        else:
            media.title = title
            db.session.commit()
            flash(_("File attached to %(name)s.", name=title.name), "success")
    return redirect(url_for("catalog.unassigned"))


@bp.route("/sites/<code>/library", methods=["GET", "POST"])
@roles_required(*STAFF)
def library(code: str):
    site = site_or_404(code)
    form = RootForm()
    if form.validate_on_submit():
        site = site_or_404(code, change=True)
        try:
            add_root(site, form.path.data, form.label.data or None)
        except DianjiaoError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Library folder added."), "success")
            return redirect(url_for("catalog.library", code=code))
    roots = db.session.scalars(select(LibraryRoot).where(LibraryRoot.site_id == site.id)).all()
    counts = dict(db.session.execute(
        select(FileEntry.root_id, func.count(FileEntry.id))
        .where(FileEntry.root_id.in_([r.id for r in roots]), FileEntry.missing.is_(False))
        .group_by(FileEntry.root_id)).all())
    entries, page = paginate(library_entries(site), anchor="videos")
    unusable, unusable_total = walk_errors(roots)
    jobs = db.session.scalars(select(ScanJob).where(ScanJob.site_id == site.id)
                              .order_by(ScanJob.created_at.desc()).limit(5)).all()
    return render_template("catalog/library.html", site=site, form=form, roots=roots,
                           counts=counts, entries=entries, page=page, unusable=unusable,
                           unusable_total=unusable_total, jobs=jobs, scan_form=ScanForm())


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
    try:
        job = db.session.get(ScanJob, uuid.UUID(job_id))
    except ValueError:
        job = None
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

"""The Copy page: a kit on a disc or stick copied onto this computer, verified, then scanned.

An operator copies for their own site (and an administrator for any): the files are written on
the computer that serves the page. The copy itself runs in copy_jobs.py; its page polls it.
"""

from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, render_template, url_for
from flask_login import current_user

from ..auth.access import roles_required
from ..auth.roles import ADMIN, OPERATOR
from ..auth.scope import can_change_site, site_or_404
from ..errors import DianjiaoError
from ..extensions import db
from ..models import Site
from .blueprint import bp
from .copy_jobs import CopyJob, copy_job, site_jobs, start_copy
from .copying import copy_root
from .forms import CopyForm
from .volumes import mounted_volumes


@bp.route("/sites/<code>/copy", methods=["GET", "POST"])
@roles_required(ADMIN, OPERATOR)
def copy(code: str):
    site = site_or_404(code, change=True)
    form = CopyForm()
    if form.validate_on_submit():
        try:
            job = start_copy(site, form.source.data, form.to.data or None, current_user.username)
        except DianjiaoError as exc:
            flash(exc.message, "error")
        else:
            return redirect(url_for("catalog.copy_job_page", job_id=job.id))
    return render_template("catalog/copy.html", site=site, form=form,
                           default_root=copy_root(site), jobs=site_jobs(site.code),
                           volumes=mounted_volumes(current_app.config))


def _job(job_id: str) -> CopyJob:
    job = copy_job(job_id)
    if job is None:
        abort(404)
    site = db.session.query(Site).filter_by(code=job.site_code).one_or_none()
    if site is None or not can_change_site(current_user, site) or current_user.role not in (
            ADMIN, OPERATOR):
        abort(403)
    return job


@bp.route("/copies/<job_id>")
@roles_required(ADMIN, OPERATOR)
def copy_job_page(job_id: str):
    return render_template("catalog/copy_job.html", job=_job(job_id))


@bp.route("/copies/<job_id>.json")
@roles_required(ADMIN, OPERATOR)
def copy_job_json(job_id: str):
    return jsonify(_job(job_id).as_dict())

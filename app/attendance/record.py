"""The screening record (学用登记): the plan, what really played, who attended, and the discussion
notes and reflections typed afterwards, on one printable page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..auth.access import roles_required
from ..extensions import db
from ..models import MediaFile, PlayLog
from ..models.people import ATTENDANCE_STATUSES
from ..screenings.views import STAFF
from .blueprint import bp
from .forms import DiscussionForm
from .rollcall import close_on_view, load, roster, summary
from .services import played_minutes


def _logs(screening) -> list[PlayLog]:
    return db.session.scalars(select(PlayLog).where(PlayLog.screening_id == screening.id)
                              .order_by(PlayLog.started_at)).all()


def _titles(logs: list[PlayLog]) -> dict:
    """The title name (else the file's short hash) of each logged file."""
    ids = {log.media_file_id for log in logs if log.media_file_id}
    files = db.session.scalars(select(MediaFile).where(MediaFile.id.in_(ids))
                               .options(selectinload(MediaFile.title))).all() if ids else []
    return {f.id: f.title.name if f.title else f.sha256[:12] for f in files}


@bp.route("/screenings/<screening_id>/record", methods=["GET", "POST"])
@roles_required(*STAFF)
def record(screening_id: str):
    screening = load(screening_id, change=request.method == "POST")
    form = DiscussionForm()
    if request.method == "POST":
        if form.validate_on_submit():
            screening.discussion = (form.discussion.data or "").strip() or None
            db.session.commit()
            flash(_("Discussion notes saved."), "success")
            return redirect(url_for("attendance.record", screening_id=screening.id))
        if "csrf_token" in form.errors:
            abort(400)
    else:
        form.discussion.data = screening.discussion
        close_on_view(screening)
    logs = _logs(screening)
    everyone = roster(screening)
    rows = [r for r in everyone if r.attendance is not None]
    return render_template(
        "attendance/record.html", screening=screening, logs=logs, titles=_titles(logs),
        played=played_minutes(screening), rows=rows, totals=summary(screening, everyone),
        statuses=ATTENDANCE_STATUSES, form=form,
        slot=(screening.ends_at - screening.starts_at).total_seconds() / 60,
    ), 422 if form.errors else 200

"""The screening record (学用登记): the plan, what really played, who attended, and the discussion
notes and reflections typed afterwards, on one printable page."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _

from ..auth.access import roles_required
from ..auth.roles import STAFF
from ..errors import DianjiaoError
from ..models.people import ATTENDANCE_STATUSES
from ..notices.reflections import reflections_of
from ..pages import save
from ..screenings.played import logged_titles, play_logs
from .blueprint import bp
from .forms import DiscussionForm
from .rollcall import close_on_view, load
from .services import played_minutes
from .sheet import note_discussion, roster, summary


@bp.route("/screenings/<screening_id>/record", methods=["GET", "POST"])
@roles_required(*STAFF)
def record(screening_id: str):
    screening = load(screening_id, change=request.method == "POST")
    form = DiscussionForm()
    if request.method == "POST":
        if form.validate_on_submit():
            return save(lambda: note_discussion(screening, form.discussion.data),
                        _("Discussion notes saved."),
                        url_for("attendance.record", screening_id=screening.id),
                        raising=(DianjiaoError,))
        if "csrf_token" in form.errors:
            abort(400)
    else:
        form.discussion.data = screening.discussion
        close_on_view(screening)
    logs = play_logs(screening)
    everyone = roster(screening)
    rows = [r for r in everyone if r.attendance is not None]
    return render_template(
        "attendance/record.html", screening=screening, logs=logs, titles=logged_titles(logs),
        played=played_minutes(screening), rows=rows, totals=summary(screening, everyone),
        statuses=ATTENDANCE_STATUSES, form=form, reflections=reflections_of(screening),
        slot=(screening.ends_at - screening.starts_at).total_seconds() / 60,
    ), 422 if form.errors else 200

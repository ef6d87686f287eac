"""The township's Audit page (flagged screenings of its sites with their evidence side by side),
an officer's word on a flag, the pictures themselves, and the operator's photo upload."""

from __future__ import annotations

import uuid

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from ..auth.access import roles_required
from ..auth.roles import OFFICERS, STAFF
from ..auth.scope import site_or_404, visible_sites
from ..errors import DianjiaoError
from ..extensions import db
from ..models import AuditFlag, ScreeningEvidence
from ..pages import save
from ..paging import page_for
from ..screenings.played import logged_titles, play_logs
from ..screenings.single import screening_or_404
from .blueprint import bp
from .evidence import add_photo, evidence_of
from .forms import DecideForm, PhotoForm
from .services import (
    FLAG_LABELS,
    SEVERITY_LABELS,
    STATE_LABELS,
    count_flagged,
    decide,
    flag_detail,
    flagged_screenings,
    flags_of,
    latest_check,
    note_text,
    sign_in_timeline,
)

PHOTO_ENDPOINT = "audit.add_room_photo"


def _screening(screening_id: str):
    try:
        screening = screening_or_404(screening_id)
    except DianjiaoError:
        abort(404)
    site_or_404(screening.site.code)  # 404 outside the user's area
    return screening


def _words() -> dict:
    return {"flag_label": lambda code: FLAG_LABELS.get(code, code), "flag_detail": flag_detail,
            "severity_label": lambda s: SEVERITY_LABELS.get(s, s),
            "state_label": lambda s: STATE_LABELS.get(s, s), "note_text": note_text}


@bp.route("/audit")
@roles_required(*OFFICERS)
def index():
    total = count_flagged(visible_sites(current_user))
    page = page_for(total, anchor="audit")
    rows = flagged_screenings(visible_sites(current_user), offset=page.offset, limit=page.size)
    return render_template("audit/index.html", rows=rows, page=page, total=total,
                           flags={s.id: flags_of(s.id) for s in rows},
                           pictures={s.id: evidence_of(s.id) for s in rows}, **_words())


@bp.route("/audit/screenings/<screening_id>")
@roles_required(*OFFICERS)
def screening(screening_id: str):
    """One screening's evidence side by side: plan, what played, the screen, the sign-ins."""
    row = _screening(screening_id)
    logs = play_logs(row)
    return render_template("audit/screening.html", screening=row, logs=logs,
                           titles=logged_titles(logs), marks=sign_in_timeline(row),
                           pictures=evidence_of(row.id), flags=flags_of(row.id),
                           check=latest_check(row), form=DecideForm(), **_words())


@bp.route("/audit/flags/<flag_id>", methods=["POST"])
@roles_required(*OFFICERS)
def decide_flag(flag_id: str):
    try:
        flag = db.session.get(AuditFlag, uuid.UUID(flag_id))
    except ValueError:
        flag = None
    if flag is None:
        abort(404)
    screening = _screening(str(flag.screening_id))
    form = DecideForm()
    to = url_for("audit.screening", screening_id=screening.id, _anchor=f"flag-{flag.code}")
    if not form.validate_on_submit():
        flash(_("The note is longer than %(n)d characters.", n=500)
              if form.note.errors else _("Choose explained, confirmed or open."), "error")
        return redirect(to)
    return save(lambda: decide(flag, form.state.data, form.note.data, by=current_user.username),
                _("The flag is marked %(state)s.", state=STATE_LABELS[form.state.data]), to,
                back=True)


@bp.route("/audit/pictures/<picture_id>.jpg")
@roles_required(*STAFF)
def picture(picture_id: str):
    try:
        row = db.session.get(ScreeningEvidence, uuid.UUID(picture_id))
    except ValueError:
        row = None
    if row is None:
        abort(404)
    _screening(str(row.screening_id))
    return Response(row.jpeg, mimetype="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})


@bp.url_value_preprocessor
def _photo_size(endpoint, _values):
    # Before the CSRF check reads the form: a photo may be larger than other uploads (and a
    # larger one is refused in plain words below, not with the generic 413 page).
    if endpoint == PHOTO_ENDPOINT:
        request.max_content_length = (int(current_app.config["EVIDENCE_UPLOAD_MB"]) + 1) * 1024 * 1024


@bp.errorhandler(RequestEntityTooLarge)
def _photo_too_large(_exc):
    if request.endpoint != PHOTO_ENDPOINT:
        return _("The file is too large."), 413
    flash(_("The photo is larger than %(mb)d MB; take a smaller one (the phone's camera "
            "setting) and try again.", mb=int(current_app.config["EVIDENCE_UPLOAD_MB"])), "error")
    return redirect(url_for("screenings.detail", screening_id=request.view_args["screening_id"],
                            _anchor="room-photos"))


@bp.route("/screenings/<screening_id>/photos", methods=["POST"], endpoint="add_room_photo")
@roles_required(*STAFF)
def add_room_photo(screening_id: str):
    """An operator's photo of the room: resized, EXIF stripped, kept with the screening."""
    screening = _screening(screening_id)
    site_or_404(screening.site.code, change=True)
    to = url_for("screenings.detail", screening_id=screening.id, _anchor="room-photos")
    form = PhotoForm()
    if not form.validate_on_submit():
        flash(_("Choose a photo to add."), "error")
        return redirect(to)
    data = form.photo.data.read()
    return save(lambda: add_photo(screening, data, by=current_user.username),
                _("The photo was added; it travels to the township with the next bundle."), to,
                back=True)

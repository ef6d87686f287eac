"""Self-service sign-in: the kiosk by the door and the phone page behind the rotating QR code.

The kiosk page (`/kiosk`, served through `auth.kiosk`) works with plain forms; kiosk.js makes the
search live and signs in through the JSON API. The phone pages are public (villagers have no
accounts): a valid QR code grants the phone's session a while to find a name and sign in, and a
long-lived device cookie holds one person per phone per screening.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from .. import clock
from ..auth.access import roles_required
from ..auth.roles import STAFF
from ..auth.scope import can_change_site, can_see_screening
from ..errors import Conflict, DianjiaoError, Forbidden, Invalid, NotFound
from ..extensions import limiter
from ..lookup import by_id
from ..models import Attendance, Person, Screening
from ..pages import save, unit_of_work
from ..public_url import public_url, unreachable
from ..qrcodes import svg as draw_qr
from ..screenings.forms import ConfirmForm
from ..screenings.single import screening_or_404
from . import qr
from .blueprint import bp
from .current import (
    current_screening,
    next_screening,
    people_to_sign,
    phone_sign_in,
    share_phone,
    signed_count,
    site_id_of,
)
from .services import (
    is_open,
    screening_villages,
    sign_in,
    signable_person,
    undo,
    undoable,
    window,
)

UNDO_S = 30  # a kiosk sign-in can be taken back this long
MAX_RESULTS = 20
PHONE_GRANT_S = 15 * 60  # after a valid scan, the phone may search and sign in this long
DEVICE_COOKIE = "dianjiao_device"
DEVICE_MAX_AGE = 5 * 365 * 24 * 3600



def phone_limit() -> str:
    return current_app.config.get("PHONE_RATE_LIMIT", "30 per minute")


# --- which screening ---------------------------------------------------------------------------

def _other_villages() -> bool:
    """Whether the search asked for someone from another village (the box ticked)."""
    return request.values.get("other") == "1"


def phone_url(screening: Screening) -> str:
    """The absolute address in the QR code, on the host the page was opened by."""
    return public_url("attendance.phone_entry", screening_id=screening.id,
                      code=qr.current_code(screening.id, clock.now()))



# --- the kiosk ---------------------------------------------------------------------------------

def kiosk_page(error: str | None = None, status: int = 200):
    """The kiosk's one page (served as /kiosk by auth.kiosk): search, sign, undo, count, QR."""
    site = current_user.site
    now = clock.now()
    screening = current_screening(site, now) if site else None
    if screening is None:
        upcoming = next_screening(site, now) if site else None
        return render_template("attendance/kiosk.html", site=site, screening=None,
                               next=upcoming, next_opens=window(upcoming)[0] if upcoming else None
                               ), status
    shown = by_id(Attendance, request.args.get("shown"))
    if shown is not None and site_id_of(shown) != site.id:
        shown = None
    new = shown is not None and request.args.get("new") == "1"
    undo_left = int(UNDO_S - (now - shown.signed_at).total_seconds()) if new else 0
    can_undo = new and shown.method == "kiosk" and undo_left > 0 and undoable(shown)
    q, other = request.args.get("q", ""), _other_villages()
    return render_template(
        "attendance/kiosk.html", site=site, screening=screening, window=window(screening),
        count=signed_count(screening), q=q, other=other,
        results=people_to_sign(q, screening, township=other, limit=MAX_RESULTS),
        villages=screening_villages(screening), shown=shown, new=new, can_undo=can_undo,
        undo_left=undo_left, undo_s=UNDO_S,
        error=error, walkin=bool(request.form.get("walkin_name")), loopback=unreachable(),
        rotate_s=qr.rotate_s(),
    ), status


def _kiosk_screening(value) -> Screening:
    screening = screening_or_404(value)
    if screening.site_id != current_user.site_id:
        raise Forbidden(_("This site is outside your area."))
    return screening


@bp.route("/kiosk/sign", methods=["POST"])
@roles_required("kiosk")
def kiosk_sign():
    """Sign a roster person (person_id) or a walk-in (walkin_name, village) in: the no-JS path."""
    screening = _kiosk_screening(request.form.get("screening_id"))
    form = request.form
    person = None
    try:
        if form.get("person_id"):
            person = signable_person(form["person_id"], screening.site)
        elif form.get("village") not in {v.name for v in screening_villages(screening)}:
            raise Invalid(_("Choose the village."))
        with unit_of_work(one_at_a_time=True):
            result = sign_in(screening, method="kiosk", person=person,
                             walkin_name=form.get("walkin_name"), village=form.get("village"),
                             recorded_by=current_user.username,
                             device=request.headers.get("User-Agent"), now=clock.now())
    except DianjiaoError as exc:
        return kiosk_page(exc.message, exc.status)
    return redirect(url_for("auth.kiosk", shown=result.attendance.id,
                            new="1" if result.signed_now else "0"), 303)


@bp.route("/kiosk/undo/<attendance_id>", methods=["POST"])
@roles_required("kiosk")
def kiosk_undo(attendance_id: str):
    """Take back a kiosk sign-in of this kiosk's site within UNDO_S seconds (kiosk.js asks for
    JSON: a refusal then comes as the error envelope)."""
    row = by_id(Attendance, attendance_id)
    wants_json = request.accept_mimetypes.best == "application/json"
    try:
        with unit_of_work():
            if row is None:
                raise NotFound(_("No such sign-in."))
            if site_id_of(row) != current_user.site_id or row.method != "kiosk":
                raise Forbidden(_("A kiosk can only undo its own site's kiosk sign-ins."))
            name = row.person.name
            undo(row, seconds=UNDO_S, now=clock.now())
    except DianjiaoError as exc:
        if wants_json:
            raise
        flash(exc.message, "error")
        return redirect(url_for("auth.kiosk"), 303)
    message = _("Sign-in of %(name)s undone.", name=name)
    if wants_json:
        return jsonify(undone=True, message=message)
    flash(message, "success")
    return redirect(url_for("auth.kiosk"), 303)


@bp.route("/kiosk/count")
@roles_required("kiosk")
def kiosk_count():
    """The current screening and how many have signed in (polled by the kiosk page)."""
    screening = current_screening(current_user.site, clock.now()) if current_user.site else None
    return jsonify(screening_id=str(screening.id) if screening else None,
                   count=signed_count(screening) if screening else 0)


# --- the QR code -------------------------------------------------------------------------------

def _visible_screening(screening_id: str) -> Screening:
    screening = screening_or_404(screening_id)
    if not can_see_screening(current_user, screening):
        raise Forbidden(_("This site is outside your area."))
    return screening


@bp.route("/screenings/<screening_id>/qr.svg")
@roles_required(*STAFF, "kiosk")
def qr_svg(screening_id: str):
    """The phone sign-in QR code as it is now (the page reloads it as the code rotates)."""
    screening = _visible_screening(screening_id)
    return Response(draw_qr(phone_url(screening)), mimetype="image/svg+xml",
                    headers={"Cache-Control": "no-store"})


@bp.route("/screenings/<screening_id>/qr")
@roles_required(*STAFF)
def qr_page(screening_id: str):
    """The QR code full screen, for the TV or a laptop when no kiosk is there."""
    screening = _visible_screening(screening_id)
    return render_template("attendance/kiosk_qr.html", screening=screening, form=ConfirmForm(),
                           open=is_open(screening, clock.now()), window=window(screening),
                           count=signed_count(screening), loopback=unreachable(),
                           rotate_s=qr.rotate_s())


@bp.route("/screenings/<screening_id>/phone-shared", methods=["POST"])
@roles_required(*STAFF)
def phone_shared(screening_id: str):
    """The operator's override: let one phone sign in several people (a family) at this screening."""
    screening = _visible_screening(screening_id)
    if not can_change_site(current_user, screening.site) or not ConfirmForm().validate_on_submit():
        abort(403)
    return save(lambda: share_phone(screening, request.form.get("shared") == "1"),
                lambda _none: _("One phone may now sign in several people.")
                if screening.phone_shared else _("One phone signs in one person again."),
                url_for("attendance.qr_page", screening_id=screening.id), raising=(DianjiaoError,))


# --- the phone ---------------------------------------------------------------------------------

def message_page(template_status: int, title: str, message: str, screening: Screening | None = None):
    return render_template("attendance/phone_message.html", title=title, message=message,
                           screening=screening), template_status


def _expired():
    return message_page(403, _("The code has expired"), _("The code has expired, scan again."))


def closed_page(screening: Screening):
    return message_page(409, _("Sign-in is closed"),
                    _("Sign-in for this screening is closed."), screening)


def _granted(screening_id: str, now: datetime) -> bool:
    return session.get("phone", {}).get(str(screening_id), 0) > now.timestamp()


def request_device() -> str | None:
    value = request.cookies.get(DEVICE_COOKIE, "")
    return value if 16 <= len(value) <= 64 and value.isalnum() else None


@bp.route("/s/<screening_id>/<code>")
@limiter.shared_limit(phone_limit, scope="phone")
def phone_entry(screening_id: str, code: str):
    """Where the QR code leads: check the code, let this phone in for a while, set its device id."""
    now = clock.now()
    screening = by_id(Screening, screening_id)
    if screening is None or not qr.accepts(screening.id, code, now):
        return _expired()
    if not is_open(screening, now):
        return closed_page(screening)
    grants = {k: v for k, v in session.get("phone", {}).items() if v > now.timestamp()}
    grants[str(screening.id)] = now.timestamp() + PHONE_GRANT_S
    session["phone"] = grants
    response = redirect(url_for("attendance.phone_page", screening_id=screening.id), 303)
    if request_device() is None:
        response.set_cookie(DEVICE_COOKIE, secrets.token_hex(16), max_age=DEVICE_MAX_AGE,
                            httponly=True, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def phone_screening(screening_id: str, now: datetime):
    """The screening a phone may use now, or the page to show instead."""
    screening = by_id(Screening, screening_id)
    if screening is not None and not is_open(screening, now):
        return None, closed_page(screening)  # scanning again would not help
    if screening is None or not _granted(screening.id, now) or request_device() is None:
        return None, _expired()
    return screening, None


def _phone_page(screening: Screening, *, q: str = "", other: bool = False,
                result: str | None = None, person: Person | None = None, status: int = 200):
    mine = phone_sign_in(screening, request_device())
    return render_template("attendance/phone.html", screening=screening, q=q, other=other,
                           results=people_to_sign(q, screening, township=other, limit=MAX_RESULTS),
                           result=result, person=person, mine=mine), status


@bp.route("/s/<screening_id>", methods=["GET"])
@limiter.shared_limit(phone_limit, scope="phone")
def phone_page(screening_id: str):
    """Find your name (people of the screening's villages, at most 20)."""
    screening, refusal = phone_screening(screening_id, clock.now())
    if refusal is not None:
        return refusal
    return _phone_page(screening, q=request.args.get("q", ""), other=_other_villages())


@bp.route("/s/<screening_id>", methods=["POST"])
@limiter.shared_limit(phone_limit, scope="phone")
def phone_sign(screening_id: str):
    """Sign one person in from this phone: one person per phone per screening."""
    now = clock.now()
    screening, refusal = phone_screening(screening_id, now)
    if refusal is not None:
        return refusal
    person = signable_person(request.form.get("person_id"), screening.site)
    device = request_device()
    mine = phone_sign_in(screening, device)
    if mine is not None and mine.person_id != person.id and not screening.phone_shared:
        return _phone_page(screening, result="refused", person=mine.person, status=409)
    try:
        with unit_of_work(one_at_a_time=True):
            result = sign_in(screening, method="phone", person=person, device=device, now=now)
    except Conflict:
        return closed_page(screening)
    return _phone_page(screening, result="signed" if result.signed_now else "already", person=person)

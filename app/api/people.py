"""The roster and sign-ins under /api/v1."""

from __future__ import annotations

import uuid

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ..attendance.fast import quick_sign_in
from ..attendance.services import (
    sign_in,
    sign_in_villages,
    signable_person,
    villages_of,
)
from ..auth.scope import can_change_site, can_see_person, can_see_site, visible_units
from ..errors import Forbidden, Invalid, NotFound
from ..extensions import db, one_writer
from ..models import Attendance, Person, Screening, Site
from ..people.importing import clean_phone
from ..people.services import create_person, search_people, village_within
from ..screenings.single import screening_or_404
from .blueprint import bp
from .helpers import api_roles, schemas
from .helpers import body as load_body
from .schemas import COMPONENTS
from .schemas.people import KIOSK
from .views import STAFF, page_of

PERSON = COMPONENTS["Person"]()
KIOSK_PERSON = COMPONENTS["Person"](only=KIOSK)
ATTENDANCE = COMPONENTS["Attendance"]()


@bp.route("/v1/people", methods=["GET", "POST"])
@api_roles(*STAFF, "kiosk")
@schemas(get={200: ("People", COMPONENTS["PersonList"])},
         post={"body": COMPONENTS["PersonIn"](), 201: ("Added", PERSON)})
def people():
    """Search the roster or add a person, within the caller's area.
    ---
    get:
      summary: People matching characters, full pinyin or initials (张三, zhangsan, zs, 张s)
      description: 'Active people of the caller''s area: all for administrators, the township''s villages for a township officer, the villages of the site for its operator. A kiosk gets the villages its site serves, or with scope=township every village of the site''s township (someone from another village), never the rest of the network; and of each person only id, name, village and township (what the sign-in page shows: no party membership, role or phone).'
      parameters:
        - {in: query, name: q, schema: {type: string}}
        - {in: query, name: scope, description: 'for a kiosk: site (default) or township', schema: {type: string, enum: [site, township]}}
        - {in: query, name: screening, description: put people of this screening's villages first, schema: {type: string, format: uuid}}
        - limit
        - offset
    post:
      summary: Add a person to the roster; the village is required and must be in the caller's area (403 otherwise)
      responses:
        403: {$ref: '#/components/responses/Error'}
        422: {$ref: '#/components/responses/Error'}
    """
    kiosk = current_user.role == "kiosk"
    scope = visible_units(current_user)
    if kiosk:
        # As the kiosk page: the site's villages, the township's on an explicit search
        wanted = request.args.get("scope") or "site"
        if wanted not in ("site", "township"):
            raise Invalid(_("scope is site or township."))
        site = current_user.site
        scope = sign_in_villages(site, township=wanted == "township") if site else set()
    if request.method == "POST":
        if kiosk:
            raise Forbidden(_("A kiosk signs people in; it does not edit the roster."))
        fields = load_body()
        village = village_within(fields.get("village"), township=fields.get("township"),
                                 within=scope)
        person = create_person(fields.get("name"), party_member=fields.get("party_member", False),
                               village=village, role=fields.get("role") or "villager",
                               phone=clean_phone(fields.get("phone")))
        db.session.commit()
        return jsonify(PERSON.dump(person)), 201
    villages: set = set()
    if request.args.get("screening"):
        screening = screening_or_404(request.args["screening"])
        if can_see_site(current_user, screening.site):
            villages = villages_of(screening)
    return page_of(search_people(request.args.get("q"), villages=villages, within=scope),
                   (KIOSK_PERSON if kiosk else PERSON).dump)


@bp.route("/v1/screenings/<screening_id>/attendance", methods=["GET", "POST"])
@api_roles(*STAFF, "kiosk")
@schemas(get={200: ("Sign-ins", COMPONENTS["AttendanceList"])},
         post={"body": COMPONENTS["AttendanceIn"](), 201: ("Signed in", ATTENDANCE),
               200: ("Already signed in", ATTENDANCE)})
def attendance(screening_id: str):
    """Who signed in at a screening, or sign someone in.
    ---
    get:
      summary: The sign-ins of a screening
      parameters:
        - {in: path, name: screening_id, required: true, schema: {type: string, format: uuid}}
    post:
      summary: Sign in a person ({person_id}) or a walk-in ({walkin_name, village}); 201 new, 200 already signed (never a second row), 404/422 unknown person, 409 for kiosk or phone outside the sign-in window
      description: 'A walk-in''s village is one of the screening''s villages (it may be left out when the screening serves one). A kiosk or phone sign-in gets its status from its time (present, or late after the start plus the margin): a kiosk sending status gets 403. Signing in someone marked absent or excused turns that row into the sign-in: 201, with the same id. A deactivated person is 404.'
      parameters:
        - {in: path, name: screening_id, required: true, schema: {type: string, format: uuid}}
      responses:
        403: {$ref: '#/components/responses/Error'}
        404: {$ref: '#/components/responses/Error'}
        409: {$ref: '#/components/responses/Error'}
        422: {$ref: '#/components/responses/Error'}
    """
    if request.method == "POST":
        body = load_body()
        device = body.get("device") or request.headers.get("User-Agent")
        quick = quick_sign_in(screening_id, current_user, body, device)
        if quick is not None:  # the common case, from cached rows in one INSERT, committed
            answer, status = quick
            return jsonify({**ATTENDANCE.dump(answer), "replaced": None}), status
        db.session.rollback()  # nothing was written: the full path below says why
    screening = screening_or_404(screening_id, [joinedload(Screening.site)])
    site = screening.site
    if not can_see_site(current_user, site):
        raise Forbidden(_("This site is outside your area."))
    if request.method == "GET":
        query = db.select(Attendance).where(Attendance.screening_id == screening.id).order_by(
            Attendance.signed_at)
        return page_of(query, ATTENDANCE.dump)
    method = body.get("method") or ("kiosk" if current_user.role == "kiosk" else "operator")
    if current_user.role == "kiosk" and method != "kiosk":
        raise Forbidden(_("A kiosk signs in with method kiosk."))
    if current_user.role == "kiosk" and body.get("status") is not None:
        raise Forbidden(_("A kiosk does not set the status: it follows from the time of sign-in."))
    if current_user.role != "kiosk" and not can_change_site(current_user, site):
        raise Forbidden(_("This site is outside your area."))
    person = _person_to_sign(body, site)
    with one_writer():
        result = sign_in(screening, method=method, person=person,
                         walkin_name=body.get("walkin_name"), village=body.get("village"),
                         recorded_by=current_user.username,
                         device=device, status=body.get("status"))
        answer = ATTENDANCE.dump(result.attendance)  # before the commit expires the rows
        answer["replaced"] = result.replaced  # the absent or excused mark it replaced, or null
        db.session.commit()
    # 201: signed in now (a new row, or an absent or excused mark turned into the sign-in)
    return jsonify(answer), 201 if result.signed_now else 200


def _person_to_sign(body: dict, site: Site) -> Person | None:
    """The roster person named by person_id, or None for a walk-in. Active people only, as at
    the kiosk; a kiosk or an operator reaches the site's township (as the kiosk's search), a
    township officer its own area; anyone else is unknown (404), as a person who does not exist."""
    if "person_id" in body:
        try:
            person_id = uuid.UUID(str(body["person_id"]))
        except ValueError as exc:
            raise Invalid(_("person_id is not a valid id.")) from exc
        if current_user.role in ("kiosk", "operator"):
            return signable_person(person_id, site)
        person = db.session.get(Person, person_id)
        if person is None or not person.active or not can_see_person(current_user, person):
            raise NotFound(_("No such person."))
        return person
    if not body.get("walkin_name"):
        raise Invalid(_("Send person_id, or walkin_name and village for someone not on the roster."))
    return None

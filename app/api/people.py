"""The roster and sign-ins under /api/v1."""

from __future__ import annotations

import uuid

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ..attendance.services import attendance_dict, sign_in, villages_of
from ..auth.access import can_change_site, can_see_site
from ..errors import Forbidden, Invalid, NotFound
from ..extensions import db, one_writer
from ..models import Attendance, Person, Screening
from ..people.services import create_person, person_dict, search_people, village_named
from ..screenings.services import screening_or_404
from . import bp
from .helpers import api_roles, json_body
from .views import STAFF, page_of


@bp.route("/v1/people", methods=["GET", "POST"])
@api_roles(*STAFF, "kiosk")
def people():
    """Search the roster or add a person.
    ---
    get:
      summary: People matching characters, full pinyin or initials (张三, zhangsan, zs, 张s)
      parameters:
        - {in: query, name: q, schema: {type: string}}
        - {in: query, name: screening, description: put people of this screening's villages first, schema: {type: string, format: uuid}}
        - limit
        - offset
      responses:
        200: {description: People, content: {application/json: {schema: {$ref: '#/components/schemas/PersonList'}}}}
    post:
      summary: Add a person to the roster
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/PersonIn'}}}
      responses:
        201: {description: Added, content: {application/json: {schema: {$ref: '#/components/schemas/Person'}}}}
        422: {$ref: '#/components/responses/Error'}
    """
    if request.method == "POST":
        if current_user.role == "kiosk":
            raise Forbidden(_("A kiosk signs people in; it does not edit the roster."))
        body = json_body()
        allowed = {"name", "village", "township", "party_member", "role", "phone"}
        if unknown := set(body) - allowed:
            raise Invalid(_("Unknown field %(f)s.", f=", ".join(sorted(unknown))))
        if not isinstance(body.get("party_member", False), bool):
            raise Invalid(_("Field %(f)s has the wrong type.", f="party_member"))
        person = create_person(body.get("name"), party_member=body.get("party_member", False),
                               village=village_named(body.get("village"),
                                                     township=body.get("township")),
                               role=body.get("role") or "villager", phone=body.get("phone"))
        db.session.commit()
        return jsonify(person_dict(person)), 201
    villages: set = set()
    if request.args.get("screening"):
        screening = screening_or_404(request.args["screening"])
        if can_see_site(current_user, screening.site):
            villages = villages_of(screening)
    return page_of(search_people(request.args.get("q"), villages=villages), person_dict)


@bp.route("/v1/screenings/<screening_id>/attendance", methods=["GET", "POST"])
@api_roles(*STAFF, "kiosk")
def attendance(screening_id: str):
    """Who signed in at a screening, or sign someone in.
    ---
    get:
      summary: The sign-ins of a screening
      parameters:
        - {in: path, name: screening_id, required: true, schema: {type: string, format: uuid}}
      responses:
        200: {description: Sign-ins, content: {application/json: {schema: {$ref: '#/components/schemas/AttendanceList'}}}}
    post:
      summary: Sign in a person ({person_id}) or a walk-in ({walkin_name, village}); 201 new, 200 already signed (never a second row), 404/422 unknown person, 409 for kiosk or phone outside the sign-in window
      parameters:
        - {in: path, name: screening_id, required: true, schema: {type: string, format: uuid}}
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/AttendanceIn'}}}
      responses:
        201: {description: Signed in, content: {application/json: {schema: {$ref: '#/components/schemas/Attendance'}}}}
        200: {description: Already signed in, content: {application/json: {schema: {$ref: '#/components/schemas/Attendance'}}}}
        404: {$ref: '#/components/responses/Error'}
        409: {$ref: '#/components/responses/Error'}
        422: {$ref: '#/components/responses/Error'}
    """
    screening = screening_or_404(screening_id, [joinedload(Screening.site)])
    site = screening.site
    if not can_see_site(current_user, site):
        raise Forbidden(_("This site is outside your area."))
    if request.method == "GET":
        query = db.select(Attendance).where(Attendance.screening_id == screening.id).order_by(
            Attendance.signed_at)
        return page_of(query, attendance_dict)
    body = json_body()
    allowed = {"person_id", "walkin_name", "village", "method", "status", "device"}
    if unknown := set(body) - allowed:
        raise Invalid(_("Unknown field %(f)s.", f=", ".join(sorted(unknown))))
    method = body.get("method") or ("kiosk" if current_user.role == "kiosk" else "operator")
    if current_user.role == "kiosk" and method != "kiosk":
        raise Forbidden(_("A kiosk signs in with method kiosk."))
    if current_user.role != "kiosk" and not can_change_site(current_user, site):
        raise Forbidden(_("This site is outside your area."))
    person = None
    if "person_id" in body:
        try:
            person_id = uuid.UUID(str(body["person_id"]))
        except ValueError as exc:
            raise Invalid(_("person_id is not a valid id.")) from exc
        person = db.session.get(Person, person_id)
        if person is None:
            raise NotFound(_("No such person."))
    elif not body.get("walkin_name"):
        raise Invalid(_("Send person_id, or walkin_name and village for someone not on the roster."))
    with one_writer():
        result = sign_in(screening, method=method, person=person,
                         walkin_name=body.get("walkin_name"), village=body.get("village"),
                         recorded_by=current_user.username,
                         device=body.get("device") or request.headers.get("User-Agent"),
                         status=body.get("status"))
        answer = attendance_dict(result.attendance)  # before the commit expires the rows
        db.session.commit()
    return jsonify(answer), 201 if result.created else 200

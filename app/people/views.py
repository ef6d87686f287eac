"""Roster pages: list, import, a person's page with history and study hours."""

from __future__ import annotations

import uuid

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from .. import clock, dates
from ..attendance.services import played_minutes_of, study_minutes
from ..auth.access import roles_required
from ..auth.roles import STAFF
from ..auth.scope import can_see_person, visible_sites, visible_units
from ..errors import DianjiaoError
from ..extensions import db
from ..models import Attendance, Person, Screening, Site, Unit
from ..models.people import COUNTED, PERSON_ROLES
from ..pages import save
from ..paging import page_for, paginate
from ..places.services import read_table
from .blueprint import bp
from .forms import (
    ActionForm,
    ImportForm,
    MergeForm,
    PersonForm,
)
from .importing import drop_stash, import_people, read_stash, stash_upload
from .services import create_person, person_or_404, search_people, update_person
from .targets import below_target as below_target_of

PAGE_SIZE = 100
HISTORY_ROWS = 200
WHO_SHOWN = 20  # names a site's line of the below-target page lists; the village list has all


# --- scope ---------------------------------------------------------------------------------

def visible_person(person_id: str) -> Person:
    """A person of the user's area: 404 when unknown, 403 when outside it."""
    person = person_or_404(person_id)
    if not can_see_person(current_user, person):
        abort(403)
    return person


def village_choices(scope: set[uuid.UUID] | None) -> list[SelectChoice]:
    query = select(Unit).where(Unit.kind.in_(("village", "community")))
    if scope is not None:
        query = query.where(Unit.id.in_(scope))
    villages = db.session.scalars(query).all()
    labelled = [(str(v.id), f"{v.name} · {v.parent.name}" if v.parent else v.name)
                for v in villages]
    return [SelectChoice(value, label) for value, label in sorted(labelled, key=lambda p: p[1])]


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


# --- list ----------------------------------------------------------------------------------

@bp.route("/people")
@roles_required(*STAFF)
def index():
    args = request.args
    q = (args.get("q") or "").strip()
    scope = visible_units(current_user)
    inactive = args.get("inactive") == "1"
    query = search_people(q, active_only=not inactive, within=scope)
    village = _uuid(args.get("village")) if args.get("village") else None
    if village is not None:
        query = query.where(Person.village_id == village)
    party = args.get("party") or ""
    if party in ("yes", "no"):
        query = query.where(Person.party_member.is_(party == "yes"))
    role = args.get("role") or ""
    if role in PERSON_ROLES:
        query = query.where(Person.role == role)
    walkins = args.get("walkins") == "1"
    if walkins:
        query = query.where(Person.walkin.is_(True))
    people, page = paginate(query, size=PAGE_SIZE)
    return render_template(
        "people/index.html", people=people, page=page,
        q=q, villages=village_choices(scope), village=str(village or ""),
        party=party, role=role, walkins=walkins, inactive=inactive)


# --- add and edit --------------------------------------------------------------------------

def _village_for(form: PersonForm, scope: set[uuid.UUID] | None) -> Unit | None:
    unit = db.session.get(Unit, _uuid(form.village.data)) if _uuid(form.village.data) else None
    if unit is None or (scope is not None and unit.id not in scope):
        form.village.errors.append(_("Choose a village of your area."))
        return None
    return unit


def _namesake(name: str, village: Unit, person: Person | None = None) -> Person | None:
    query = select(Person).where(Person.name == " ".join(name.split()),
                                 Person.village_id == village.id)
    if person is not None:
        query = query.where(Person.id != person.id)
    return db.session.scalar(query.limit(1))


@bp.route("/people/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new():
    scope = visible_units(current_user)
    form = PersonForm()
    form.village.choices = village_choices(scope)
    namesake = None
    if form.validate_on_submit():
        village = _village_for(form, scope)
        if village is not None:
            namesake = _namesake(form.name.data, village)
            if namesake is None or form.same_name_ok.data:
                saved = save(
                    lambda: create_person(form.name.data, village=village,
                                          party_member=form.party_member.data,
                                          role=form.role.data, phone=form.phone.data),
                    lambda person: _("%(name)s added to the roster.", name=person.name),
                    lambda person: url_for("people.detail", person_id=person.id),
                    refused=lambda exc: form.name.errors.append(exc.message))
                if saved is not None:
                    return saved
    status = 422 if request.method == "POST" else 200
    return render_template("people/new.html", form=form, namesake=namesake), status


@bp.route("/people/<person_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def detail(person_id: str):
    person = visible_person(person_id)
    scope = visible_units(current_user)
    form = PersonForm(obj=person, village=str(person.village_id or ""))
    form.village.choices = village_choices(scope)
    namesake = None
    if form.validate_on_submit():
        village = _village_for(form, scope)
        if village is not None:
            namesake = _namesake(form.name.data, village, person)
            if namesake is None or form.same_name_ok.data:
                saved = save(
                    lambda: update_person(person, name=form.name.data, village=village,
                                          party_member=form.party_member.data,
                                          role=form.role.data, phone=form.phone.data),
                    _("Saved."), url_for("people.detail", person_id=person.id),
                    refused=lambda exc: form.name.errors.append(exc.message))
                if saved is not None:
                    return saved
    status = 422 if request.method == "POST" else 200
    tz = current_app.config["TIMEZONE"]
    today = clock.today(tz)
    config = current_app.config
    hours = {
        "month": study_minutes(person, *clock.month_bounds(today, tz)) / 60,
        "year": study_minutes(person, *clock.year_bounds(today.year, tz)) / 60,
        "month_target": float(config["STUDY_TARGET_HOURS_MONTH"]),
        "year_target": float(config["STUDY_TARGET_HOURS_YEAR"]),
    }
    history = db.session.execute(
        select(Attendance, Screening).join(Screening, Attendance.screening_id == Screening.id)
        .where(Attendance.person_id == person.id).order_by(Screening.starts_at.desc())
        .limit(HISTORY_ROWS)).all()
    minutes = played_minutes_of([s for a, s in history if a.status in COUNTED])
    return render_template("people/detail.html", person=person, form=form, namesake=namesake,
                           hours=hours, history=history, minutes=minutes, today=today,
                           action=ActionForm(), history_limit=HISTORY_ROWS), status


@bp.route("/people/<person_id>/active", methods=["POST"])
@roles_required(*STAFF)
def set_active(person_id: str):
    person = visible_person(person_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    person.active = request.form.get("active") == "1"
    db.session.commit()
    flash(_("%(name)s is active again.", name=person.name) if person.active else
          _("%(name)s is deactivated: no longer found by search or expected at screenings.",
            name=person.name), "success")
    return redirect(url_for("people.detail", person_id=person.id))


@bp.route("/people/<person_id>/confirm", methods=["POST"])
@roles_required(*STAFF)
def confirm_walkin(person_id: str):
    person = visible_person(person_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    person.walkin = False
    db.session.commit()
    flash(_("%(name)s is confirmed as a roster person.", name=person.name), "success")
    return redirect(url_for("people.detail", person_id=person.id))


# --- import --------------------------------------------------------------------------------

PENDING = "people_import"  # the session's pending upload: {"token", "filename"}


@bp.route("/people/import", methods=["GET", "POST"])
@roles_required(*STAFF)
def import_file():
    """Upload a roster; duplicates are listed and merged only when the user confirms."""
    form, merge_form = ImportForm(), MergeForm()
    instance = current_app.instance_path
    errors = report = None
    failed = False
    merging = request.method == "POST" and request.form.get("merge") == "1"
    if merging and merge_form.validate_on_submit():
        pending = session.get(PENDING) or {}
        token = merge_form.token.data
        data = read_stash(instance, token) if pending.get("token") == token else None
        if data is None:
            flash(_("The uploaded file is no longer here; upload it again."), "error")
            return render_template("people/import.html", form=form, merge_form=merge_form,
                                   errors=None, report=None), 410
        filename = pending.get("filename") or token
        try:
            report = import_people(read_table(filename, data), merge=True,
                                   within=visible_units(current_user))
        except DianjiaoError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            errors, failed = exc.details, True
        else:
            db.session.commit()
            drop_stash(instance, token)
            session.pop(PENDING, None)
            flash(_("Imported: %(c)d new, %(m)d merged, %(u)d already up to date.",
                    c=report.created, m=report.merged, u=report.unchanged), "success")
            return redirect(url_for("people.index"))
    elif not merging and form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        try:
            report = import_people(read_table(upload.filename, data), within=visible_units(current_user))
        except DianjiaoError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            errors, failed = exc.details, True
        else:
            db.session.commit()
            flash(_("Imported: %(c)d new. Duplicates not imported: %(d)d.",
                    c=report.created, d=report.duplicates_skipped), "success")
            if not report.duplicates:
                return redirect(url_for("people.index"))
            token = stash_upload(instance, upload.filename, data)
            session[PENDING] = {"token": token, "filename": upload.filename}
            merge_form = MergeForm(formdata=None, token=token)
    status = 422 if failed or form.errors or merge_form.errors else 200
    return render_template("people/import.html", form=form, merge_form=merge_form,
                           errors=errors, report=report), status


# --- below target --------------------------------------------------------------------------

@bp.route("/people/below-target")
@roles_required(*STAFF)
def below_target():
    """Party members whose study hours this month are below the target, per village and site."""
    tz = current_app.config["TIMEZONE"]
    month, status = clock.today(tz).replace(day=1), 200
    if request.args.get("month"):
        try:
            month = dates.parse_month(request.args["month"])
        except DianjiaoError as exc:
            flash(exc.message, "error")
            status = 400
    target = float(current_app.config["STUDY_TARGET_HOURS_MONTH"])
    sites = visible_sites(current_user).where(Site.active.is_(True))
    found = below_target_of(visible_units(current_user), sites, *clock.month_bounds(month, tz), target)
    page = page_for(len(found.rows), anchor="by-village")
    sites_page = page_for(len(found.sites), arg="sites_page", anchor="by-site")
    return render_template("people/below_target.html", month=month, target=target, found=found,
                           groups=found.groups(page.offset, page.offset + page.size), page=page,
                           sites=sites_page.of(found.sites), sites_page=sites_page,
                           who_shown=WHO_SHOWN), status

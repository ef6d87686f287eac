"""Roster pages: list, import, a person's page with history and study hours."""

from __future__ import annotations

import uuid

from flask import abort, current_app, flash, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from .. import clock, dates
from ..auth.access import roles_required
from ..auth.roles import STAFF
from ..auth.scope import can_see_person, visible_sites, visible_units
from ..errors import DianjiaoError
from ..extensions import db
from ..models import Person, Site, Unit
from ..notices.reflections import reflections_of_person
from ..pages import save
from ..paging import page_for, paginate
from ..places.services import read_table
from ..reports.rules import monthly_target, yearly_target, yearly_targets
from .blueprint import bp
from .forms import (
    ActionForm,
    ImportForm,
    MergeForm,
    PersonForm,
)
from .history import attendance_history, study_hours
from .importing import drop_stash, import_people, read_stash, stash_upload
from .services import confirm_walkin as confirm_in_roster
from .services import create_person, filter_people, person_or_404, search_people, update_person
from .services import namesake as find_namesake
from .services import set_active as set_person_active
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
    party, role = args.get("party") or "", args.get("role") or ""
    walkins = args.get("walkins") == "1"
    people, page = paginate(filter_people(query, village=village, party=party, role=role,
                                          walkins=walkins), size=PAGE_SIZE)
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
            namesake = find_namesake(form.name.data, village)
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
            namesake = find_namesake(form.name.data, village, person)
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
    targets = yearly_targets(config["STUDY_TARGET_HOURS_YEAR"])
    hours = study_hours(person, clock.month_bounds(today, tz), clock.year_bounds(today.year, tz),
                        month_target=monthly_target(person.role, targets),
                        year_target=yearly_target(person.role, targets))
    history, minutes = attendance_history(person, HISTORY_ROWS)
    return render_template("people/detail.html", person=person, form=form, namesake=namesake,
                           hours=hours, history=history, minutes=minutes, today=today,
                           action=ActionForm(), history_limit=HISTORY_ROWS,
                           reflections=reflections_of_person(person)), status


@bp.route("/people/<person_id>/active", methods=["POST"])
@roles_required(*STAFF)
def set_active(person_id: str):
    person = visible_person(person_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return save(lambda: set_person_active(person, request.form.get("active") == "1"),
                lambda _none: _("%(name)s is active again.", name=person.name) if person.active
                else _("%(name)s is deactivated: no longer found by search or expected at "
                       "screenings.", name=person.name),
                url_for("people.detail", person_id=person.id), raising=(DianjiaoError,))


@bp.route("/people/<person_id>/confirm", methods=["POST"])
@roles_required(*STAFF)
def confirm_walkin(person_id: str):
    person = visible_person(person_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return save(lambda: confirm_in_roster(person),
                _("%(name)s is confirmed as a roster person.", name=person.name),
                url_for("people.detail", person_id=person.id), raising=(DianjiaoError,))


# --- import --------------------------------------------------------------------------------

PENDING = "people_import"  # the session's pending upload: {"token", "filename"}


@bp.route("/people/import", methods=["GET", "POST"])
@roles_required(*STAFF)
def import_file():
    """Upload a roster; duplicates are listed and merged only when the user confirms."""
    form, merge_form = ImportForm(), MergeForm()
    instance = current_app.instance_path
    errors = report = None
    refusals: list[DianjiaoError] = []

    def refused(exc: DianjiaoError) -> None:
        flash(exc.message, "error")
        refusals.append(exc)

    merging = request.method == "POST" and request.form.get("merge") == "1"
    if merging and merge_form.validate_on_submit():
        pending = session.get(PENDING) or {}
        token = merge_form.token.data
        data = read_stash(instance, token) if pending.get("token") == token else None
        if data is None:
            flash(_("The uploaded file is no longer here; upload it again."), "error")
            return render_template("people/import.html", form=form, merge_form=merge_form,
                                   errors=None, report=None), 410

        def merge():
            done = import_people(read_table(pending.get("filename") or token, data), merge=True,
                                 within=visible_units(current_user))
            drop_stash(instance, token)
            session.pop(PENDING, None)
            return done

        saved = save(merge, lambda done: _(
            "Imported: %(c)d new, %(m)d merged, %(u)d already up to date.",
            c=done.created, m=done.merged, u=done.unchanged), url_for("people.index"),
            refused=refused)
        if saved is not None:
            return saved
    elif not merging and form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        reports = []

        def first():
            reports.append(import_people(read_table(upload.filename, data),
                                         within=visible_units(current_user)))
            return reports[0]

        # With duplicates the page stays, offering to merge them (the file kept till then).
        saved = save(first, lambda done: _("Imported: %(c)d new. Duplicates not imported: %(d)d.",
                                           c=done.created, d=done.duplicates_skipped),
                     lambda done: None if done.duplicates else url_for("people.index"),
                     refused=refused)
        if saved is not None:
            return saved
        if not refusals:
            report = reports[0]
            token = stash_upload(instance, upload.filename, data)
            session[PENDING] = {"token": token, "filename": upload.filename}
            merge_form = MergeForm(formdata=None, token=token)
    if refusals:
        errors = refusals[0].details
    status = 422 if refusals or form.errors or merge_form.errors else 200
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
    targets = yearly_targets(current_app.config["STUDY_TARGET_HOURS_YEAR"])
    target = {role: hours / 12 for role, hours in targets.items()}  # a month's share, by role
    sites = visible_sites(current_user).where(Site.active.is_(True))
    found = below_target_of(visible_units(current_user), sites, *clock.month_bounds(month, tz), target)
    page = page_for(len(found.rows), anchor="by-village")
    sites_page = page_for(len(found.sites), arg="sites_page", anchor="by-site")
    return render_template("people/below_target.html", month=month, yearly=targets, found=found,
                           groups=found.groups(page.offset, page.offset + page.size), page=page,
                           sites=sites_page.of(found.sites), sites_page=sites_page,
                           who_shown=WHO_SHOWN), status

"""Screening pages: a site's week and month calendar, a township's days, the planning form with
its checks shown before saving, a screening's page, and the iCalendar feed."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, flash, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import dates, limits
from ..auth.access import roles_required
from ..auth.roles import STAFF
from ..auth.scope import can_change_site, site_or_404
from ..catalog.picking import Picker, apply_pick, picker
from ..clock import local
from ..dates import check_day
from ..errors import Conflict, DianjiaoError
from ..extensions import db
from ..lookup import by_id
from ..models import Screening, Series, Site, Unit
from ..pages import checked, save
from ..player.services import SNAPSHOT_LABELS, saved_snapshots, snapshot_path
from ..public_url import public_url
from .agenda import by_day, screenings_between, township_week
from .blueprint import bp
from .calendar import month_grid, neighbours, span, week_of
from .checks import warning_text
from .feed import feed_key, key_matches, site_feed, site_of_feed
from .forms import ConfirmForm, ScreeningForm, SeriesForm, repeat_choices
from .planning import (
    Planned,
    check_messages,
    edit_changes,
    local_slot,
    next_day_note,
    plan_screenings,
    refusal_lines,
    repeat_rule,
)
from .plans import first_at, gap_text, skipped_dates, upcoming, update_series
from .played import logged_titles, play_logs
from .playlist import title_choices
from .readiness import FULL, READY, can_check_here, check_screening, known_readiness
from .single import cancel_screening, out_of_range, screening_or_404, update_screening


def _tz() -> str:
    return current_app.config["TIMEZONE"]


def _day_arg() -> date:
    """?date=YYYY-MM-DD, today when absent or unreadable; a date out of range is refused (422)."""
    try:
        day = date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        return datetime.now(ZoneInfo(_tz())).date()
    return check_day(day, "date")


@bp.route("/sites/<code>/screenings")
@roles_required(*STAFF)
def site_calendar(code: str):
    site = site_or_404(code)
    view = "month" if request.args.get("view") == "month" else "week"
    day = _day_arg()
    found = screenings_between([site.id], *span(view, day), _tz())
    prev, next_ = neighbours(view, day)
    return render_template(
        "screenings/calendar.html", site=site, view=view, day=day, days=by_day(found, _tz()),
        ready=known_readiness(found),
        week=week_of(day), grid=month_grid(day), today=datetime.now(ZoneInfo(_tz())).date(),
        prev=prev, next=next_,
        feed=public_url("screenings.feed", code=site.code, key=feed_key(site.code)))


@bp.route("/townships/<name>/screenings")
@roles_required("admin", "township")
def township_days(name: str):
    unit = db.session.scalar(select(Unit).where(Unit.kind == "township", Unit.name == name))
    if unit is None:
        abort(404)
    if current_user.role == "township" and current_user.unit_id != unit.id:
        abort(403)
    day = _day_arg()
    week = township_week(unit, day, _tz())
    return render_template("screenings/township.html", township=unit, days=week.days,
                           rows=week.rows, ready=known_readiness(week.screenings),
                           sites=week.sites, idle=week.idle, day=day)


def _audience(form: ScreeningForm) -> str:
    return form.group.data.strip() if form.audience.data == "group" else form.audience.data


def _with_note(message: str, starts_at: datetime, ends_at: datetime) -> str:
    note = next_day_note(starts_at, ends_at, _tz())
    return f"{message} {note}" if note else message


def _refusal(into: list[str]) -> Callable[[DianjiaoError], None]:
    """Show an overlap beside the form (the planner may then force it); flash other refusals."""
    def show(exc: DianjiaoError) -> None:
        if isinstance(exc, Conflict):
            into.extend(refusal_lines(exc))
        else:
            flash(exc.message, "error")
    return show


def _picking() -> bool:
    """Whether a button of the title picker (search, add, up, down, remove) sent the form: the
    form is then shown again with the playlist changed, nothing checked or saved."""
    return request.method == "POST" and bool(request.form.get("titles_pick"))


def _picker(form: ScreeningForm, site: Site, *, whole_day: bool = False) -> Picker:
    """The title picker after the button pressed (if any), with the slot's length."""
    form.titles.data = apply_pick(request.form.get("titles_pick"), list(form.titles.data or []),
                                  limit=limits.PLAYLIST_ITEMS)
    slot = None
    if form.day.data and form.start.data and form.end.data and dates.in_range(form.day.data):
        starts_at, ends_at = local_slot(form.day.data, form.start.data, form.end.data, _tz(),
                                        whole_day=whole_day)
        slot = (ends_at - starts_at).total_seconds() or None
    return picker(site, form.titles.data, request.values.get("titles_q"), slot_s=slot)


@bp.route("/sites/<code>/screenings/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new(code: str):
    site = site_or_404(code, change=True)
    form = ScreeningForm()
    if request.method == "GET":
        form.day.data = _day_arg()
    form.repeat.choices = repeat_choices(form.day.data)
    warnings = None
    if not _picking() and form.validate_on_submit():
        starts_at, ends_at = local_slot(form.day.data, form.start.data, form.end.data, _tz())
        playlist = [{"title_id": t} for t in form.titles.data]
        rule = repeat_rule(form.repeat.data, form.rule.data, starts_at, _tz())
        if request.form.get("action") == "check":
            warnings = checked(lambda: check_messages(
                site, starts_at, ends_at, playlist, tz=_tz(), viewer=current_user, rule=rule))
        else:
            refusal: list[str] = []

            def done_at(planned: Planned) -> str:
                if planned.screening is None:
                    return url_for("screenings.site_calendar", code=code,
                                   date=form.day.data.isoformat())
                return url_for("screenings.detail", screening_id=planned.screening.id)

            saved = save(
                lambda: plan_screenings(
                    site, starts_at=starts_at, ends_at=ends_at, topic=form.topic.data,
                    audience=_audience(form), playlist=playlist, notes=form.notes.data or None,
                    rule=rule, force=form.force.data, by=current_user.username,
                    viewer=current_user),
                lambda planned: _with_note(
                    _("Screening planned.") if planned.screening is not None
                    else _("Planned %(n)d screenings.", n=len(planned.made)), starts_at, ends_at),
                done_at, notes=lambda planned: [warning_text(w) for w in planned.warnings],
                refused=_refusal(refusal))
            if saved is not None:
                return saved
            warnings = refusal or None
    status = 409 if warnings and request.form.get("action") != "check" else (
        422 if form.errors else 200)
    return render_template("screenings/form.html", form=form, site=site, warnings=warnings,
                           picker=_picker(form, site)), status


@bp.route("/screenings/<screening_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def edit(screening_id: str):
    """Change one planned screening (an occurrence of a plan is then left alone by the plan)."""
    screening = _screening(screening_id)
    site = site_or_404(screening.site.code, change=True)
    form = ScreeningForm()
    del form.repeat, form.rule  # one occurrence; its plan is changed elsewhere
    if request.method == "GET":
        start, end = local(screening.starts_at, _tz()), local(screening.ends_at, _tz())
        form.day.data, form.start.data, form.end.data = start.date(), start.time(), end.time()
        form.topic.data, form.notes.data = screening.topic, screening.notes
        known = {"all", "party_members", "cadres", "villagers"}
        form.audience.data = screening.audience if screening.audience in known else "group"
        form.group.data = "" if screening.audience in known else screening.audience
        form.titles.data = [str(i.title_id) for i in screening.items if i.title_id]
    warnings = None
    whole_day = screening.ends_at - screening.starts_at == timedelta(hours=24)
    if not _picking() and form.validate_on_submit():
        starts_at, ends_at = local_slot(
            form.day.data, form.start.data, form.end.data, _tz(), whole_day=whole_day)
        if request.form.get("action") == "check":
            warnings = checked(lambda: check_messages(
                site, starts_at, ends_at, [{"title_id": t} for t in form.titles.data],
                tz=_tz(), viewer=current_user, exclude=screening.id))
        else:
            refusal: list[str] = []
            changes = edit_changes(screening, starts_at=starts_at, ends_at=ends_at,
                                   topic=form.topic.data, audience=_audience(form),
                                   notes=form.notes.data or None, titles=form.titles.data or [])
            saved = save(
                lambda: update_screening(screening, changes, force=form.force.data,
                                         viewer=current_user),
                _with_note(_("Screening saved."), starts_at, ends_at),
                url_for("screenings.detail", screening_id=screening.id),
                notes=lambda found: [warning_text(w) for w in found], refused=_refusal(refusal))
            if saved is not None:
                return saved
            warnings = refusal or None
    return render_template("screenings/form.html", form=form, site=site, warnings=warnings,
                           screening=screening,
                           picker=_picker(form, site, whole_day=whole_day)), (
        422 if form.errors else 200)


@bp.route("/series/<series_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def series(series_id: str):
    """Change a recurring plan: future occurrences nobody edited by hand follow it."""
    plan = by_id(Series, series_id)
    if plan is None:
        abort(404)
    site = site_or_404(db.session.get(Site, plan.site_id).code, change=True)
    form = SeriesForm()
    form.titles.choices = title_choices(site)
    if request.method == "GET":
        form.start.data = local(plan.dtstart, _tz()).time()
        form.duration_min.data, form.topic.data = plan.duration_min, plan.topic
        form.audience.data, form.rule.data, form.notes.data = plan.audience, plan.rrule, plan.notes
        form.titles.data = [i["title_id"] for i in plan.playlist if "title_id" in i]
    warnings = None
    if form.validate_on_submit():
        refusal: list[str] = []
        changes = {
            "rule": form.rule.data, "dtstart": first_at(plan, form.start.data),
            "duration_min": form.duration_min.data, "topic": form.topic.data.strip(),
            "audience": form.audience.data.strip(), "notes": form.notes.data or None,
            "playlist": [{"title_id": t} for t in form.titles.data]}
        saved = save(lambda: update_series(plan, changes, force=form.force.data),
                     lambda count: _("Plan saved: %(n)d future screenings follow it.", n=count),
                     url_for("screenings.site_calendar", code=site.code),
                     refused=_refusal(refusal))
        if saved is not None:
            return saved
        warnings = refusal or None
    return render_template("screenings/series.html", form=form, plan=plan, site=site,
                           upcoming=upcoming(plan, datetime.now(UTC)), warnings=warnings,
                           skipped=[] if warnings else [gap_text(g) for g in skipped_dates(plan)]), (
        409 if warnings else 200)


@bp.route("/screenings/<screening_id>")
@roles_required(*STAFF)
def detail(screening_id: str):
    screening = _screening(screening_id)
    logs = play_logs(screening)
    return render_template("screenings/detail.html", screening=screening,
                           logs=logs, titles=logged_titles(logs), form=ConfirmForm(),
                           snapshots=saved_snapshots(current_app._get_current_object(),
                                                     screening.id),
                           ready=known_readiness([screening]).get(screening.id),
                           can_check=can_check_here(screening)
                           and can_change_site(current_user, screening.site),
                           cancellable=screening.status in ("planned", "running")
                           or (screening.status != "cancelled" and out_of_range(screening)))


@bp.route("/screenings/<screening_id>/snapshots/<label>.png")
@roles_required(*STAFF)
def snapshot(screening_id: str, label: str):
    """A proof-of-play picture the player saved in the instance folder."""
    if label not in SNAPSHOT_LABELS:  # never a path from the address
        abort(404)
    screening = _screening(screening_id)
    path = snapshot_path(current_app._get_current_object(), screening.id, label)
    if not os.path.isfile(path):
        abort(404)
    return send_file(path, mimetype="image/png", max_age=0)


@bp.route("/screenings/<screening_id>/readiness", methods=["POST"])
@roles_required(*STAFF)
def check_readiness(screening_id: str):
    screening = _screening(screening_id)
    site_or_404(screening.site.code, change=True)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return save(lambda: check_screening(screening, FULL),
                lambda check: _("Everything in the playlist is ready to play.")
                if check.status == READY
                else (_("Some of the playlist may not play: see Readiness."), "error"),
                url_for("screenings.detail", screening_id=screening.id), back=True)


@bp.route("/screenings/<screening_id>/cancel", methods=["POST"])
@roles_required(*STAFF)
def cancel(screening_id: str):
    screening = _screening(screening_id)
    site_or_404(screening.site.code, change=True)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return save(lambda: cancel_screening(screening, reason=request.form.get("reason"),
                                         viewer=current_user), _("Screening cancelled."),
                url_for("screenings.detail", screening_id=screening.id), back=True)


def _screening(screening_id: str) -> Screening:
    try:
        screening = screening_or_404(screening_id)
    except DianjiaoError:
        abort(404)
    site_or_404(screening.site.code)
    return screening


@bp.route("/sites/<code>/calendar.ics")
def feed(code: str):
    """The site's screenings as iCalendar, for phones; the key in the address is the login."""
    if not key_matches(code, request.args.get("key", "")):
        abort(403)
    site = site_of_feed(code)
    if site is None:
        abort(404)
    return Response(site_feed(site, datetime.now(UTC)), mimetype="text/calendar; charset=utf-8")

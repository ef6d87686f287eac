"""Screening pages: a site's week and month calendar, a township's days, the planning form with
its checks shown before saving, a screening's page, and the iCalendar feed."""

from __future__ import annotations

import hashlib
import hmac
import os
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.access import can_change_site, roles_required, site_or_404, unit_subtree_ids
from ..dates import check_day, local
from ..errors import Conflict, DianjiaoError
from ..extensions import db
from ..models import FileEntry, LibraryRoot, MediaFile, PlayLog, Screening, Site, Title, Unit
from ..player.services import SNAPSHOT_LABELS, snapshot_path
from . import bp
from .calendar import local_date, local_day_bounds, month_grid, span, week_of
from .checks import check, warning_text
from .forms import ConfirmForm, ScreeningForm, SeriesForm
from .plans import create_series, gap_text, plan_overlaps, skipped_dates, update_series
from .playlist import resolve_items
from .readiness import FULL, READY, can_check_here, check_screening, known_readiness
from .single import (
    cancel_screening,
    create_screening,
    out_of_range,
    screening_or_404,
    update_screening,
)

STAFF = ("admin", "township", "operator")


def _tz() -> str:
    return current_app.config["TIMEZONE"]


def _day_arg() -> date:
    """?date=YYYY-MM-DD, today when absent or unreadable; a date out of range is refused (422)."""
    try:
        day = date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        return datetime.now(ZoneInfo(_tz())).date()
    return check_day(day, "date")


def _screenings_between(site_ids, first: date, last: date) -> list[Screening]:
    start, _end = local_day_bounds(first, _tz())
    _start, end = local_day_bounds(last, _tz())
    return db.session.scalars(
        select(Screening).where(Screening.site_id.in_(site_ids), Screening.starts_at < end,
                                Screening.ends_at > start).order_by(Screening.starts_at)).all()


def _by_day(screenings) -> dict[date, list[Screening]]:
    days: dict[date, list[Screening]] = {}
    for s in screenings:
        days.setdefault(local_date(s.starts_at, _tz()), []).append(s)
    return days


@bp.route("/sites/<code>/screenings")
@roles_required(*STAFF)
def site_calendar(code: str):
    site = site_or_404(code)
    view = "month" if request.args.get("view") == "month" else "week"
    day = _day_arg()
    first, last = span(view, day)
    found = _screenings_between([site.id], first, last)
    days = _by_day(found)
    step = timedelta(days=7)
    return render_template(
        "screenings/calendar.html", site=site, view=view, day=day, days=days,
        ready=known_readiness(found),
        week=week_of(day), grid=month_grid(day), today=datetime.now(ZoneInfo(_tz())).date(),
        prev=(day.replace(day=1) - timedelta(days=1)).replace(day=1) if view == "month"
        else day - step,
        next=(last + timedelta(days=1)) if view == "month" else day + step,
        feed=url_for("screenings.feed", code=site.code, key=feed_key(site.code), _external=True))


@bp.route("/townships/<name>/screenings")
@roles_required("admin", "township")
def township_days(name: str):
    unit = db.session.scalar(select(Unit).where(Unit.kind == "township", Unit.name == name))
    if unit is None:
        abort(404)
    if current_user.role == "township" and current_user.unit_id != unit.id:
        abort(403)
    sites = db.session.scalars(select(Site).where(
        Site.unit_id.in_(unit_subtree_ids(unit.id))).order_by(Site.code)).all()
    day = _day_arg()
    days = [day + timedelta(days=i) for i in range(7)]
    rows: dict = {}
    found = _screenings_between([x.id for x in sites], days[0], days[-1])
    for s in found:
        rows.setdefault(s.site_id, {}).setdefault(local_date(s.starts_at, _tz()), []).append(s)
    busy = [site for site in sites if site.id in rows]
    return render_template("screenings/township.html", township=unit, days=days, rows=rows,
                           ready=known_readiness(found),
                           sites=busy, idle=len(sites) - len(busy), day=day)


def _title_choices(site: Site) -> list[tuple[str, str]]:
    """Titles held at the site first (approved first), then other approved titles."""
    held = set(db.session.scalars(
        select(MediaFile.title_id).join(FileEntry, FileEntry.media_file_id == MediaFile.id)
        .join(LibraryRoot).where(LibraryRoot.site_id == site.id, FileEntry.missing.is_(False))))
    titles = db.session.scalars(select(Title).where(
        Title.id.in_(held) | Title.approved.is_(True)).order_by(Title.name_pinyin)).all()
    titles.sort(key=lambda t: (t.id not in held, not t.approved))
    return [(str(t.id), t.name + ("" if t.id in held else " · " + _("not held here"))
             + ("" if t.approved else " · " + _("not approved"))) for t in titles]


def _planned(form: ScreeningForm) -> tuple[datetime, datetime, str, list[dict]]:
    """Start, end (UTC), audience and playlist from the planning form, read in local time.

    An end earlier than the start is on the next day (a film night from 22:30 to 00:30): the
    form asks for times of day only, so it holds up to a day less a minute, and the pages say
    when a screening ends the next day. An end equal to the start is refused by the checks.
    """
    zone = ZoneInfo(_tz())
    starts_at = datetime.combine(form.day.data, form.start.data, tzinfo=zone).astimezone(UTC)
    end_day = form.day.data + timedelta(days=1) if form.end.data < form.start.data else form.day.data
    ends_at = datetime.combine(end_day, form.end.data, tzinfo=zone).astimezone(UTC)
    audience = form.group.data.strip() if form.audience.data == "group" else form.audience.data
    return starts_at, ends_at, audience, [{"title_id": t} for t in form.titles.data]


def _next_day(starts_at: datetime, ends_at: datetime) -> str | None:
    """The note for a screening ending on a later date than it starts, or None."""
    zone = ZoneInfo(_tz())
    end = ends_at.astimezone(zone)
    if end.date() == starts_at.astimezone(zone).date():
        return None
    return _("Ends the next day, %(date)s at %(time)s.", date=end.strftime("%Y-%m-%d"),
             time=end.strftime("%H:%M"))


def _checked(site: Site, starts_at: datetime, ends_at: datetime, items, exclude=None,
             plan: tuple[str, int] | None = None) -> list[str]:
    """The planning checks as messages; for a recurring `plan` (rule, minutes) the overlaps of
    every date it would make, instead of the first date's only."""
    found = check(site, starts_at, ends_at, items, exclude=exclude, viewer=current_user)
    messages = [] if (note := _next_day(starts_at, ends_at)) is None else [note]
    if plan is None:
        return messages + [warning_text(w) for w in found]
    gaps = plan_overlaps(site, rule=plan[0], first=starts_at, duration_min=plan[1])
    return messages + [gap_text(g) for g in gaps] + [
        warning_text(w) for w in found if w.code != "overlap"]


def _saved(screening: Screening, warnings, message: str):
    db.session.commit()
    if note := _next_day(screening.starts_at, screening.ends_at):
        message += " " + note
    flash(message, "success")
    for w in warnings:
        flash(warning_text(w), "warning")
    return redirect(url_for("screenings.detail", screening_id=screening.id))


def _refused(exc: Conflict) -> list[str]:
    db.session.rollback()
    return [exc.message] + [d["message"] for d in exc.details or []]


@bp.route("/sites/<code>/screenings/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new(code: str):
    site = site_or_404(code, change=True)
    form = ScreeningForm()
    form.titles.choices = _title_choices(site)
    if request.method == "GET":
        form.day.data = _day_arg()
    warnings = None
    if form.validate_on_submit():
        starts_at, ends_at, audience, playlist = _planned(form)
        duration = int((ends_at - starts_at).total_seconds() // 60)
        try:
            items = resolve_items(site, playlist, viewer=current_user)
            rule = None
            if form.repeat.data:
                from schedules.recurrence import preset_rule

                rule = form.rule.data if form.repeat.data == "custom" else preset_rule(
                    form.repeat.data, starts_at, _tz())
            if request.form.get("action") == "check":
                warnings = _checked(site, starts_at, ends_at, items,
                                    plan=(rule, duration) if rule is not None else None)
            elif rule is not None:
                series, made = create_series(site, rule=rule, first=starts_at,
                                             duration_min=duration, topic=form.topic.data,
                                             audience=audience, playlist=playlist,
                                             notes=form.notes.data or None,
                                             by=current_user.username, force=form.force.data)
                db.session.commit()
                message = _("Planned %(n)d screenings.", n=len(made))
                if note := _next_day(starts_at, ends_at):
                    message += " " + note
                flash(message, "success")
                return redirect(url_for("screenings.site_calendar", code=code,
                                        date=form.day.data.isoformat()))
            else:
                screening, found = create_screening(
                    site, starts_at=starts_at, ends_at=ends_at, topic=form.topic.data,
                    audience=audience, items=items, notes=form.notes.data or None,
                    force=form.force.data, by=current_user.username, viewer=current_user)
                return _saved(screening, found, _("Screening planned."))
        except Conflict as exc:
            warnings = _refused(exc)
        except DianjiaoError as exc:
            db.session.rollback()
            flash(exc.message, "error")
    status = 409 if warnings and request.form.get("action") != "check" else (
        422 if form.errors else 200)
    return render_template("screenings/form.html", form=form, site=site, warnings=warnings), status


@bp.route("/screenings/<screening_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def edit(screening_id: str):
    """Change one planned screening (an occurrence of a plan is then left alone by the plan)."""
    screening = _screening(screening_id)
    site = site_or_404(screening.site.code, change=True)
    form = ScreeningForm()
    del form.repeat, form.rule  # one occurrence; its plan is changed elsewhere
    form.titles.choices = _title_choices(site)
    if request.method == "GET":
        start, end = local(screening.starts_at, _tz()), local(screening.ends_at, _tz())
        form.day.data, form.start.data, form.end.data = start.date(), start.time(), end.time()
        form.topic.data, form.notes.data = screening.topic, screening.notes
        known = {"all", "party_members", "cadres", "villagers"}
        form.audience.data = screening.audience if screening.audience in known else "group"
        form.group.data = "" if screening.audience in known else screening.audience
        form.titles.data = [str(i.title_id) for i in screening.items if i.title_id]
    warnings = None
    if form.validate_on_submit():
        starts_at, ends_at, audience, playlist = _planned(form)
        if ends_at == starts_at and screening.ends_at - screening.starts_at == timedelta(hours=24):
            ends_at += timedelta(hours=24)  # a 24-hour screening shows its end as its start
        try:
            if request.form.get("action") == "check":
                warnings = _checked(site, starts_at, ends_at,
                                    resolve_items(site, playlist, viewer=current_user),
                                    exclude=screening.id)
            else:
                changes = {"starts_at": starts_at, "ends_at": ends_at, "topic": form.topic.data,
                           "notes": form.notes.data or None, "audience": audience}
                # The form lists titles only: a playlist of files (from the API or a scan), its
                # order and its untitled files stay as they are unless the titles ticked change.
                shown = {str(i.title_id) for i in screening.items if i.title_id}
                if set(form.titles.data or []) != shown:
                    changes["items"] = playlist
                found = update_screening(screening, changes, force=form.force.data,
                                         viewer=current_user)
                return _saved(screening, found, _("Screening saved."))
        except Conflict as exc:
            warnings = _refused(exc)
        except DianjiaoError as exc:
            db.session.rollback()
            flash(exc.message, "error")
    return render_template("screenings/form.html", form=form, site=site, warnings=warnings,
                           screening=screening), 422 if form.errors else 200


@bp.route("/series/<series_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def series(series_id: str):
    """Change a recurring plan: future occurrences nobody edited by hand follow it."""
    from ..lookup import by_id
    from ..models import Series

    plan = by_id(Series, series_id)
    if plan is None:
        abort(404)
    site = site_or_404(db.session.get(Site, plan.site_id).code, change=True)
    form = SeriesForm()
    form.titles.choices = _title_choices(site)
    zone = ZoneInfo(_tz())
    if request.method == "GET":
        form.start.data = plan.dtstart.astimezone(zone).time()
        form.duration_min.data, form.topic.data = plan.duration_min, plan.topic
        form.audience.data, form.rule.data, form.notes.data = plan.audience, plan.rrule, plan.notes
        form.titles.data = [i["title_id"] for i in plan.playlist if "title_id" in i]
    warnings = None
    if form.validate_on_submit():
        first = datetime.combine(plan.dtstart.astimezone(zone).date(), form.start.data,
                                 tzinfo=zone).astimezone(UTC)
        try:
            count = update_series(plan, {
                "rule": form.rule.data, "dtstart": first, "duration_min": form.duration_min.data,
                "topic": form.topic.data.strip(), "audience": form.audience.data.strip(),
                "notes": form.notes.data or None,
                "playlist": [{"title_id": t} for t in form.titles.data]}, force=form.force.data)
        except Conflict as exc:
            warnings = _refused(exc)
        except DianjiaoError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Plan saved: %(n)d future screenings follow it.", n=count), "success")
            return redirect(url_for("screenings.site_calendar", code=site.code))
    upcoming = db.session.scalars(select(Screening).where(
        Screening.series_id == plan.id, Screening.starts_at > datetime.now(UTC))
        .order_by(Screening.starts_at).limit(12)).all()
    return render_template("screenings/series.html", form=form, plan=plan, site=site,
                           upcoming=upcoming, warnings=warnings,
                           skipped=[] if warnings else [gap_text(g) for g in skipped_dates(plan)]), (
        409 if warnings else 200)


@bp.route("/screenings/<screening_id>")
@roles_required(*STAFF)
def detail(screening_id: str):
    screening = _screening(screening_id)
    logs = db.session.scalars(select(PlayLog).where(PlayLog.screening_id == screening.id)
                              .order_by(PlayLog.started_at)).all()
    app = current_app._get_current_object()
    snapshots = [label for label in SNAPSHOT_LABELS
                 if os.path.isfile(snapshot_path(app, screening.id, label))]
    return render_template("screenings/detail.html", screening=screening, logs=logs,
                           form=ConfirmForm(), snapshots=snapshots,
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
    try:
        check = check_screening(screening, FULL)
    except DianjiaoError as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
        if check.status == READY:
            flash(_("Everything in the playlist is ready to play."), "success")
        else:
            flash(_("Some of the playlist may not play: see Readiness."), "error")
    return redirect(url_for("screenings.detail", screening_id=screening.id))


@bp.route("/screenings/<screening_id>/cancel", methods=["POST"])
@roles_required(*STAFF)
def cancel(screening_id: str):
    screening = _screening(screening_id)
    site_or_404(screening.site.code, change=True)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        cancel_screening(screening)
    except DianjiaoError as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Screening cancelled."), "success")
    return redirect(url_for("screenings.detail", screening_id=screening.id))


def _screening(screening_id: str) -> Screening:
    try:
        screening = screening_or_404(screening_id)
    except DianjiaoError:
        abort(404)
    site_or_404(screening.site.code)
    return screening


def feed_key(code: str) -> str:
    """The secret in a site's calendar feed address (phones cannot log in to fetch it)."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"ics:{code}".encode(), hashlib.sha256).hexdigest()[:32]


@bp.route("/sites/<code>/calendar.ics")
def feed(code: str):
    """The site's screenings as iCalendar, for phones; the key in the address is the login."""
    if not hmac.compare_digest(request.args.get("key", "").encode(), feed_key(code).encode()):
        abort(403)
    site = db.session.scalar(select(Site).where(Site.code == code))
    if site is None:
        abort(404)
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//Dianjiao//screenings//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{site.name} · {_('Screenings')}")
    since = datetime.now(UTC) - timedelta(days=30)
    for s in db.session.scalars(select(Screening).where(
            Screening.site_id == site.id, Screening.ends_at > since,
            Screening.status != "cancelled").order_by(Screening.starts_at)):
        event = Event()
        event.add("uid", f"{s.id}@dianjiao")
        event.add("summary", s.topic)
        event.add("dtstart", s.starts_at)
        event.add("dtend", s.ends_at)
        event.add("dtstamp", s.updated_at)
        event.add("location", site.name)
        if s.notes:
            event.add("description", s.notes)
        cal.add_component(event)
    return Response(cal.to_ical(), mimetype="text/calendar; charset=utf-8")

"""Teaching plan pages: the list, issuing a new plan, and a plan with its progress."""

from __future__ import annotations

from flask import abort, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from .. import limits
from ..auth.access import roles_required
from ..auth.roles import OFFICERS
from ..catalog.picking import apply_pick, picker
from ..errors import DianjiaoError
from ..extensions import db
from ..models.places import SITE_KINDS
from ..models.teaching import TeachingPlan
from ..pages import unit_of_work
from ..reports.export import download
from .blueprint import bp
from .issue import issue_plan
from .lacks import batch_link
from .picks import picked_ids
from .progress import OUTCOME_LABELS, plan_progress, progress_table
from .rules import describe
from .shape import plan_or_404, visible_plans

FORM_SESSIONS = 4  # session rows on the new plan form


def _plan(plan_id: str) -> TeachingPlan:
    try:
        return plan_or_404(plan_id, current_user)
    except DianjiaoError as exc:
        abort(exc.status)


def _list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").replace("，", ",").split(",") if v.strip()]


def _rule(form, n: int):
    choice = form.get(f"rule-{n}") or "six_days"
    if choice == "dates":
        return {"kind": "dates", "dates": _list(form.get(f"dates-{n}"))}
    if choice == "rrule":
        return {"kind": "rrule", "rrule": form.get(f"rrule-{n}") or ""}
    return choice


def body_from(form) -> dict:
    """The API's body from the new plan form."""
    sessions = []
    for n in range(FORM_SESSIONS):
        if not (form.get(f"topic-{n}") or "").strip():
            continue
        minutes = form.get(f"minutes-{n}") or "90"
        sessions.append({"topic": form.get(f"topic-{n}"),
                         "audience": form.get(f"audience-{n}") or "all",
                         "titles": picked_ids(form.getlist(f"titles-{n}")),
                         "rule": _rule(form, n),
                         "start_time": form.get(f"start-{n}") or None,
                         "minutes": int(minutes) if minutes.isdigit() else -1})
    window = form.get("move_window_days") or "3"
    return {"name": form.get("name"), "starts_on": form.get("starts_on"),
            "ends_on": form.get("ends_on"), "move_window_days": int(window)
            if window.isdigit() else -1,
            "sites": {"kind": form.get("kind") or None, "townships": _list(form.get("townships")),
                      "villages": _list(form.get("villages")), "codes": _list(form.get("codes"))},
            "sessions": sessions}


@bp.route("/teaching-plans/")
@roles_required(*OFFICERS)
def index():
    plans = db.session.scalars(visible_plans(current_user).order_by(
        TeachingPlan.starts_on.desc(), TeachingPlan.name)).all()
    return render_template("teaching/index.html", plans=plans)


def _pickers(form) -> tuple[list, bool]:
    """Each session's title picker after the button pressed (if any), and whether a picker
    button sent the form (it is then shown again with that session's titles changed)."""
    unit = current_user.unit if current_user.role == "township" else None
    states, picking = [], False
    for n in range(FORM_SESSIONS):
        name = f"titles-{n}"
        op = form.get(f"{name}_pick")
        picking = picking or bool(op)
        chosen = apply_pick(op, form.getlist(name), limit=limits.PLAYLIST_ITEMS)
        states.append(picker(None, chosen, form.get(f"{name}_q"), unit=unit))
    return states, picking


@bp.route("/teaching-plans/new", methods=["GET", "POST"])
@roles_required(*OFFICERS)
def new():
    status = 200
    pickers, picking = _pickers(request.form)
    if request.method == "POST" and not picking:
        try:
            with unit_of_work():
                issued = issue_plan(body_from(request.form), user=current_user,
                                    force=bool(request.form.get("force")))
        except DianjiaoError as exc:
            flash(exc.message, "error")
            status = exc.status if exc.status in (403, 409, 422) else 422
        else:
            flash(_("Plan issued: %(n)d screenings at %(sites)d sites.", n=issued.made,
                    sites=issued.sites), "success")
            return render_template("teaching/issued.html", issued=issued,
                                   batch_url=batch_link(issued.plan, issued.lacks))
    return render_template("teaching/form.html", pickers=pickers, kinds=SITE_KINDS,
                           rows=range(FORM_SESSIONS), form=request.form), status


@bp.route("/teaching-plans/<plan_id>")
@roles_required(*OFFICERS)
def plan(plan_id: str):
    found = _plan(plan_id)
    return render_template("teaching/plan.html", plan=found, progress=plan_progress(found),
                           describe=describe, labels=OUTCOME_LABELS)


@bp.route("/teaching-plans/<plan_id>/progress.<any(csv, xlsx):fmt>")
@roles_required(*OFFICERS)
def progress_file(plan_id: str, fmt: str):
    found = _plan(plan_id)
    return download(progress_table(plan_progress(found)), fmt, f"plan-progress-{found.starts_on}")

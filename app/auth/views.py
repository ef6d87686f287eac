"""Log in and out, the language switch, and the kiosk's landing page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ..attendance.kiosk import kiosk_page
from ..extensions import db, limiter
from ..models import User
from ..pages import unit_of_work
from .access import roles_required
from .blueprint import bp
from .forms import LoginForm


def _safe_next(target: str | None) -> str | None:
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return None


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data))
        if user is None or not user.active or not user.check_password(form.password.data):
            flash(_("Wrong user name or password."), "error")
            return render_template("auth/login.html", form=form), 401
        login_user(user)
        if user.role == "kiosk":
            return redirect(url_for("auth.kiosk"))
        return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    """Remember the chosen language in the session and, when logged in, on the user."""
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
        if current_user.is_authenticated:
            with unit_of_work():
                current_user.locale = code
    return redirect(_safe_next(request.form.get("next")) or url_for("main.home"))


@bp.route("/kiosk")
@login_required
@roles_required("kiosk")
def kiosk():
    return kiosk_page()  # the sign-in page lives with attendance

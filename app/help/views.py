"""The guides: /help sends a login to its role's guide; /help/<guide> shows one, in the UI's
language (templates/help/<guide>.<locale>.html), with a print button for the office wall.

Staff may read every staff guide (an officer explains the operator's to a new operator); a kiosk
login reads only the attendee's (a villager's screen leads nowhere else)."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..attendance.kiosk import UNDO_S
from ..auth.access import roles_required
from ..auth.roles import ADMIN, KIOSK, OPERATOR, ROLES, TOWNSHIP
from .blueprint import bp

ATTENDEE = "attendee"
# The guides, in the order a staff member's page lists them, with the title of each.
GUIDES = {
    OPERATOR: _l("Operator's guide"),
    TOWNSHIP: _l("Township officer's guide"),
    ADMIN: _l("Administrator's guide"),
    ATTENDEE: _l("How to sign in"),
}
LANGUAGES = ("zh", "en")  # every guide is written in each


def guide_for(role: str | None) -> str:
    """The guide of a login's role: a kiosk's is the attendee's."""
    return ATTENDEE if role == KIOSK or role not in GUIDES else role


@bp.app_context_processor
def _help_link() -> dict:
    """`help_url`: the guide of the logged-in user's role, for the link on every page."""
    def help_url() -> str | None:
        if not current_user.is_authenticated:
            return None
        return url_for("help.guide", name=guide_for(current_user.role))

    return {"help_url": help_url}


@bp.route("/help")
@roles_required(*ROLES)
def index():
    return redirect(url_for("help.guide", name=guide_for(current_user.role)))


@bp.route(f"/help/<any({', '.join(GUIDES)}):name>")
@roles_required(*ROLES)
def guide(name: str):
    kiosk = current_user.role == KIOSK
    if kiosk and name != ATTENDEE:
        abort(403)
    language = str(get_locale())
    body = f"help/{name}.{language if language in LANGUAGES else 'en'}.html"
    others = [] if kiosk else [(other, title) for other, title in GUIDES.items() if other != name]
    return render_template("help/guide.html", name=name, title=GUIDES[name], body=body,
                           others=others, kiosk=kiosk, undo_s=UNDO_S)

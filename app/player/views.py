"""The operator's queue page: the site's main screen, also a remote control on a phone."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user
from sqlalchemy import select

from ..auth.access import roles_required
from ..auth.scope import can_change_site
from ..catalog.approval import unapproved
from ..extensions import db
from ..models import FileEntry, LibraryRoot, MediaFile
from .blueprint import bp
from .services import get_player, player_site


@bp.route("/player")
@roles_required("admin", "operator")
def queue_page():
    site = player_site()
    if site is not None and not can_change_site(current_user, site):
        abort(403)
    library = []
    if site is not None:
        library = db.session.execute(
            select(MediaFile, FileEntry.relpath).join(FileEntry, FileEntry.media_file_id == MediaFile.id)
            .join(LibraryRoot).where(LibraryRoot.site_id == site.id, FileEntry.missing.is_(False))
            .order_by(FileEntry.relpath)).all()
    status = get_player().status() if site is not None else None
    refused = {t.id for t in unapproved([m.title for m, _path in library], [site]).get(
        site.id, [])} if site is not None else set()
    return render_template("player/queue.html", site=site, library=library, status=status,
                           refused=refused)

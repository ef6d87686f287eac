"""Screening items: a playlist travels whole and the newer one wins as a whole."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, select

from ... import limits
from ...extensions import among, db
from ...lookup import chunks
from ...models import Screening, ScreeningItem
from .state import Merge, Refused


def whole_playlists(lines: Iterable[dict], ctx: Merge) -> list[dict]:
    """Screening items: a playlist travels whole and the newer one wins as a whole.

    Sync sends no deletions, and a changed playlist is new rows: merged row by row, the old
    and the new playlist would both stay, and the site would play both. So `gather` sends every
    item of a playlist with any item changed, and here, for each screening: when the incoming
    playlist is the newer (its newest item), our items missing from it are deleted; when ours
    is, its items we do not have are left out. Only the peer's own screenings' playlists are
    touched (merge_spec refuses the others). A playlist emptied on one side is not known to be.
    """
    lines = list(lines)
    incoming: dict[uuid.UUID, list[dict]] = defaultdict(list)
    try:
        for line in lines:
            incoming[uuid.UUID(line["screening_id"])].append(line)
        newest = {screening: max(datetime.fromisoformat(item["updated_at"]) for item in items)
                  for screening, items in incoming.items()}
        theirs = {screening: {uuid.UUID(item["id"]) for item in items}
                  for screening, items in incoming.items()}
    except (TypeError, ValueError, KeyError, AttributeError):
        return lines  # merge_spec tells what is wrong with the rows
    for items in incoming.values():
        if len(items) > limits.PLAYLIST_ITEMS:
            raise Refused(_("The bundle has a malformed row in %(table)s: %(error)s.",
                            table="screening_items", error=_(
                                "%(field)s has more than %(num)d items.", field="playlist",
                                num=limits.PLAYLIST_ITEMS).rstrip(".。")))
    table = ScreeningItem.__table__
    query = select(table.c.id, table.c.screening_id, table.c.updated_at).where(
        among(table.c.screening_id, list(incoming)))
    if ctx.incoming == "site":
        query = query.join(Screening, Screening.id == table.c.screening_id).where(
            Screening.site_id == ctx.site.id)
    ours: dict[uuid.UUID, list] = defaultdict(list)
    for row in db.session.execute(query):
        ours[row.screening_id].append(row)
    kept, stale = [], []
    for screening, items in incoming.items():
        local = ours.get(screening, [])
        gone = [row.id for row in local if row.id not in theirs[screening]]
        if not gone or newest[screening] >= max(row.updated_at for row in local):
            kept += items
            stale += gone
        else:  # ours is the newer playlist: it goes to them with our next bundle
            known = {row.id for row in local}
            kept += [item for item in items if uuid.UUID(item["id"]) in known]
    for chunk in chunks(stale, 500):
        db.session.execute(delete(table).where(among(table.c.id, chunk)))
    return kept

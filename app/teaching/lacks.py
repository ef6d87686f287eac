"""The titles of a plan its covered sites lack (no file seen there, no kit of it received),
and the new batch that would bring them, pre-filled."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from flask import url_for
from sqlalchemy import select

from ..distribution.holdings import held_by_site
from ..extensions import db
from ..models import Site, Title, User
from ..models.teaching import TeachingPlan


def lacking_titles(plan: TeachingPlan, site_ids: list[uuid.UUID], user: User) -> list[dict]:
    """Per title of the plan, the covered sites holding none of it: [{title_id, name, sites}]."""
    title_ids = list(dict.fromkeys(uuid.UUID(t) for s in plan.sessions for t in s.titles))
    if not title_ids or not site_ids:
        return []
    held = held_by_site(user, title_ids)
    wanted = set(site_ids)
    codes = {i: c for i, c in db.session.execute(select(Site.id, Site.code)) if i in wanted}
    names = {i: n for i, n in db.session.execute(select(Title.id, Title.name).where(
        Title.id.in_(title_ids)))}
    found = []
    for title_id in title_ids:
        lacking = sorted(codes[s] for s in site_ids
                         if s in codes and title_id not in held.get(s, ((), (), ()))[1])
        if lacking:
            found.append({"title_id": str(title_id), "name": names.get(title_id, ""),
                          "sites": lacking})
    return found


def batch_link(plan: TeachingPlan, lacks: list[dict]) -> str | None:
    """The new batch form, pre-filled with the lacking titles and the sites lacking them."""
    if not lacks:
        return None
    sites = sorted({code for lack in lacks for code in lack["sites"]})
    query = urlencode([("name", plan.name)] + [("title", lack["title_id"]) for lack in lacks]
                      + [("sites", ",".join(sites))])
    return url_for("distribution.new_batch") + "?" + query

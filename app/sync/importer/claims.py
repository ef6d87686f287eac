"""A site's claims: a site sends only its own rows, and changes only rows that are still its own.

Checked on the hub, a chunk at a time, before the chunk is merged.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ...extensions import db
from ...models import LibraryRoot, Screening
from ...places.tree import subtree_ids
from ..tables import HUB_ORIGIN, Spec
from .state import Merge, Refused

# Tables whose rows belong to a site through their screening.
BY_SCREENING = ("attendance", "screening_items", "reflections", "screening_evidence")


def check_claims(spec: Spec, rows: list[dict], found: dict, ctx: Merge) -> None:
    """A site may send only its own rows (and changes to the hub's rows about it).

    Checked a chunk at a time, on the set of values the chunk names.
    """
    site = ctx.site
    assert site is not None
    learn_site_rows(spec, rows, ctx)

    def refuse(message: str):
        raise Refused(message, reason="claim", status=403)

    origins = {row["origin_site"] for row in rows}
    others = origins - {site.code, HUB_ORIGIN}
    if others:
        refuse(_("The bundle of %(site)s carries rows born at %(other)s (%(table)s); a site "
                 "sends only its own. Nothing was imported.", site=site.code,
                 other=min(others), table=spec.name))
    if HUB_ORIGIN in origins and any(row["origin_site"] == HUB_ORIGIN and row["id"] not in found
                                     for row in rows):
        refuse(_("The bundle of %(site)s carries a row said to be born at the hub that the hub "
                 "does not have (%(table)s). Nothing was imported.", site=site.code,
                 table=spec.name))
    column = spec.site_column
    if column and any(row.get(column) != site.id for row in rows):
        refuse(_("The bundle of %(site)s carries %(table)s of another site. Nothing was "
                 "imported.", site=site.code, table=spec.name))
    if spec.name in BY_SCREENING and not {
            row["screening_id"] for row in rows if "screening_id" in row} <= ctx.site_screenings:
        refuse(_("The bundle of %(site)s carries %(table)s of a screening at another site. "
                 "Nothing was imported.", site=site.code, table=spec.name))
    if spec.name == "people":
        villages = {row.get("village_id") for row in rows} - {None}
        if villages and ctx.site_villages is None:
            ctx.site_villages = subtree_ids(site.unit_id)
        if villages and not villages <= ctx.site_villages:
            refuse(_("The bundle of %(site)s carries people of villages it does not serve. "
                     "Nothing was imported.", site=site.code))
    if spec.name == "file_entries" and not {row.get("root_id") for row in rows} <= ctx.site_roots:
        refuse(_("The bundle of %(site)s carries files of another site's library. Nothing was "
                 "imported.", site=site.code))
    if any(row["origin_site"] == HUB_ORIGIN and found[row["id"]]._mapping["origin_site"]
           != HUB_ORIGIN for row in rows if row["id"] in found):
        refuse(_("The bundle of %(site)s carries a row said to be born at the hub that the hub "
                 "holds as another site's (%(table)s). Nothing was imported.", site=site.code,
                 table=spec.name))


def held_elsewhere(spec: Spec, rows: list[dict], found: dict, ctx: Merge) -> set:
    """The ids of rows held here that are no longer the site's to change: the row here belongs
    to another site or village (moved there since the site got it, or a forged change).

    The incoming values were checked by check_claims; this checks the row they would change.
    A row that moved away is not refused (the site could not know, and every later bundle would
    be refused too): it is left as it is here, and the change is logged as a conflict.
    """
    site = ctx.site
    held = [found[row["id"]]._mapping for row in rows if row["id"] in found]
    if not held:
        return set()
    if spec.site_column:
        column, allowed = spec.site_column, {site.id}
    elif spec.name == "people":
        if ctx.site_villages is None:
            ctx.site_villages = subtree_ids(site.unit_id)
        column, allowed = "village_id", ctx.site_villages
    elif spec.name in BY_SCREENING:
        learn_site_rows(spec, [dict(h) for h in held], ctx)
        column, allowed = "screening_id", ctx.site_screenings
    elif spec.name == "file_entries":
        learn_site_rows(spec, [dict(h) for h in held], ctx)
        column, allowed = "root_id", ctx.site_roots
    else:
        return set()
    incoming = {row["id"]: row for row in rows}
    away = set()
    for local in held:
        if local[column] in allowed or (local[column] is None
                                        and local["origin_site"] == site.code):
            continue
        away.add(local["id"])
        ctx.conflict(spec.name, local["id"], column, local[column],
                     incoming[local["id"]].get(column), kept="local", reason="scope")
    return away


def learn_site_rows(spec: Spec, rows: list[dict], ctx: Merge) -> None:
    """Look up, in one query a chunk, which screenings or library roots named are the site's."""
    site = ctx.site
    assert site is not None
    if spec.name in BY_SCREENING:
        known, model, column = ctx.site_screenings, Screening, "screening_id"
    elif spec.name == "file_entries":
        known, model, column = ctx.site_roots, LibraryRoot, "root_id"
    else:
        return
    wanted = {row.get(column) for row in rows} - known - {None}
    if wanted:
        known.update(db.session.scalars(select(model.id).where(
            model.site_id == site.id, model.id.in_(list(wanted)))))

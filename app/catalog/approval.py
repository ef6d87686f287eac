"""Approval as a gate: a title is planned, issued or queued at a site only once approved for it.

The city approves for every site (the title's own `approved`, as the API has always said); a
township officer approves for the sites of their township (a TitleApproval row, withdrawn by
setting its `withdrawn_at`). A title with no approval reaching a site is refused there (Invalid,
422), unless the install runs with DIANJIAO_APPROVAL=warn: then the callers warn instead.

A file with no title is the site's own material, not a catalog title: the gate leaves it alone
(the planning checks still note it as not approved).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from ..errors import Forbidden, Invalid
from ..extensions import db
from ..models import Site, Title, TitleApproval, Unit, User

ENFORCE, WARN = "enforce", "warn"
NAMED = 5  # sites or titles named in a message before "and N more"


def mode() -> str:
    """ENFORCE (the default) or WARN (DIANJIAO_APPROVAL=warn: refusals become warnings)."""
    return WARN if str(current_app.config.get("APPROVAL") or "").lower() == WARN else ENFORCE


def _unique(titles: Iterable[Title | None]) -> list[Title]:
    return list({t.id: t for t in titles if t is not None}.values())


def _township_approvals(title_ids: list[uuid.UUID]) -> dict[uuid.UUID, set[uuid.UUID]]:
    """For each title, the units whose approval of it stands."""
    found: dict[uuid.UUID, set[uuid.UUID]] = {}
    if not title_ids:
        return found
    for title_id, unit_id in db.session.execute(
            select(TitleApproval.title_id, TitleApproval.unit_id).where(
                TitleApproval.title_id.in_(title_ids), TitleApproval.withdrawn_at.is_(None))):
        found.setdefault(title_id, set()).add(unit_id)
    return found


def _lineages(sites: list[Site]) -> dict[uuid.UUID, set[uuid.UUID]]:
    """Each site's unit and the units above it (for many sites, from one read of the tree).
    A site is a Site row or anything with `id`, `code` and `unit_id` (a plan's covered site)."""
    if len(sites) <= 3 and all(isinstance(site, Site) for site in sites):
        return {site.id: {u.id for u in site.unit.lineage()} for site in sites}
    parents = dict(db.session.execute(select(Unit.id, Unit.parent_id)).all())
    chains: dict[uuid.UUID, set[uuid.UUID]] = {}
    for site in sites:
        chain, unit = set(), site.unit_id
        while unit is not None and unit not in chain:
            chain.add(unit)
            unit = parents.get(unit)
        chains[site.id] = chain
    return chains


def unapproved(titles: Iterable[Title | None], sites: Iterable[Site]) -> dict[uuid.UUID, list[Title]]:
    """The titles not approved for each site, by site id (sites with none are left out).

    The bulk form: a plan issued to many sites asks once for all of them.
    """
    pending = [t for t in _unique(titles) if not t.approved]
    sites = list(sites)
    if not pending or not sites:
        return {}
    approvals = _township_approvals([t.id for t in pending])
    if not approvals:
        return {site.id: pending for site in sites}
    lineages = _lineages(sites)
    found = {}
    for site in sites:
        missing = [t for t in pending if not approvals.get(t.id, set()) & lineages[site.id]]
        if missing:
            found[site.id] = missing
    return found


def approved_for(title: Title, site: Site) -> bool:
    """Whether the city, or the site's township, approved the title."""
    return not unapproved([title], [site])


def _names(items: list[str]) -> str:
    shown = "、".join(items[:NAMED])
    if len(items) > NAMED:
        shown += " " + ngettext("and %(num)d more", "and %(num)d more", len(items) - NAMED)
    return shown


def refusal(titles: list[Title], site: Site) -> str:
    """The plain message of titles not approved at a site."""
    return _("Not approved for screening at %(code)s: %(titles)s. The city, or the site's "
             "township, approves a title first.", code=site.code,
             titles=_names([t.name for t in titles]))


def require_approved(titles: Iterable[Title | None], site: Site) -> list[Title]:
    """Refuse (Invalid, 422) titles not approved for the site; in warn mode return them."""
    missing = unapproved(titles, [site]).get(site.id, [])
    if missing and mode() == ENFORCE:
        raise Invalid(refusal(missing, site),
                      details=[{"code": "not_approved", "site": site.code, "title_id": str(t.id),
                                "name": t.name} for t in missing])
    return missing


def require_approved_all(titles: Iterable[Title | None],
                         sites: Iterable[Site]) -> dict[uuid.UUID, list[Title]]:
    """The bulk form of require_approved: one refusal naming the titles and the sites."""
    sites = list(sites)
    missing = unapproved(titles, sites)
    if missing and mode() == ENFORCE:
        codes = sorted(s.code for s in sites if s.id in missing)
        names = sorted({t.name for ts in missing.values() for t in ts})
        raise Invalid(
            _("Not approved for screening at %(count)d of the sites (%(codes)s): %(titles)s. "
              "The city, or the sites' township, approves a title first.", count=len(codes),
              codes=_names(codes), titles=_names(names)),
            details=[{"code": "not_approved", "site": s.code, "title_id": str(t.id),
                      "name": t.name} for s in sites for t in missing.get(s.id, [])])
    return missing


# --- giving and withdrawing --------------------------------------------------------------------

def approve_city(title: Title, by: str | None, approved: bool = True,
                 now: datetime | None = None) -> None:
    """The city's approval (every site): the title's own `approved`."""
    title.approved = approved
    title.approved_at = (now or datetime.now(UTC)) if approved else None
    title.approved_by = by if approved else None


def _officer_unit(user: User, unit: Unit | None) -> Unit:
    """The township a user approves for: their own, or (an administrator) the one named."""
    if user.role == "township" and user.unit is not None and (unit is None or unit.id == user.unit_id):
        return user.unit
    if user.role == "admin" and unit is not None:
        return unit
    raise Forbidden(_("A township officer approves titles for their own township only."))


def approve_township(title: Title, user: User, approved: bool = True, *, unit: Unit | None = None,
                     now: datetime | None = None) -> TitleApproval | None:
    """A township's approval for its sites, given or withdrawn by its officer (or an admin)."""
    unit = _officer_unit(user, unit)
    now = now or datetime.now(UTC)
    row = db.session.scalar(select(TitleApproval).where(
        TitleApproval.title_id == title.id, TitleApproval.unit_id == unit.id))
    if approved:
        if row is None:
            row = TitleApproval(title_id=title.id, unit_id=unit.id)
            db.session.add(row)
        row.approved_by, row.approved_at = user.username, now
        row.withdrawn_by = row.withdrawn_at = None
    elif row is not None and row.withdrawn_at is None:
        row.withdrawn_by, row.withdrawn_at = user.username, now
    db.session.flush()
    return row


def township_approvals(title: Title) -> list[TitleApproval]:
    """The townships whose approval of the title stands, by name."""
    rows = db.session.scalars(select(TitleApproval).join(Unit).where(
        TitleApproval.title_id == title.id, TitleApproval.withdrawn_at.is_(None))
        .order_by(Unit.name)).all()
    return list(rows)


def approved_by_township(title: Title, user: User) -> bool:
    """Whether the user's own township approved the title (the page's button says which)."""
    return user.unit_id is not None and any(
        row.unit_id == user.unit_id for row in township_approvals(title))

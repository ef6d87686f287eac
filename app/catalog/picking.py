"""The title picker: the titles a planner may choose for a site, found by characters, pinyin or
initials (approved for the site only, those held there first), and the ordered list of titles
chosen, changed by the picker's buttons (add, up, down, remove).

The page path and the script share it: a button posts `pick=add:<id>` (or up, down, remove) with
the chosen ids in order, the JSON search answers what the page would list.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import case, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..lookup import by_id
from ..models import FileEntry, LibraryRoot, MediaFile, Site, Title, TitleApproval, Unit
from .approval import unapproved
from .titles import search_titles

RESULTS = 8  # results listed at once: a planner narrows the search rather than scrolls
OPS = ("add", "up", "down", "remove")


@dataclass
class Pick:
    """A title as the picker shows it: its name, its length at the site, held here or not."""

    id: str
    name: str
    duration_s: float | None
    held_here: bool
    approved: bool = True

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "duration_s": self.duration_s,
                "held_here": self.held_here, "approved": self.approved}


@dataclass
class Picker:
    """What the picker shows: the search, its results, the chosen titles and their total."""

    q: str = ""
    results: list[Pick] = field(default_factory=list)
    more: bool = False
    chosen: list[Pick] = field(default_factory=list)
    slot_s: float | None = None

    @property
    def total_s(self) -> float:
        return sum(p.duration_s or 0 for p in self.chosen)

    @property
    def over(self) -> bool:
        return self.slot_s is not None and self.total_s > self.slot_s


def _held(site: Site):
    """A subquery of the ids of the titles a file of which is present at the site now."""
    return (select(MediaFile.title_id).join(FileEntry, FileEntry.media_file_id == MediaFile.id)
            .join(LibraryRoot, FileEntry.root_id == LibraryRoot.id)
            .where(LibraryRoot.site_id == site.id, FileEntry.missing.is_(False),
                   MediaFile.title_id.is_not(None)))


def _present(site: Site | None, titles: Iterable[Title]) -> set[uuid.UUID]:
    ids = [f.id for t in titles for f in t.files]
    if not ids or site is None:
        return set()
    return set(db.session.scalars(
        select(FileEntry.media_file_id).join(LibraryRoot, FileEntry.root_id == LibraryRoot.id)
        .where(LibraryRoot.site_id == site.id, FileEntry.missing.is_(False),
               FileEntry.media_file_id.in_(ids))))


def _approved_in(unit: Unit):
    """A subquery of the ids of the titles a township (or the unit's lineage) approved."""
    return select(TitleApproval.title_id).where(
        TitleApproval.unit_id.in_([u.id for u in unit.lineage()]),
        TitleApproval.withdrawn_at.is_(None))


def _picks(site: Site | None, titles: list[Title], unit: Unit | None = None) -> list[Pick]:
    """The titles as picks; a title's length is that of its file held here, else of its first
    file (what the planning checks count). Without a site, approved means by the city, or by
    `unit` (a township planning for its sites)."""
    present = _present(site, titles)
    if site is None:
        local = set(db.session.scalars(_approved_in(unit))) if unit is not None else set()
        refused = {t.id for t in titles if not t.approved and t.id not in local}
    else:
        refused = {t.id for t in unapproved(titles, [site]).get(site.id, [])}
    picks = []
    for title in titles:
        here = [f for f in title.files if f.id in present]
        chosen = here[0] if here else (title.files[0] if title.files else None)
        picks.append(Pick(id=str(title.id), name=title.name,
                          duration_s=chosen.duration_s if chosen else None, held_here=bool(here),
                          approved=title.id not in refused))
    return picks


def find_titles(site: Site | None, q: str | None, *, limit: int = RESULTS,
                leave_out: Iterable[str] = (), approved_only: bool = True,
                unit: Unit | None = None) -> tuple[list[Pick], bool]:
    """The titles approved for the site matching `q` (all of them when empty), held there
    first, then by pinyin; and whether more than `limit` matched. Titles in `leave_out` (the
    ones already chosen) are not listed. Without a site (a batch for many sites): the titles
    the city approved, or `unit` (a township's plan for its sites), by pinyin.
    `approved_only=False` lists titles approved or not (a file is attached to a title whatever
    its approval)."""
    query = search_titles(q=q).options(selectinload(Title.files))
    if site is None:
        if approved_only and unit is not None:
            query = query.where(Title.approved.is_(True) | Title.id.in_(_approved_in(unit)))
        elif approved_only:
            query = query.where(Title.approved.is_(True))
    elif not approved_only:
        query = query.order_by(None).order_by(
            case((Title.id.in_(_held(site)), 0), else_=1), Title.name_pinyin)
    else:
        query = (query.where(Title.approved.is_(True) | Title.id.in_(_approved_in(site.unit)))
                 .order_by(None)
                 .order_by(case((Title.id.in_(_held(site)), 0), else_=1), Title.name_pinyin))
    skipped = [i for i in (_uuid(x) for x in leave_out) if i is not None]
    if skipped:
        query = query.where(Title.id.not_in(skipped))
    titles = list(db.session.scalars(query.limit(limit + 1)))
    return _picks(site, titles[:limit], unit), len(titles) > limit


def chosen_titles(site: Site | None, ids: Iterable[str], unit: Unit | None = None) -> list[Pick]:
    """The chosen titles in their order (ids of no title are left out)."""
    titles = [t for t in (by_id(Title, i) for i in ids) if t is not None]
    return _picks(site, titles, unit)


def apply_pick(op: str | None, chosen: list[str], *, limit: int) -> list[str]:
    """The chosen ids after a picker button: `add:<id>` (at the end, once, up to `limit`),
    `up:<id>`, `down:<id>`, `remove:<id>`; anything else leaves them as they are."""
    verb, _sep, item = (op or "").partition(":")
    chosen = [c for n, c in enumerate(chosen) if c and c not in chosen[:n]]
    if verb == "add" and item and item not in chosen and len(chosen) < limit:
        return chosen + [item]
    if item not in chosen:
        return chosen
    at = chosen.index(item)
    if verb == "remove":
        return chosen[:at] + chosen[at + 1:]
    to = at - 1 if verb == "up" else at + 1 if verb == "down" else at
    if 0 <= to < len(chosen) and to != at:
        chosen[at], chosen[to] = chosen[to], chosen[at]
    return chosen


def picker(site: Site | None, chosen: list[str], q: str | None, *,
           slot_s: float | None = None, unit: Unit | None = None) -> Picker:
    """The picker's state for a page: the search's results and the chosen titles."""
    results, more = find_titles(site, q, leave_out=chosen, unit=unit)
    return Picker(q=(q or "").strip(), results=results, more=more,
                  chosen=chosen_titles(site, chosen, unit), slot_s=slot_s)


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None

"""The unit tree (city › township › village or community): the one home of its walks.

`subtree_ids` reads the units under one unit, a level at a time; a page or a report that asks
about many units reads the whole tree once instead (`Tree`). `township_named` finds a township by
name, or NotFound.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import NotFound
from ..extensions import db
from ..models import Unit


def subtree_ids(unit_id: uuid.UUID) -> set[uuid.UUID]:
    """Return the ids of a unit and every unit below it."""
    ids, frontier = {unit_id}, [unit_id]
    while frontier:
        children = db.session.scalars(select(Unit.id).where(Unit.parent_id.in_(frontier))).all()
        frontier = [c for c in children if c not in ids]
        ids.update(frontier)
    return ids


def township_named(name: str | None) -> Unit:
    """The township of this name: NotFound (404) when there is none."""
    unit = db.session.scalar(select(Unit).where(Unit.kind == "township", Unit.name == (name or "")))
    if unit is None:
        raise NotFound(_("No township named %(name)s.", name=name or ""))
    return unit


class Tree:
    """Every unit, read once with one query (walking parents row by row is slow): the units under
    a unit, and the township and village above one."""

    def __init__(self):
        self.units: dict[uuid.UUID, tuple[uuid.UUID | None, str, str]] = {}
        self.children: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        for unit_id, parent_id, kind, name in db.session.execute(
                select(Unit.id, Unit.parent_id, Unit.kind, Unit.name)):
            self.units[unit_id] = (parent_id, kind, name)
            if parent_id is not None:
                self.children[parent_id].append(unit_id)
        self._subtrees: dict[uuid.UUID, frozenset[uuid.UUID]] = {}

    def subtree(self, unit_id: uuid.UUID) -> frozenset[uuid.UUID]:
        """The ids of a unit and every unit below it."""
        if unit_id not in self._subtrees:
            ids, frontier = {unit_id}, [unit_id]
            while frontier:
                frontier = [c for u in frontier for c in self.children.get(u, ()) if c not in ids]
                ids.update(frontier)
            self._subtrees[unit_id] = frozenset(ids)
        return self._subtrees[unit_id]

    def up(self, unit_id: uuid.UUID | None, kinds: tuple[str, ...]) -> str | None:
        """The name of the unit, or the nearest one above it, of one of these kinds."""
        while unit_id is not None and unit_id in self.units:
            parent, kind, name = self.units[unit_id]
            if kind in kinds:
                return name
            unit_id = parent
        return None

    def above(self, unit_id: uuid.UUID | None) -> list[uuid.UUID]:
        """The unit and every unit above it, nearest first."""
        chain = []
        while unit_id is not None and unit_id in self.units:
            chain.append(unit_id)
            unit_id = self.units[unit_id][0]
        return chain

    def township(self, unit_id: uuid.UUID | None) -> str | None:
        return self.up(unit_id, ("township",))

    def village(self, unit_id: uuid.UUID | None) -> str | None:
        return self.up(unit_id, ("village", "community"))

"""Titles picked on the new plan form by typing: each title offered once by its name (a name
several titles share is told apart by the start of the title's id), with its pinyin and
initials as the option's label, so a browser's list finds 果树修剪技术 by "gsxj"."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import Invalid
from ..extensions import db
from ..models import Title

_TAGGED = re.compile(r"(.+) #([0-9a-f]{8})")


@dataclass(frozen=True)
class Pick:
    value: str  # what the input holds once chosen
    keys: str  # what else finds it: initials and full pinyin


def title_picks() -> list[Pick]:
    """Every title, as the form's list offers it, by pinyin."""
    rows = db.session.execute(select(Title.id, Title.name, Title.name_initials, Title.name_pinyin)
                              .order_by(Title.name_pinyin)).all()
    shared = Counter(row.name for row in rows)
    return [Pick(row.name if shared[row.name] == 1 else f"{row.name} #{str(row.id)[:8]}",
                 f"{row.name_initials} {row.name_pinyin}") for row in rows]


def picked_ids(values: list[str]) -> list[str]:
    """The title ids of the values typed or chosen (a name, a tagged name or an id), in order;
    empty inputs skipped. A name no title has, or several share, is refused (422)."""
    ids = []
    for value in (v.strip() for v in values):
        if not value:
            continue
        try:
            ids.append(str(uuid.UUID(value)))
            continue
        except ValueError:
            pass
        name, prefix = value, None
        if tagged := _TAGGED.fullmatch(value):
            name, prefix = tagged.group(1), tagged.group(2)
        found = [str(i) for i in db.session.scalars(select(Title.id).where(Title.name == name))
                 if prefix is None or str(i).startswith(prefix)]
        if not found:
            raise Invalid(_("No title is named %(name)s.", name=value))
        if len(found) > 1:
            raise Invalid(_("Several titles are named %(name)s: pick one from the list.",
                            name=value))
        ids.append(found[0])
    return ids

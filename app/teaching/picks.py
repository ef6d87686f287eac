"""The titles of a plan's session as the form sends them: ids from the title picker
(app/catalog/picking.py), or names typed (a name several titles share is told apart by the
start of the title's id, "生猪养殖 #1a2b3c4d")."""

from __future__ import annotations

import re
import uuid

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import Invalid
from ..extensions import db
from ..models import Title

_TAGGED = re.compile(r"(.+) #([0-9a-f]{8})")


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

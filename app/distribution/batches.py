"""Batches: named sets of titles in a form (DVD, VCD, USB, file), consigned to sites as kits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..clock import today
from ..errors import Invalid, NotFound
from ..extensions import db
from ..lookup import by_id
from ..models import Batch, BatchItem, Shipment, Site, Title, Unit, User
from ..models.distribution import FORMS
from ..places.tree import Tree
from .kits import ENDINGS, shipments_query
from .manifest import record_manifest

RECENT = 500  # batches listed on the distribution page


def create_batch(name: str, form: str, title_ids: Iterable, *, made_on: date | None = None,
                 notes: str | None = None) -> Batch:
    """Make a batch of titles in a form; a batch with no titles, or an unknown title, is refused."""
    name = (name or "").strip()
    if not name:
        raise Invalid(_("A batch needs a name."))
    if len(name) > 200:
        raise Invalid(_("The name is longer than 200 characters."))
    if form not in FORMS:
        raise Invalid(_("form must be one of %(forms)s.", forms=", ".join(FORMS)))
    titles, unknown = {}, []
    for value in dict.fromkeys(str(t) for t in title_ids):
        title = by_id(Title, value)
        if title is None:
            unknown.append(value)
        else:
            titles[title.id] = title  # one id may come spelt twice (upper case, no hyphens)
    if unknown:
        raise Invalid(_("Unknown titles: %(ids)s.", ids=", ".join(unknown)))
    if not titles:
        raise Invalid(_("A batch needs at least one title."))
    batch = Batch(name=name, form=form, made_on=made_on or today(), notes=notes or None)
    db.session.add(batch)
    for title_id in titles:
        db.session.add(BatchItem(batch=batch, title_id=title_id))
    record_manifest(batch, titles)
    db.session.flush()
    return batch


def batch_or_404(batch_id) -> Batch:
    batch = by_id(Batch, batch_id)
    if batch is None:
        raise NotFound(_("No such batch."))
    return batch


def batch_titles(batch: Batch) -> list[Title]:
    return db.session.scalars(
        select(Title).join(BatchItem, BatchItem.title_id == Title.id)
        .where(BatchItem.batch_id == batch.id).order_by(Title.name_pinyin)).all()


def recent_batches(limit: int = RECENT) -> list[Batch]:
    """The latest batches, newest first."""
    return db.session.scalars(select(Batch).order_by(Batch.made_on.desc(), Batch.created_at.desc())
                              .limit(limit)).all()


def batch_townships(user: User, batch: Batch) -> list[tuple[str, int]]:
    """The townships this batch was consigned to (in the caller's area), with their kit counts."""
    places = Tree()
    counts: dict[str, int] = defaultdict(int)
    for (unit_id,) in db.session.execute(
        shipments_query(user, batch=batch).with_only_columns(Site.unit_id).order_by(None)
    ):
        counts[places.township(unit_id) or ""] += 1
    return sorted(counts.items())


def kits_by_township(user: User, batch: Batch,
                     township: Unit | None = None) -> list[tuple[str, list[Shipment]]]:
    """The batch's live kits in the caller's area (or one township), grouped by township."""
    places = Tree()
    groups: dict[str, list[Shipment]] = {}
    kits = (shipments_query(user, batch=batch, township=township)
            .where(Shipment.status.not_in(ENDINGS)).options(selectinload(Shipment.site)))
    for kit in db.session.scalars(kits):
        groups.setdefault(places.township(kit.site.unit_id) or "", []).append(kit)
    return sorted(groups.items())

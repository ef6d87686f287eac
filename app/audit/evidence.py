"""The pictures that back a screening's record: thumbnails of the player's snapshots and photos of
the room from an operator's phone. Small JPEGs, capped per screening, that travel to the hub in
bundles (table screening_evidence, docs/sync.md)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import defer

from ..clock import now as utcnow
from ..errors import Conflict, Invalid
from ..extensions import db
from ..models import Screening, ScreeningEvidence
from .pictures import small_jpeg

SNAPSHOT_LABELS = ("start", "middle", "end")
MIN_PHOTO_BYTES = 8 * 1024  # less room than this left under the cap: no photo fits


def cap_bytes() -> int:
    return int(current_app.config["EVIDENCE_KB_PER_SCREENING"]) * 1024


def used_bytes(screening: Screening) -> int:
    return int(db.session.scalar(select(func.coalesce(func.sum(func.length(ScreeningEvidence.jpeg)), 0))
                                 .where(ScreeningEvidence.screening_id == screening.id)) or 0)


def _keep(screening: Screening, kind: str, label: str, jpeg, *, by: str | None,
          now: datetime) -> ScreeningEvidence:
    digest = hashlib.sha256(jpeg.data).hexdigest()
    if db.session.scalar(select(ScreeningEvidence.id).where(
            ScreeningEvidence.screening_id == screening.id, ScreeningEvidence.kind == kind,
            ScreeningEvidence.label == label, ScreeningEvidence.sha256 == digest)):
        raise Conflict(_("This picture is already on the screening's record."))
    row = ScreeningEvidence(screening_id=screening.id, site_id=screening.site_id, kind=kind,
                            label=label, taken_at=now, width=jpeg.width, height=jpeg.height,
                            sha256=digest, jpeg=jpeg.data, added_by=by)
    db.session.add(row)
    db.session.flush()
    return row


def keep_snapshots(screening: Screening, path_of: Callable[[str], str], *,
                   now: datetime | None = None) -> list[ScreeningEvidence]:
    """Thumbnails of the snapshots the player saved (`path_of(label)`) that have none yet.

    A thumbnail that would pass the screening's cap is left out; a picture that cannot be read
    is skipped (the audit then finds fewer snapshots). The caller commits.
    """
    now = now or utcnow()
    have = set(db.session.scalars(select(ScreeningEvidence.label).where(
        ScreeningEvidence.screening_id == screening.id, ScreeningEvidence.kind == "snapshot")))
    room = cap_bytes() - used_bytes(screening)
    made = []
    for label in SNAPSHOT_LABELS:
        path = path_of(label)
        if label in have or not os.path.isfile(path):
            continue
        try:
            with open(path, "rb") as fh:
                jpeg = small_jpeg(fh.read(), int(current_app.config["EVIDENCE_THUMB_PX"]))
        except (OSError, Invalid):
            continue
        if len(jpeg.data) > room:
            continue
        made.append(_keep(screening, "snapshot", label, jpeg, by=None, now=now))
        room -= len(jpeg.data)
    return made


def add_photo(screening: Screening, data: bytes, *, by: str,
              now: datetime | None = None) -> ScreeningEvidence:
    """A photo of the room, resized and stripped of EXIF (GPS, the phone's make): the caller
    commits. Refused, storing nothing, when it is no picture or no room is left."""
    limit = int(current_app.config["EVIDENCE_UPLOAD_MB"]) * 1024 * 1024
    if len(data) > limit:
        raise Invalid(_("The photo is larger than %(mb)d MB; take a smaller one (the phone's "
                        "camera setting) and try again.", mb=limit // (1024 * 1024)))
    if not data:
        raise Invalid(_("Choose a photo to add."))
    room = cap_bytes() - used_bytes(screening)
    if room < MIN_PHOTO_BYTES:
        raise Conflict(_("This screening already has as many pictures as travel to the "
                         "township (%(kb)d KB).", kb=cap_bytes() // 1024))
    jpeg = small_jpeg(data, int(current_app.config["EVIDENCE_PHOTO_PX"]), budget=room)
    if len(jpeg.data) > room:
        raise Conflict(_("This screening already has as many pictures as travel to the "
                         "township (%(kb)d KB).", kb=cap_bytes() // 1024))
    return _keep(screening, "photo", "photo", jpeg, by=by, now=now or utcnow())


def evidence_of(screening_id) -> list[ScreeningEvidence]:
    """The screening's pictures (without their bytes, which the picture's own address serves):
    snapshots in playing order, then photos as added."""
    order = {label: i for i, label in enumerate(SNAPSHOT_LABELS)}
    rows = db.session.scalars(select(ScreeningEvidence).options(defer(ScreeningEvidence.jpeg))
                              .where(ScreeningEvidence.screening_id == screening_id)).all()
    return sorted(rows, key=lambda r: (r.kind != "snapshot", order.get(r.label, 9), r.taken_at))


def room_photos(screening: Screening) -> list[ScreeningEvidence]:
    """The photos of the room added to a screening, as added (for the screening page)."""
    return list(db.session.scalars(select(ScreeningEvidence).options(defer(ScreeningEvidence.jpeg))
        .where(ScreeningEvidence.screening_id == screening.id, ScreeningEvidence.kind == "photo")
        .order_by(ScreeningEvidence.taken_at)))

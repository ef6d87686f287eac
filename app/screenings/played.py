"""What really played at a screening: its play logs, and the title of each file they name."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import MediaFile, PlayLog, Screening


def play_logs(screening: Screening) -> list[PlayLog]:
    """The screening's play logs, in the order they started."""
    return db.session.scalars(select(PlayLog).where(PlayLog.screening_id == screening.id)
                              .order_by(PlayLog.started_at)).all()


def logged_titles(logs: list[PlayLog]) -> dict[uuid.UUID, str]:
    """The title name (else the file's short hash) of each logged file."""
    ids = {log.media_file_id for log in logs if log.media_file_id}
    files = db.session.scalars(select(MediaFile).where(MediaFile.id.in_(ids))
                               .options(selectinload(MediaFile.title))).all() if ids else []
    return {f.id: f.title.name if f.title else f.sha256[:12] for f in files}

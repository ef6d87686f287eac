"""At the site: when the player ends a screening, keep thumbnails of its snapshots and audit it."""

from __future__ import annotations

import logging

from flask import Flask

from ..extensions import db
from ..models import Screening
from ..player.services import snapshot_path
from ..signals import screening_ended
from .evidence import keep_snapshots
from .services import run_audit

log = logging.getLogger(__name__)


def audit_ended(app: Flask, screening_id=None, **_extra) -> None:
    """Thumbnails first (the audit reads them), then the audit; a failure is logged and never
    reaches the player."""
    try:
        screening = db.session.get(Screening, screening_id)
        if screening is None:
            return
        keep_snapshots(screening, lambda label: snapshot_path(app, screening.id, label))
        run_audit(screening)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("the audit of screening %s failed", screening_id)


def init_app(app: Flask) -> None:
    screening_ended.connect(audit_ended, sender=app)

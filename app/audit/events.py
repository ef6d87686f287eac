"""When a screening ends: keep thumbnails of its snapshots and audit it. The player's signal does
it at once; serve's minute tick catches up on the rest (screenings held without the player,
missed ones, sign-ins typed in later)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import func, or_, select

from ..clock import now as utcnow
from ..extensions import db
from ..jobs import each_alone
from ..models import Attendance, AuditCheck, Screening
from ..models.base import current_origin
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


def _audit_one(screening_id) -> int:
    screening = db.session.get(Screening, screening_id)
    if screening is None:
        return 0
    app = current_app._get_current_object()
    keep_snapshots(screening, lambda label: snapshot_path(app, screening.id, label))
    run_audit(screening)
    return 1


def due_for_audit(now: datetime, *, days: int = 7, limit: int = 200) -> list:
    """Screenings that ended in the last `days` and were never audited, or whose sign-ins were
    typed in here since their audit (a paper sheet). Only rows born here are compared with the
    audit's time: a site's rows carry its clock, and the import audits them anyway."""
    checked = select(AuditCheck.checked_at).where(
        AuditCheck.screening_id == Screening.id).scalar_subquery()
    marked = select(func.max(Attendance.updated_at)).where(
        Attendance.screening_id == Screening.id,
        Attendance.origin_site == current_origin()).scalar_subquery()
    return list(db.session.scalars(select(Screening.id).where(
        Screening.ends_at <= now, Screening.ends_at > now - timedelta(days=days),
        Screening.status != "cancelled", or_(checked.is_(None), marked > checked))
        .order_by(Screening.ends_at).limit(limit)))


def audit_due(now: datetime | None = None) -> int:
    """The minute tick's part: audit what is due, each screening on its own."""
    return each_alone(due_for_audit(now or utcnow()), _audit_one,
                      "the audit of screening %s failed")


def init_app(app: Flask) -> None:
    screening_ended.connect(audit_ended, sender=app)

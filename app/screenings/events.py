"""Send screenings_changed after a commit that changed screenings, so the runner can reconcile."""

from __future__ import annotations

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from ..signals import screenings_changed

FLAG = "screenings_changed"


def changed() -> None:
    """Mark the current transaction: the signal is sent once it commits (the table is the truth)."""
    db.session.info[FLAG] = True


def _after_commit(session: Session) -> None:
    if session.info.pop(FLAG, False) and has_app_context():
        screenings_changed.send(current_app._get_current_object())


def _after_rollback(session: Session) -> None:
    session.info.pop(FLAG, None)


def init_app(_app: Flask) -> None:
    """Watch commits for the mark (SQLAlchemy's session events are process-wide: listen once)."""
    for name, listener in (("after_commit", _after_commit), ("after_rollback", _after_rollback)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)

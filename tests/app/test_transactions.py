"""A sign-in inside a unit of work that fails is undone with it (no half-written sheet)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.attendance.services import sign_in
from app.extensions import db
from app.models import Attendance

pytestmark = pytest.mark.both_databases  # see tests/conftest.py


def test_rollback_undoes_sign_ins(app, make):
    site = make.site("P-001")
    screening = make.screening(site, start=datetime.now(UTC), topic="党课")
    person = make.person("张三")
    first = sign_in(screening, method="paper", person=person)
    assert first.created
    assert not sign_in(screening, method="paper", person=person).created
    db.session.rollback()  # e.g. a later line of the paper sheet was bad
    assert db.session.scalar(select(func.count(Attendance.id))) == 0

"""Rows two sites share through the hub: each sends only its own, and none takes over another's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import Attendance, Person, Screening
from tests.sync.helpers import (
    START,
    count,
    enroll,
    export,
    import_,
    members,
    seed_hub,
    sign_in,
)


@pytest.fixture
def neighbours(hub, new_site, tmp_path):
    """P-001 and P-003 both serve 东村; P-003 has a screening of its own. Both enrolled."""
    from app.screenings.services import create_screening
    from tests import factories

    ids = seed_hub(hub)
    with hub.ctx() as db:
        other = factories.site("P-003", village="东村")
        screening, _w = create_screening(other, starts_at=START, ends_at=START + timedelta(hours=1),
                                         topic="养殖", audience="all")
        db.session.commit()
        ids["p003_screening"] = screening.id
    first, third = new_site("p001"), new_site("p003")
    enroll(hub, first, tmp_path / "enroll1.zip")
    enroll(hub, third, tmp_path / "enroll3.zip", code="P-003")
    return hub, first, third, ids


def _walk_in(install, screening_id, name: str):
    from app.attendance.services import sign_in as do_sign_in

    with install.ctx() as db:
        screening = db.session.get(Screening, screening_id)
        result = do_sign_in(screening, method="operator", walkin_name=name, village="东村",
                            recorded_by="op", now=START + timedelta(minutes=5))
        db.session.commit()
        return result.attendance.person_id


def test_a_site_does_not_send_back_a_neighbours_row_it_changed(neighbours, tmp_path):
    """A walk-in born at P-003 reaches P-001 through the hub; P-001 edits it, and its bundles
    still go through (they carry its own rows only; the edit stays at P-001)."""
    hub, first, third, ids = neighbours
    walkin = _walk_in(third, ids["p003_screening"], "赵六")
    export(third, tmp_path / "from3.zip")
    import_(hub, tmp_path / "from3.zip")
    export(hub, tmp_path / "to1.zip", to="P-001")
    import_(first, tmp_path / "to1.zip")
    with first.ctx() as db:
        db.session.get(Person, walkin).phone = "13800000000"
        db.session.commit()
    sign_in(first, ids["screening"], ids["zhang"])

    export(first, tmp_path / "from1.zip")
    _manifest, data = members(tmp_path / "from1.zip")
    assert str(walkin) not in data["rows/people.jsonl"].decode()
    summary = import_(hub, tmp_path / "from1.zip")  # was: refused, "rows born at P-003"
    assert summary["tables"]["attendance"]["inserted"] == 1
    with hub.ctx() as db:
        assert db.session.get(Person, walkin).phone is None  # P-003's row, unchanged
    assert count(hub, Attendance, Attendance.person_id == ids["zhang"]) == 1

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
    from app.screenings.single import create_screening
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


def _forge(site, path, out, table: str, row: dict) -> None:
    """The site's own bundle with one more row in `table`, signed with the site's key."""
    import json

    from tests.sync.helpers import resign, site_key

    manifest, data = members(path)
    name = f"rows/{table}.jsonl"
    data[name] = data.get(name, b"") + (json.dumps(row) + "\n").encode()
    if not any(part["name"] == table for part in manifest["parts"]):
        manifest["parts"].append({"name": table, "rows": 1})
    resign(out, manifest, data, site_key(site))


def _row(install, model, row_id) -> dict:
    from app.sync.tables import CODECS

    with install.ctx() as db:
        table = model.__table__
        return CODECS[table.name].encode(db.session.execute(
            select(table).where(table.c.id == row_id)).one())


def test_a_site_cannot_take_over_another_sites_rows(hub, new_site, tmp_path):
    """Signed with P-001's own key: a change to P-002's screening (moved to P-001 and
    cancelled) and to a villager of 西村 (leaving out the village) changes nothing; each is
    logged as a conflict. A row said to be born at the hub that the hub holds as P-002's is
    refused whole."""
    from app.models import SyncConflict
    from app.people.services import create_person
    from app.screenings.single import create_screening

    ids = seed_hub(hub)
    with hub.ctx() as db:
        from app.models import Site

        p002 = db.session.scalar(select(Site).where(Site.code == "P-002"))
        theirs, _w = create_screening(p002, starts_at=START, ends_at=START + timedelta(hours=1),
                                      topic="西村党课", audience="all")
        wang = create_person("王五", village=p002.unit)
        db.session.commit()
        theirs_id, wang_id = theirs.id, wang.id
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    sign_in(site, ids["screening"], ids["zhang"])
    export(site, tmp_path / "up.zip")

    later = (START + timedelta(days=30)).isoformat()
    screening = _row(hub, Screening, theirs_id)
    screening.update(site_id=str(ids["site"]), status="cancelled", topic="hijacked",
                     updated_at=later)
    person = _row(hub, Person, wang_id)
    person.pop("village_id")
    person.update(name="王五改", phone="13900000000", active=False, updated_at=later)
    _forge(site, tmp_path / "up.zip", tmp_path / "s.zip", "screenings", screening)
    _forge(site, tmp_path / "s.zip", tmp_path / "both.zip", "people", person)

    summary = import_(hub, tmp_path / "both.zip")
    assert summary["tables"]["attendance"]["inserted"] == 1  # its own rows go in
    with hub.ctx() as db:
        held = db.session.get(Screening, theirs_id)
        assert (held.site.code, held.status, held.topic) == ("P-002", "planned", "西村党课")
        wang = db.session.get(Person, wang_id)
        assert (wang.name, wang.phone, wang.active) == ("王五", None, True)
        logged = db.session.execute(select(SyncConflict.table, SyncConflict.reason, SyncConflict.kept)
                                    .where(SyncConflict.reason == "scope")).all()
        assert sorted(logged) == [("people", "scope", "local"), ("screenings", "scope", "local")]

    # A row of P-001's own, said to be born at the hub: refused.
    with hub.ctx() as db:
        db.session.get(Screening, theirs_id).origin_site = "P-002"
        db.session.commit()
    screening["site_id"] = str(ids["site"])
    screening["origin_site"] = "HUB"
    _forge(site, tmp_path / "up.zip", tmp_path / "forged.zip", "screenings", screening)
    from app.sync.importer import Refused

    with pytest.raises(Refused) as caught:
        import_(hub, tmp_path / "forged.zip")
    assert caught.value.reason == "claim" and "born at the hub" in caught.value.message


def test_a_person_moved_to_another_village_stays_moved(hub, new_site, tmp_path):
    """The township moves 李四 from 东村 (P-001's) to 西村 after P-001 got them; P-001 edits
    their phone and signs them in, then uploads: the upload goes through with the sign-in, and
    李四 stays in 西村 (P-001's older copy does not move them back); a conflict says why."""
    from app.models import SyncConflict, Unit

    ids = seed_hub(hub)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    with hub.ctx() as db:
        west = db.session.scalar(select(Unit.id).where(Unit.name == "西村"))
        db.session.get(Person, ids["li"]).village_id = west
        db.session.commit()
    with site.ctx() as db:
        db.session.get(Person, ids["li"]).phone = "13700000000"
        db.session.commit()
    sign_in(site, ids["screening"], ids["li"])
    export(site, tmp_path / "up.zip")
    summary = import_(hub, tmp_path / "up.zip")
    assert summary["tables"]["attendance"]["inserted"] == 1
    with hub.ctx() as db:
        li = db.session.get(Person, ids["li"])
        assert (li.village_id, li.phone) == (west, None)
        assert db.session.scalar(select(SyncConflict.field).where(
            SyncConflict.reason == "scope", SyncConflict.table == "people")) == "village_id"


def test_a_user_moved_to_another_site_can_no_longer_log_in_at_the_old_one(hub, new_site,
                                                                          tmp_path):
    """The hub moves op1 from P-001 to P-002: P-001's next hub bundle deactivates op1 there.
    P-001's own admin and a user made at P-001 itself stay as they are."""
    from app.auth.services import add_user
    from app.models import Site, User

    seed_hub(hub)
    site = new_site()
    with site.ctx() as db:  # as `dianjiao init` makes it, before the install is a site
        add_user("site-admin", "admin", "secret-pass-3")
        db.session.commit()
    enroll(hub, site, tmp_path / "enroll.zip")
    with site.ctx() as db:
        add_user("local-op", "operator", "secret-pass-2", site_code="P-001")
        db.session.commit()
    with hub.ctx() as db:
        op1 = db.session.scalar(select(User).where(User.username == "op1"))
        op1.site_id = db.session.scalar(select(Site.id).where(Site.code == "P-002"))
        db.session.commit()
    export(hub, tmp_path / "down.zip", to="P-001")
    import_(site, tmp_path / "down.zip")
    with site.ctx() as db:
        active = dict(db.session.execute(select(User.username, User.active)).all())
    assert active["op1"] is False
    assert active["local-op"] is True and active["site-admin"] is True

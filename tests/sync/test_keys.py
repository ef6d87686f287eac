"""Key rotation and the hub passing a site's rows on to another site of the same village."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.models import Person, SyncPeer
from app.sync.importer import Refused
from tests.sync.helpers import enroll, export, import_, seed_hub


def _peer(install, kind):
    with install.ctx() as db:
        peer = db.session.scalar(select(SyncPeer).where(SyncPeer.kind == kind))
        return peer.key, peer.key_version, peer.previous_key


def test_a_rotated_key_reaches_the_site_and_the_old_one_then_stops_working(hub, new_site,
                                                                           tmp_path):
    from app.sync.services import rotate_key

    seed_hub(hub)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    old_key = _peer(site, "hub")[0]
    export(site, tmp_path / "before.zip")  # made with the old key, carried later
    with hub.ctx() as db:
        rotate_key("P-001")
        db.session.commit()
    new_key, version, previous = _peer(hub, "site")
    assert version == 2 and previous == old_key
    import_(site, export(hub, tmp_path / "rekey.zip", to="P-001") and tmp_path / "rekey.zip")
    assert _peer(site, "hub")[:2] == (new_key, 2)
    import_(hub, tmp_path / "before.zip")  # the old key still counts until the new one is seen
    import_(hub, export(site, tmp_path / "after.zip") and tmp_path / "after.zip")
    assert _peer(hub, "site")[2] is None  # the new key came back: the old one is dropped
    export(hub, tmp_path / "later.zip", to="P-001")
    with hub.ctx() as db:  # a bundle signed with the old key is now refused
        peer = db.session.scalar(select(SyncPeer).where(SyncPeer.code == "P-001"))
        peer.key_version = 3
        db.session.commit()
    with pytest.raises(Refused) as caught:
        import_(hub, export(site, tmp_path / "stale.zip") and tmp_path / "stale.zip")
    assert caught.value.reason == "signature"


def test_a_walk_in_at_one_site_reaches_the_other_site_of_its_village(hub, new_site, tmp_path):
    from app.attendance.services import sign_in
    from app.models import Screening
    from tests import factories

    ids = seed_hub(hub)
    with hub.ctx() as db:  # a center household in the same village as P-001
        factories.site("H-001", village="东村", kind="center_household")
    first, second = new_site("p001"), new_site("h001")
    enroll(hub, first, tmp_path / "e1.zip", "P-001")
    enroll(hub, second, tmp_path / "e2.zip", "H-001")
    with first.ctx() as db:  # a walk-in at P-001; its USB stick reaches the hub late
        screening = db.session.get(Screening, ids["screening"])
        walkin = sign_in(screening, method="operator", walkin_name="赵六", village="东村")
        person_id = walkin.attendance.person_id
        db.session.commit()
    export(first, tmp_path / "up.zip")
    # Meanwhile H-001 and the hub exchange bundles for an hour or so: the hub's watermark for
    # H-001 moves past the walk-in's own time.
    later = datetime.now(UTC) + timedelta(hours=1)
    import_(hub, export(second, tmp_path / "h1.zip") and tmp_path / "h1.zip")
    import_(second, export(hub, tmp_path / "d1.zip", to="H-001", now=later) and
            tmp_path / "d1.zip")
    import_(hub, export(second, tmp_path / "h2.zip") and tmp_path / "h2.zip")
    import_(hub, tmp_path / "up.zip", now=later + timedelta(minutes=30))
    down = export(hub, tmp_path / "down.zip", to="H-001", now=later + timedelta(hours=1))
    assert down["full"] is False and down["counts"]["people"] == 1
    import_(second, tmp_path / "down.zip")
    with second.ctx() as db:
        assert db.session.get(Person, person_id).name == "赵六"


@pytest.mark.parametrize("order", ["made", "reversed"])
def test_every_hub_bundle_made_after_a_rotation_imports_in_any_order(hub, new_site, tmp_path,
                                                                    order):
    """Two hub bundles made after a rotation (both signed with the old key, both carrying the
    new one): the site imports both, whichever comes first, then drops the old key once the
    hub signs with the new one."""
    from app.sync.services import rotate_key

    seed_hub(hub)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    old_key = _peer(site, "hub")[0]
    with hub.ctx() as db:
        rotate_key("P-001")
        db.session.commit()
    new_key = _peer(hub, "site")[0]
    bundles = [tmp_path / "seq2.zip", tmp_path / "seq3.zip"]
    for path in bundles:
        export(hub, path, to="P-001")
    for path in bundles if order == "made" else bundles[::-1]:
        assert import_(site, path)["already_imported"] is False
    assert _peer(site, "hub") == (new_key, 2, old_key)
    import_(hub, export(site, tmp_path / "up.zip") and tmp_path / "up.zip")  # signed with v2
    import_(site, export(hub, tmp_path / "seq4.zip", to="P-001") and tmp_path / "seq4.zip")
    assert _peer(site, "hub") == (new_key, 2, None)


def test_a_site_enrolled_again_starts_its_link_over(hub, new_site, tmp_path):
    """P-001's old PC sent three bundles; a new PC is enrolled. Its first bundle (number 1 again)
    is the site's latest word: the discussion it wrote goes in though the hub changed the
    screening's topic later by the hub's clock (the new PC's clock is behind)."""
    from sqlalchemy import update

    from app.models import Screening
    from tests.sync.helpers import sign_in

    ids = seed_hub(hub)
    old = new_site("old")
    enroll(hub, old, tmp_path / "enroll-old.zip")
    for n in range(3):
        sign_in(old, ids["screening"], ids["zhang"] if n == 0 else ids["li"])
        import_(hub, export(old, tmp_path / f"old{n}.zip") and tmp_path / f"old{n}.zip")
    new = new_site("new")
    enroll(hub, new, tmp_path / "enroll-new.zip")
    with hub.ctx() as db:
        db.session.get(Screening, ids["screening"]).topic = "果树修剪（改）"
        db.session.commit()
        changed = db.session.get(Screening, ids["screening"]).updated_at
    with new.ctx() as db:
        db.session.execute(update(Screening).where(Screening.id == ids["screening"]).values(
            discussion="新电脑的记录", updated_at=changed - timedelta(minutes=20)))
        db.session.commit()
    summary = import_(hub, export(new, tmp_path / "new1.zip", full=True) and tmp_path / "new1.zip")
    assert summary["seq"] == 1
    with hub.ctx() as db:
        held = db.session.get(Screening, ids["screening"])
        assert (held.discussion, held.topic) == ("新电脑的记录", "果树修剪（改）")

"""Reflections (心得) travel in the bundles: up from the site, changes both ways, imported once,
and a site cannot send reflections on another site's screenings."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import Reflection
from app.sync.importer import Refused
from tests.sync.helpers import (
    START,
    count,
    enroll,
    export,
    import_,
    members,
    resign,
    seed_hub,
    sign_in,
    site_key,
)


def write(install, screening_id, person_id, text: str, method: str = "phone") -> None:
    from app.models import Person, Screening
    from app.notices.reflections import write_reflection

    with install.ctx() as db:
        write_reflection(db.session.get(Screening, screening_id),
                         db.session.get(Person, person_id), text, method=method, by="op1")
        db.session.commit()


def text_of(install, screening_id, person_id) -> str | None:
    with install.ctx() as db:
        return db.session.scalar(select(Reflection.text).where(
            Reflection.screening_id == screening_id, Reflection.person_id == person_id))


@pytest.fixture
def reflected(hub, new_site, tmp_path):
    ids = seed_hub(hub)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    sign_in(site, ids["screening"], ids["zhang"])
    write(site, ids["screening"], ids["zhang"], "学到了果树冬剪的要领。")
    return hub, site, ids


def test_a_reflection_reaches_the_hub_once_and_a_change_comes_back(reflected, tmp_path):
    hub, site, ids = reflected
    up = export(site, tmp_path / "up.zip")
    assert up["counts"]["reflections"] == 1
    assert import_(hub, tmp_path / "up.zip")["tables"]["reflections"]["inserted"] == 1
    again = export(site, tmp_path / "again.zip", full=True)
    assert again["counts"]["reflections"] == 1
    assert import_(hub, tmp_path / "again.zip")["inserted"] == 0
    assert count(hub, Reflection) == 1
    assert text_of(hub, ids["screening"], ids["zhang"]) == "学到了果树冬剪的要领。"

    # The officer corrects it at the hub: the site gets the newer words.
    write(hub, ids["screening"], ids["zhang"], "学到了果树冬剪和施肥的要领。", method="operator")
    export(hub, tmp_path / "down.zip", to="P-001")
    import_(site, tmp_path / "down.zip")
    assert text_of(site, ids["screening"], ids["zhang"]) == "学到了果树冬剪和施肥的要领。"
    assert count(site, Reflection) == 1


def test_a_reflection_on_another_sites_screening_is_refused(reflected, tmp_path):
    from app.models import Site
    from app.screenings.single import create_screening

    hub, site, ids = reflected
    with hub.ctx() as db:
        other = db.session.scalar(select(Site).where(Site.code == "P-002"))
        theirs, _w = create_screening(other, starts_at=START, ends_at=START + timedelta(hours=1),
                                      topic="西村的放映")
        db.session.commit()
        theirs_id = theirs.id
    export(site, tmp_path / "up.zip")
    manifest, data = members(tmp_path / "up.zip")
    row = json.loads(data["rows/reflections.jsonl"].decode().splitlines()[0])
    row.update(id=str(uuid.uuid4()), screening_id=str(theirs_id))
    data["rows/reflections.jsonl"] = (json.dumps(row) + "\n").encode()
    resign(tmp_path / "forged.zip", manifest, dict(data), site_key(site))
    with pytest.raises(Refused) as caught:
        import_(hub, tmp_path / "forged.zip")
    assert (caught.value.reason, caught.value.status) == ("claim", 403)
    assert count(hub, Reflection) == 0


def test_an_over_long_reflection_in_a_bundle_is_refused(reflected, tmp_path):
    hub, site, _ids = reflected
    export(site, tmp_path / "up.zip")
    manifest, data = members(tmp_path / "up.zip")
    row = json.loads(data["rows/reflections.jsonl"].decode().splitlines()[0])
    row["text"] = "长" * 1001
    data["rows/reflections.jsonl"] = (json.dumps(row) + "\n").encode()
    resign(tmp_path / "long.zip", manifest, dict(data), site_key(site))
    with pytest.raises(Refused) as caught:
        import_(hub, tmp_path / "long.zip")
    assert "1000" in caught.value.message
    assert count(hub, Reflection) == 0

"""Building a small network on the hub, and moving bundles between installs."""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

START = datetime(2026, 11, 6, 11, 30, tzinfo=UTC)  # 19:30 in Shanghai on the 6th


def seed_hub(hub) -> dict:
    """P-001 in 东村 with two villagers, an operator, a title and a screening planned."""
    from app.people.services import create_person
    from app.screenings.single import create_screening
    from tests import factories

    with hub.ctx() as db:
        site = factories.site("P-001", village="东村")
        factories.site("P-002", village="西村")
        factories.user("op1", "operator", site=site)
        title = factories.title("果树修剪技术")
        zhang = create_person("张三", village=site.unit, party_member=True)
        li = create_person("李四", village=site.unit)
        screening, _w = create_screening(site, starts_at=START, ends_at=START + timedelta(hours=1),
                                         topic="果树修剪", audience="party_members")
        db.session.commit()
        return {"site": site.id, "title": title.id, "zhang": zhang.id, "li": li.id,
                "screening": screening.id}


def enroll(hub, site, path, code: str = "P-001") -> dict:
    from app.sync.export import export_bundle
    from app.sync.importer import import_bundle
    from app.sync.services import enroll_peer

    with hub.ctx():
        enroll_peer(code)
        export_bundle(str(path), to=code, enroll=True)
    with site.ctx():
        return import_bundle(str(path))


def export(install, path, **kwargs) -> dict:
    from app.sync.export import export_bundle

    with install.ctx():
        return export_bundle(str(path), **kwargs)


def import_(install, path, **kwargs) -> dict:
    from app.sync.importer import import_bundle

    with install.ctx():
        return import_bundle(str(path), **kwargs)


def count(install, model, *where) -> int:
    with install.ctx() as db:
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def sign_in(install, screening_id, person_id, *, at: datetime | None = None, method="operator"):
    from app.attendance.services import sign_in as do_sign_in
    from app.models import Person, Screening

    with install.ctx() as db:
        screening = db.session.get(Screening, screening_id)
        person = db.session.get(Person, person_id)
        result = do_sign_in(screening, method=method, person=person, recorded_by="op1",
                            now=at or START + timedelta(minutes=5))
        db.session.commit()
        return result.attendance.id


# --- bundles taken apart and forged ------------------------------------------------------------

def members(path) -> tuple[dict, dict[str, bytes]]:
    with zipfile.ZipFile(path) as zf:
        data = {name: zf.read(name) for name in zf.namelist()}
    return json.loads(data["manifest.json"]), data


def rezip(path, data: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, body in data.items():
            zf.writestr(name, body)


def site_key(site) -> str:
    from app.models import SyncPeer

    with site.ctx() as db:
        return db.session.scalar(select(SyncPeer.key).where(SyncPeer.kind == "hub"))


def resign(path, manifest: dict, data: dict[str, bytes], key: str) -> None:
    """Rewrite a bundle as a forger holding the key would: part hashes and signature redone."""
    from app.sync.bundle import encode_manifest, sign

    for part in manifest["parts"]:
        body = data[f"rows/{part['name']}.jsonl"]
        part["bytes"], part["sha256"] = len(body), hashlib.sha256(body).hexdigest()
    data["manifest.json"] = encode_manifest(manifest)
    data["manifest.sig"] = sign(key, data["manifest.json"]).encode()
    rezip(path, data)

"""The sync pages: export to USB and upload on a site, every site's link on the hub, conflicts."""

from __future__ import annotations

import io
import os
import re
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.clock import now as utcnow
from app.models import Attendance, Bundle, Person, SyncConflict, SyncPeer
from tests.conftest import csrf_token
from tests.sync.helpers import count, enroll, seed_hub, sign_in

NAME = re.compile(r'filename="?(dianjiao-P-001-to-HUB-[0-9A-F]{8}-seq(\d+)-\d{8}\.zip)')


def client_of(install, username: str | None = None):
    """A browser on an install, logged in as `username` (factory password) when given."""
    from app.extensions import limiter

    limiter.reset()
    client = install.app.test_client()  # no app context is kept pushed: each request has its own
    if username:
        response = client.post("/login", data={"username": username, "password": "secret-pass-1",
                                               "csrf_token": csrf_token(client)})
        assert response.status_code == 302, response.get_data(as_text=True)
    return client


def add_user(install, username: str, role: str, *, site: str | None = None,
             township: str | None = None) -> None:
    from app.models import Site
    from tests import factories

    with install.ctx() as db:
        row = db.session.scalar(select(Site).where(Site.code == site)) if site else None
        factories.user(username, role, site=row, township=township)


def upload(client, data: bytes, name: str = "bundle.zip"):
    return client.post("/sync/import", data={
        "file": (io.BytesIO(data), name), "csrf_token": csrf_token(client, "/sync/")},
        content_type="multipart/form-data")


def page(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def linked(hub, new_site, tmp_path):
    """The hub with P-001 enrolled (a real site install), an admin on the hub, op1 at the site."""
    ids = seed_hub(hub)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    add_user(hub, "admin", "admin")
    return hub, site, ids


def test_a_bundle_downloaded_at_the_site_imports_at_the_hub(linked):
    hub, site, ids = linked
    sign_in(site, ids["screening"], ids["zhang"])
    browser = client_of(site, "op1")
    shown = page(browser.get("/sync/"))
    with hub.ctx() as db:
        hub_id = db.session.scalar(select(SyncPeer.code).where(SyncPeer.kind == "self"))
    assert hub_id in shown and "Export to USB" in shown and 'href="/sync/"' in shown  # nav link

    response = browser.post("/sync/export", data={"csrf_token": csrf_token(browser, "/sync/")})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    name, seq = NAME.search(response.headers["Content-Disposition"]).groups()
    assert name.startswith(f"dianjiao-P-001-to-{hub_id}-") and seq == "1"
    bundle = response.data

    admin = client_of(hub, "admin")
    imported = upload(admin, bundle, name)
    text = page(imported)
    assert imported.status_code == 200, text
    assert "Imported bundle 1 from P-001" in text and 'data-count="inserted">1<' in text
    assert count(hub, Attendance) == 1
    again = upload(admin, bundle, name)
    assert "Already imported" in page(again) and count(hub, Attendance) == 1

    # "Send everything again" makes a full bundle: the hub finds it all unchanged.
    full = browser.post("/sync/export", data={"csrf_token": csrf_token(browser, "/sync/"),
                                              "full": "y"})
    assert NAME.search(full.headers["Content-Disposition"]).group(2) == "2"
    text = page(upload(admin, full.data))
    assert 'data-count="inserted">0<' in text and count(hub, Attendance) == 1
    with hub.ctx() as db:
        peer = db.session.scalar(select(SyncPeer).where(SyncPeer.code == "P-001"))
        assert (peer.in_seq, peer.last_import_at is not None) == (2, True)
    # The site's page now shows its last bundle out.
    assert "number 2, made" in page(browser.get("/sync/"))


def _other_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("photos/1.jpg", b"\xff\xd8\xff\xe0")
    return buffer.getvalue()


@pytest.mark.parametrize("case", ["tampered", "empty", "not a zip", "other zip", "no file"])
def test_a_bad_upload_is_refused_plainly_and_changes_nothing(linked, case):
    hub, site, ids = linked
    sign_in(site, ids["screening"], ids["zhang"])
    browser = client_of(site, "op1")
    bundle = bytearray(browser.post("/sync/export", data={
        "csrf_token": csrf_token(browser, "/sync/")}).data)
    admin = client_of(hub, "admin")
    before = count(hub, Bundle)
    if case == "no file":
        response = admin.post("/sync/import", data={"csrf_token": csrf_token(admin, "/sync/")},
                              content_type="multipart/form-data")
        assert response.status_code == 422 and "Choose a bundle file." in page(response)
    else:
        if case == "tampered":
            bundle[len(bundle) // 2] ^= 0x01
        data = {"tampered": bytes(bundle), "empty": b"", "not a zip": b"name,village\n",
                "other zip": _other_zip()}[case]
        response = upload(admin, data)
        text = page(response)
        assert response.status_code == 422, text
        assert "Not imported" in text and "Traceback" not in text
        expected = {"tampered": "Copy it again|signature does not match",
                    "empty": "The file is empty",
                    "not a zip": "This file is not a Dianjiao sync bundle",
                    "other zip": "This file is not a Dianjiao sync bundle"}[case]
        assert re.search(expected, text), text
    assert count(hub, Bundle) == before and count(hub, Attendance) == 0
    with hub.ctx() as db:
        assert db.session.scalar(select(SyncPeer.in_seq).where(SyncPeer.code == "P-001")) == 0
    # The site's upload form refuses the same way.
    response = upload(browser, b"")
    assert response.status_code == 422 and "The file is empty" in page(response)


def test_a_revoked_site_is_refused_and_enrolling_again_needs_a_confirmation(linked):
    hub, site, ids = linked
    browser = client_of(site, "op1")
    bundle = browser.post("/sync/export", data={"csrf_token": csrf_token(browser, "/sync/")}).data
    admin = client_of(hub, "admin")
    token = csrf_token(admin, "/sync/")
    confirm = admin.get("/sync/sites/P-001/revoke")
    assert confirm.status_code == 200 and "Revoke P-001?" in page(confirm)
    unticked = admin.post("/sync/sites/P-001/revoke", data={"csrf_token": token})
    assert unticked.status_code == 422 and "Tick the box" in page(unticked)
    with hub.ctx() as db:
        assert db.session.scalar(select(SyncPeer.revoked_at).where(SyncPeer.code == "P-001")) is None
    done = admin.post("/sync/sites/P-001/revoke", data={"csrf_token": token, "confirm": "y"})
    assert done.status_code == 302
    refused = upload(admin, bundle)
    assert refused.status_code == 403 and "was revoked" in page(refused)
    assert count(hub, Bundle) == 0
    assert admin.post("/sync/sites/P-001/export", data={"csrf_token": token}).status_code == 409

    # A revoked site is enrolled again without a question; a live one only when confirmed.
    again = admin.post("/sync/sites/P-001/enroll", data={"csrf_token": token})
    assert again.status_code == 200 and again.mimetype == "application/zip"
    assert "-enroll-seq" in again.headers["Content-Disposition"]
    asked = admin.post("/sync/sites/P-001/enroll", data={"csrf_token": token})
    assert asked.mimetype == "text/html" and "Enroll P-001 again?" in page(asked)
    with hub.ctx() as db:
        assert db.session.scalar(select(SyncPeer.key_version).where(SyncPeer.code == "P-001")) == 2
    sure = admin.post("/sync/sites/P-001/enroll", data={"csrf_token": token, "confirm": "y",
                                                        "asked": "1"})
    assert sure.mimetype == "application/zip"
    # An enrolled site's page takes no enrollment bundle (one vouches only for itself).
    refused = upload(browser, sure.data)
    assert refused.status_code == 403 and "enrolled already" in page(refused)
    with site.ctx() as db:
        assert db.session.scalar(select(SyncPeer.key_version).where(SyncPeer.kind == "hub")) == 1


def test_a_fresh_install_is_enrolled_through_the_upload_page(hub, new_site):
    seed_hub(hub)
    add_user(hub, "admin", "admin")
    admin = client_of(hub, "admin")
    never = page(admin.get("/sync/"))
    assert "Sites never enrolled" in never and 'data-code="P-002"' in never
    response = admin.post("/sync/sites/P-001/enroll", data={"csrf_token": csrf_token(admin, "/sync/")})
    assert response.mimetype == "application/zip"
    fresh = new_site()
    add_user(fresh, "admin", "admin")  # as `dianjiao init` makes it
    local = client_of(fresh, "admin")
    result = upload(local, response.data, "enroll.zip")
    text = page(result)
    assert result.status_code == 200, text
    assert fresh.app.config["ROLE"] == "site" and "Export to USB" in text
    shown = page(admin.get("/sync/"))
    assert 'data-code="P-001"' in shown.split('id="never"')[0]


def test_an_enrollment_whose_settings_cannot_be_saved_is_finished_on_the_same_page(hub, new_site):
    """The page says to fix instance/config.py and upload the same bundle again: that works in
    the running app too (it stays a hub until its settings are saved, as the next start finds
    it, instead of turning away its own enrollment as "enrolled already")."""
    seed_hub(hub)
    add_user(hub, "admin", "admin")
    admin = client_of(hub, "admin")
    bundle = admin.post("/sync/sites/P-001/enroll",
                        data={"csrf_token": csrf_token(admin, "/sync/")}).data
    fresh = new_site()
    add_user(fresh, "admin", "admin")
    local = client_of(fresh, "admin")
    config = os.path.join(fresh.app.instance_path, "config.py")
    os.mkdir(config)  # a folder where the file should go: the write fails
    failed = page(upload(local, bundle, "enroll.zip"))
    assert "could not be saved" in failed and "Export to USB" not in failed
    os.rmdir(config)
    again = upload(local, bundle, "enroll.zip")
    assert again.status_code == 200 and "Export to USB" in page(again)
    saved = open(config, encoding="utf-8").read()
    assert 'ROLE = "site"' in saved and 'SITE = "P-001"' in saved


def _links(hub, ago: dict[str, int | None], revoked: tuple[str, ...] = ()) -> None:
    """Enroll sites on the hub with their last import `ago` days back (None: never)."""
    from app.sync.services import enroll_peer

    now = utcnow()
    with hub.ctx() as db:
        for code, days in ago.items():
            peer = enroll_peer(code)
            peer.created_at = now - timedelta(days=100)
            peer.last_import_at = None if days is None else now - timedelta(days=days)
            peer.revoked_at = now if code in revoked else None
        db.session.commit()


def _order(text: str) -> list[str]:
    table = text.split('id="links"')[1].split("</table>")[0]
    return re.findall(r'<tr class="[^"]*" data-code="([^"]+)"', table)


def test_the_hub_lists_sites_not_reporting_first_within_the_officers_township(hub):
    from tests import factories

    seed_hub(hub)  # P-001 and P-002 in 城关镇
    with hub.ctx():
        factories.site("P-003", township="河口乡", village="石桥村")
        factories.site("P-004", township="河口乡", village="石桥村")
    _links(hub, {"P-001": 1, "P-002": 30, "P-003": 60})  # P-004 never enrolled
    add_user(hub, "admin", "admin")
    add_user(hub, "town", "township", township="城关镇")
    admin = client_of(hub, "admin")
    text = page(admin.get("/sync/"))
    assert _order(text) == ["P-003", "P-002", "P-001"]
    assert 'class="bad" data-code="P-003"' in text and 'class="" data-code="P-001"' in text
    assert "not reporting for 30 days" in text and 'data-code="P-004"' in text
    assert _order(page(admin.get("/sync/?days=45"))) == ["P-003", "P-001", "P-002"]
    wrong = admin.get("/sync/?days=soon")
    assert wrong.status_code == 422 and "Days must be a whole number" in page(wrong)

    officer = client_of(hub, "town")
    text = page(officer.get("/sync/"))
    assert _order(text) == ["P-002", "P-001"]
    assert "P-003" not in text and "P-004" not in text and "Export bundle" not in text
    token = csrf_token(officer, "/sync/")
    for action in ("enroll", "export", "rotate", "revoke"):
        for code in ("P-001", "P-003"):
            assert officer.post(f"/sync/sites/{code}/{action}",
                                data={"csrf_token": token}).status_code == 403, (action, code)
    assert officer.get("/sync/sites/P-003/revoke").status_code == 403


def test_an_officer_imports_only_bundles_of_the_township(hub, new_site, tmp_path):
    from tests import factories

    seed_hub(hub)
    with hub.ctx():
        factories.site("P-003", township="河口乡", village="石桥村")
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip", code="P-003")
    add_user(site, "admin3", "admin")
    local = client_of(site, "admin3")
    bundle = local.post("/sync/export", data={"csrf_token": csrf_token(local, "/sync/")})
    add_user(hub, "town", "township", township="城关镇")
    officer = client_of(hub, "town")
    refused = upload(officer, bundle.data)
    assert refused.status_code == 403 and "not one of your sites" in page(refused)
    assert count(hub, Bundle) == 0
    add_user(hub, "river", "township", township="河口乡")
    accepted = upload(client_of(hub, "river"), bundle.data)
    assert accepted.status_code == 200 and "Imported bundle 1 from P-003" in page(accepted)


def test_admin_actions_are_refused_to_officers_and_operators(linked):
    hub, site, _ids = linked
    add_user(hub, "op-hub", "operator", site="P-001")
    operator = client_of(hub, "op-hub")
    assert operator.get("/sync/").status_code == 403
    assert operator.get("/sync/conflicts").status_code == 403
    token = csrf_token(operator, "/sync/")  # the language switch of every page has one
    for action in ("enroll", "export", "rotate", "revoke"):
        assert operator.post(f"/sync/sites/P-001/{action}",
                             data={"csrf_token": token}).status_code == 403
    assert operator.post("/sync/import", data={"csrf_token": token}).status_code == 403
    # At the site its operator syncs, but has no hub's actions; the hub's pages are not there.
    local = client_of(site, "op1")
    token = csrf_token(local, "/sync/")
    assert local.post("/sync/sites/P-001/rotate", data={"csrf_token": token}).status_code == 403
    add_user(site, "admin1", "admin")
    local_admin = client_of(site, "admin1")
    assert local_admin.post("/sync/sites/P-001/rotate", data={
        "csrf_token": csrf_token(local_admin, "/sync/")}).status_code == 404
    with hub.ctx() as db:
        assert db.session.scalar(select(SyncPeer.key_version).where(SyncPeer.code == "P-001")) == 1


def test_every_form_needs_its_csrf_token(linked):
    hub, site, _ids = linked
    admin = client_of(hub, "admin")
    admin.get("/sync/")
    for url in ("/sync/sites/P-001/rotate", "/sync/sites/P-001/export", "/sync/sites/P-001/enroll",
                "/sync/sites/P-001/revoke"):
        assert admin.post(url, data={"confirm": "y"}).status_code == 400, url
    assert admin.post("/sync/import", data={"file": (io.BytesIO(b"PK"), "b.zip")},
                      content_type="multipart/form-data").status_code == 400
    with hub.ctx() as db:
        peer = db.session.scalar(select(SyncPeer).where(SyncPeer.code == "P-001"))
        assert (peer.key_version, peer.revoked_at, peer.out_seq) == (1, None, 1)
    local = client_of(site, "op1")
    assert local.post("/sync/export").status_code == 400
    with site.ctx() as db:
        assert db.session.scalar(select(SyncPeer.out_seq).where(SyncPeer.kind == "hub")) == 0


def test_the_conflicts_page_shows_a_field_changed_on_both_sides(linked):
    from tests import factories

    hub, site, ids = linked
    with hub.ctx() as db:
        db.session.get(Person, ids["zhang"]).phone = "13900000002"
        db.session.commit()
    with site.ctx() as db:  # later, at the site
        db.session.get(Person, ids["zhang"]).phone = "13800000001"
        db.session.commit()
    browser = client_of(site, "op1")
    bundle = browser.post("/sync/export", data={"csrf_token": csrf_token(browser, "/sync/")}).data
    admin = client_of(hub, "admin")
    result = page(upload(admin, bundle))
    assert 'data-count="conflicts">1<' in result
    with hub.ctx() as db:
        assert db.session.get(Person, ids["zhang"]).phone == "13800000001"  # the newer change
        assert db.session.scalar(select(SyncConflict.field)) == "phone"
    text = page(admin.get("/sync/conflicts"))
    row = text.split('id="conflicts"')[1]
    for shown in ("P-001", "people", str(ids["zhang"]), "phone", "13900000002", "13800000001",
                  "Kept\">the bundle", "the newer change"):
        assert shown in row, shown
    add_user(hub, "town", "township", township="城关镇")
    assert "13800000001" in page(client_of(hub, "town").get("/sync/conflicts"))
    with hub.ctx():
        factories.site("P-003", township="河口乡", village="石桥村")
    add_user(hub, "river", "township", township="河口乡")
    assert "No conflicts." in page(client_of(hub, "river").get("/sync/conflicts"))
    # Newest first, a page at a time.
    with hub.ctx() as db:
        first = db.session.scalar(select(SyncConflict))
        db.session.add(SyncConflict(peer="P-001", bundle_digest="0" * 64, table="screenings",
                                    row_id=ids["screening"], field="status", local_value="done",
                                    incoming_value="cancelled", kept="local", reason="forward",
                                    created_at=first.created_at + timedelta(seconds=1)))
        db.session.commit()
    hub.app.config["PAGE_SIZE"] = 1
    text = page(admin.get("/sync/conflicts"))
    assert "cancelled" in text and "13800000001" not in text and "Page 1 of 2" in text
    assert "13800000001" in page(admin.get("/sync/conflicts?page=2"))


def test_not_reporting_lists_silent_sites_longest_first(hub):
    from app.sync.status import not_reporting
    from tests import factories

    seed_hub(hub)
    with hub.ctx():
        for code in ("P-003", "P-004", "P-005"):
            factories.site(code, township="河口乡", village="石桥村")
    _links(hub, {"P-001": 3, "P-002": 20, "P-003": 40, "P-004": None, "P-005": 50},
           revoked=("P-005",))
    with hub.ctx() as db:  # P-004 was enrolled 100 days ago and never sent a bundle
        now = utcnow()
        rows = not_reporting(14, now)
        assert [(r["code"], r["days"], r["never"]) for r in rows] == [
            ("P-004", 100, True), ("P-003", 40, False), ("P-002", 20, False)]
        assert [r["code"] for r in not_reporting(30, now)] == ["P-004", "P-003"]
        assert [r["code"] for r in not_reporting(14, now, codes=["P-001", "P-002"])] == ["P-002"]
        # A site enrolled yesterday has not been silent for 14 days yet.
        db.session.execute(update(SyncPeer).where(SyncPeer.code == "P-004")
                           .values(created_at=now - timedelta(days=1)))
        db.session.commit()
        assert [r["code"] for r in not_reporting(14, now)] == ["P-003", "P-002"]


def test_the_hub_page_at_the_networks_size_puts_the_import_form_first_and_pages(hub):
    """With many sites never enrolled the page stays short: the bundle import form comes first,
    the never-enrolled sites show 20 at a time with a pager, and a search finds one by code or
    name (the demo network's page was 90,000 px tall with the form at the very bottom)."""
    from tests import factories

    seed_hub(hub)
    with hub.ctx():
        for n in range(45):
            factories.site(f"X-{n:03d}", name=f"远村{n:03d}")
    add_user(hub, "admin", "admin")
    admin = client_of(hub, "admin")
    html = page(admin.get("/sync/"))
    assert html.index('type="file"') < html.index('id="links"') < html.index('id="never"')
    never = html.split('id="never-list"', 1)[1].split("</table>", 1)[0]
    assert never.count("data-code=") == 20
    assert 'id="never-pager"' in html
    last = page(admin.get("/sync/?never_page=3"))  # P-001, P-002 and 45 more: 20, 20, 7
    assert last.split('id="never-list"', 1)[1].split("</table>", 1)[0].count("data-code=") == 7
    found = page(admin.get("/sync/?q=X-007"))
    rows = found.split('id="never-list"', 1)[1].split("</table>", 1)[0]
    assert rows.count("data-code=") == 1 and 'data-code="X-007"' in rows
    by_name = page(admin.get("/sync/?q=远村012"))
    assert 'data-code="X-012"' in by_name.split('id="never-list"', 1)[1]

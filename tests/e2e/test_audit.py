"""Evidence at the hub, end to end: P-004, a fresh install enrolled by bundle, holds a screening
whose player saved three black snapshots (the screening-ended hook makes their thumbnails and
audits it); its operator adds a photo of the room from the screening page; the site's bundle goes
to the hub, whose Audit page lists the screening with the thumbnails and the photo, and shows its
evidence side by side, where the admin confirms the flag."""

from __future__ import annotations

import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.audit.pictures import jpeg

from .conftest import ADMIN_PASSWORD, LIVE, LOCALES, login, served

pytestmark = pytest.mark.browser

# Run in the site's install: a screening of P-004 held yesterday, what played, three black
# snapshots where the player leaves them, then the signal the player sends when it ends.
HELD_AT_SITE = """
import io, os, sys
from datetime import timedelta
from PIL import Image
from sqlalchemy import select
from app import create_app
from app.clock import now
from app.extensions import db
from app.models import PlayLog, Site
from app.player.services import snapshot_path
from app.screenings.single import create_screening
from app.signals import screening_ended

app = create_app(pages=False)
with app.app_context():
    site = db.session.scalar(select(Site).where(Site.code == "P-004"))
    start = now() - timedelta(days=1)
    s, _w = create_screening(site, starts_at=start, ends_at=start + timedelta(hours=1),
                             topic="E2E 审计放映", audience="all", force=True)
    s.status = "done"
    db.session.add(PlayLog(site_id=site.id, screening_id=s.id, started_at=start,
                           ended_at=start + timedelta(minutes=55), played_s=3300,
                           outcome="completed"))
    db.session.commit()
    os.makedirs(os.path.join(app.instance_path, "snapshots"), exist_ok=True)
    for label in ("start", "middle", "end"):
        Image.new("RGB", (640, 360), (0, 0, 0)).save(snapshot_path(app, s.id, label), "PNG")
    screening_ended.send(app, screening_id=s.id)
    print(s.id)
"""


def cli(env: dict, *args: str) -> str:
    done = subprocess.run([LIVE["dianjiao"], *args], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_thumbnails_and_a_room_photo_travel_to_the_hub_s_audit_page(
        live_server, browser, logged_in, tmp_path, shoot):
    hub_env = LIVE["env"]
    enroll = tmp_path / "enroll-P-004.zip"
    cli(hub_env, "sync", "enroll", "P-004", "--to", str(enroll))
    instance = tmp_path / "site"
    instance.mkdir()
    site_env = {**hub_env, "DIANJIAO_INSTANCE": str(instance)}
    cli(site_env, "init")
    cli(site_env, "sync", "import", str(enroll))
    # P-004 (not P-003, whose week of silence the Terminals test reads on this shared hub) has
    # no demo operator: one made at the site's own install.
    cli(site_env, "users", "add", "op-p004", "--role", "operator", "--site", "P-004",
        "--password", "demo-pass-1")
    held = subprocess.run([sys.executable, "-c", HELD_AT_SITE], env=site_env, capture_output=True,
                          text=True, timeout=300)
    assert held.returncode == 0, held.stderr
    screening_id = held.stdout.split()[-1]
    photo = tmp_path / "room.jpg"
    photo.write_bytes(jpeg(size=(2400, 1800), exif=True))
    with served(site_env, tmp_path / "site.log") as site_url:
        site = browser.new_context(base_url=site_url, locale=LOCALES["en"])
        site.set_default_timeout(60_000)
        op = site.new_page()
        login(op, "op-p004", "demo-pass-1")
        op.goto(f"/screenings/{screening_id}")
        op.set_input_files("#room-photos input[type=file]", str(photo))
        op.locator("#room-photos button").click()
        expect(op.locator("main")).to_contain_text("The photo was added")
        expect(op.locator("#room-photos img")).to_have_count(1)
        site.close()
    up = tmp_path / "P-004.zip"
    cli(site_env, "sync", "export", "--to", str(up))
    cli(hub_env, "sync", "import", str(up))

    hub = browser.new_context(base_url=live_server, locale=LOCALES["en"],
                              storage_state=logged_in("admin", ADMIN_PASSWORD))
    hub.set_default_timeout(60_000)
    page = hub.new_page()
    page.goto("/audit")
    row = page.locator(f"tr[data-screening='{screening_id}']")
    expect(row).to_contain_text("E2E 审计放映")
    expect(row.locator("li[data-code=frozen_or_black]")).to_have_count(1)
    expect(row.locator("img[data-kind=snapshot]")).to_have_count(3)
    expect(row.locator("img[data-kind=photo]")).to_have_count(1)
    for img in row.locator("img").all():  # the pictures themselves arrived, not only their rows
        img.scroll_into_view_if_needed()  # they load lazily
        page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=img.element_handle())
    shoot(page, "audit")
    row.locator("a").first.click()
    expect(page.locator("#audit-pictures figure")).to_have_count(4)
    expect(page.locator("#audit-plays")).to_contain_text("55:00")
    box = page.locator("#flag-frozen_or_black")
    box.locator("input[value=confirmed]").check()
    box.locator("textarea[name=note]").fill("the TV was off")
    box.locator("button").click()
    expect(page.locator("#flag-frozen_or_black")).to_have_attribute("data-state", "confirmed")
    shoot(page, "audit-screening")
    hub.close()

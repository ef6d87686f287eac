"""A teaching plan end to end: 城关镇's officer issues it through the form on the hub; P-001, a
fresh install enrolled by bundle, receives its screenings; its operator moves one within the
window and cancels another giving a reason, at the site's own server; the site's bundle goes back
to the hub, whose plan progress page and P-001's monthly report card show both."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from .conftest import LIVE, LOCALES, login, served

pytestmark = pytest.mark.browser

TZ = ZoneInfo("Asia/Shanghai")


def cli(env: dict, *args: str) -> str:
    done = subprocess.run([LIVE["dianjiao"], *args], env=env, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr
    return done.stdout


def in_english(page) -> None:
    """Make the login's saved language English: other tests may have left it Chinese, and the
    saved language wins over the browser's."""
    page.goto("/")
    switch = page.locator("#lang-switch")
    if switch.inner_text().strip() == "English":
        switch.click()
        expect(page.locator("#lang-switch")).to_have_text("中文")


def test_a_plan_goes_to_a_site_and_its_move_and_cancellation_come_back(
        live_server, browser, logged_in, tmp_path, shoot):
    today = datetime.now(TZ).date()
    first, second = today + timedelta(days=3), today + timedelta(days=6)
    name = f"E2E 教学计划 {datetime.now(TZ):%H%M%S}"
    hub = browser.new_context(base_url=live_server, locale=LOCALES["en"],
                              storage_state=logged_in("chengguan"))
    hub.set_default_timeout(60_000)  # the whole suite may run beside it
    page = hub.new_page()
    in_english(page)
    page.goto("/teaching-plans/new")
    page.fill("input[name=name]", name)
    page.fill("input[name=starts_on]", today.isoformat())
    page.fill("input[name=ends_on]", (today + timedelta(days=20)).isoformat())
    expect(page.locator("input[name=townships]")).to_have_value("城关镇")
    page.fill("input[name=topic-0]", "E2E 果树冬季管理")
    page.select_option("select[name=rule-0]", "dates")
    page.fill("input[name=dates-0]", f"{first}, {second}")
    page.fill("input[name=start-0]", "07:10")
    page.fill("input[name=minutes-0]", "60")
    picker = page.locator("fieldset[data-picker=titles-0]")
    picker.locator("input[name=titles-0_q]").press_sequentially("gsxj")
    expect(picker.locator("ul.results button.active .name")).to_have_text("果树修剪技术")
    picker.locator("input[name=titles-0_q]").press("Enter")
    expect(picker.locator("ol.chosen .name")).to_have_text(["果树修剪技术"])
    page.locator("#plan-form button.primary").click()
    expect(page.locator("h1")).to_have_text(name)
    progress_url = page.locator("a.button", has_text="Progress").get_attribute("href")

    hub_env = LIVE["env"]
    enroll = tmp_path / "enroll-P-001.zip"
    cli(hub_env, "sync", "enroll", "P-001", "--to", str(enroll))
    instance = tmp_path / "site"
    instance.mkdir()
    site_env = {**hub_env, "DIANJIAO_INSTANCE": str(instance)}
    cli(site_env, "init")
    cli(site_env, "sync", "import", str(enroll))
    with served(site_env, tmp_path / "site.log") as site_url:
        site = browser.new_context(base_url=site_url, locale=LOCALES["en"])
        site.set_default_timeout(60_000)
        op = site.new_page()
        login(op, "op-p001")
        in_english(op)
        listed = op.request.get("/api/v1/screenings?site=P-001&limit=500").json()["items"]
        mine = sorted((s for s in listed if s["topic"] == "E2E 果树冬季管理"),
                      key=lambda s: s["starts_at"])
        assert len(mine) == 2 and mine[0]["teaching_plan"]["name"] == name
        moved_id, cancelled_id = mine[0]["id"], mine[1]["id"]
        op.goto(f"/screenings/{moved_id}/edit")
        op.fill("input[name=day]", (first + timedelta(days=1)).isoformat())
        op.locator("button[name=action][value=save]").click()
        expect(op.locator("#teaching-plan")).to_contain_text("moved by the site")
        op.goto(f"/screenings/{cancelled_id}")
        op.fill("input[name=reason]", "停电")
        op.locator("form[action$='/cancel'] button").click()
        expect(op.locator("main")).to_contain_text("停电")
        site.close()
    up = tmp_path / "P-001.zip"
    cli(site_env, "sync", "export", "--to", str(up))
    cli(hub_env, "sync", "import", str(up))

    page.goto(progress_url)
    expect(page.locator("tr.outcome-moved", has_text="P-001")).to_have_count(1)
    cancelled = page.locator("tr.outcome-cancelled", has_text="P-001")
    expect(cancelled).to_contain_text("停电")
    shoot(page, "teaching-plan-progress")
    page.goto(f"/reports/monthly?site=P-001&month={second:%Y-%m}")
    expect(page.locator("#fig-plans")).to_contain_text("0 of 1")
    shoot(page, "teaching-plan-card")
    hub.close()

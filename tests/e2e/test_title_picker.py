"""The planning form's title picker in Chromium, in Chinese and English: an operator types `gs`,
adds two titles with the keyboard, moves the second up and saves, on a page at most two screens
tall at 1366x768 (the demo catalog holds 300 titles; the form once listed them all)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

TZ = ZoneInfo("Asia/Shanghai")
SCREEN = {"width": 1366, "height": 768}
HELD = "果树修剪技术"  # held at P-001: the first result of "gs"
SECOND = "白沙乡红色故事"  # approved, not held at P-001: 故事 is g s
# free slots the day after tomorrow (the demo plans nothing then before 19:30)
SLOT = {"zh": ("08:00", "09:30"), "en": ("10:00", "11:30")}
TEXT = {
    "zh": {"planned": "放映已安排。", "cancel": "取消这场放映"},
    "en": {"planned": "Screening planned.", "cancel": "Cancel this screening"},
}


def later() -> date:
    return datetime.now(TZ).date() + timedelta(days=2)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_plan_by_typing_gs_ordering_two_titles(new_page, logged_in, lang, shoot):
    page = new_page(lang, storage_state=logged_in("op-p001"), viewport=SCREEN)
    page.goto(f"/sites/P-001/screenings/new?date={later().isoformat()}")
    start, end = SLOT[lang]
    page.locator("input[name=start]").fill(start)
    page.locator("input[name=end]").fill(end)
    page.locator("input[name=topic]").fill(f"选片 {lang}")

    picker = page.locator("fieldset.picker")
    results, chosen = picker.locator("ul.results button"), picker.locator("ol.chosen > li")
    search = picker.locator("input[name=titles_q]")
    search.press_sequentially("gs")
    active = picker.locator("ul.results button.active .name")
    expect(active).to_have_text(HELD)  # the first result of the search is marked
    expect(results.first.locator(".name")).to_have_text(HELD)
    search.press("Enter")
    expect(chosen.locator(".name")).to_have_text([HELD])
    expect(results.filter(has_text=HELD)).to_have_count(0)  # chosen, no longer offered
    expect(active).to_have_text(SECOND)  # the next result is marked
    search.press("ArrowDown")
    expect(active).not_to_have_text(SECOND)
    search.press("ArrowUp")
    expect(active).to_have_text(SECOND)
    search.press("Enter")
    expect(chosen.locator(".name")).to_have_text([HELD, SECOND])
    expect(search).to_be_focused()
    chosen.nth(1).locator("button.up").click()
    expect(chosen.locator(".name")).to_have_text([SECOND, HELD])
    expect(picker.locator(".slot")).to_have_text("1:30:00")
    expect(picker.locator(".sum")).to_have_text(re.compile(r"^0:3\d:\d\d$"))  # 38 min + 6 s
    expect(picker.locator(".over")).to_be_hidden()

    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 2 * SCREEN["height"], height
    shoot(page, f"title-picker-{lang}")

    page.locator("button[name=action][value=save]").click()
    expect(page).to_have_url(re.compile(r"/screenings/[0-9a-f-]{36}$"))
    expect(page.locator(".flash.success").first).to_contain_text(TEXT[lang]["planned"])
    expect(page.locator("h2 + ol li")).to_have_text([SECOND, HELD])
    page.get_by_role("button", name=TEXT[lang]["cancel"]).click()  # leave the demo as it was


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_picker_works_without_a_script(new_page, logged_in, lang):
    page = new_page(lang, storage_state=logged_in("op-p001"), java_script_enabled=False)
    page.goto(f"/sites/P-001/screenings/new?date={later().isoformat()}")
    picker = page.locator("fieldset.picker")
    picker.locator("input[name=titles_q]").fill("gs")
    picker.locator("input[name=titles_q]").press("Enter")  # the Search button is the default
    results = picker.locator("ul.results button")
    expect(results.filter(has_text="家乡的变化")).to_have_count(0)  # held here, not "gs"
    expect(results.first.locator(".name")).to_have_text(HELD)
    results.first.click()
    chosen = picker.locator("ol.chosen > li")
    expect(chosen.locator(".name")).to_have_text([HELD])
    results.filter(has_text=SECOND).click()
    expect(chosen.locator(".name")).to_have_text([HELD, SECOND])
    chosen.nth(1).locator("button.up").click()
    expect(chosen.locator(".name")).to_have_text([SECOND, HELD])
    chosen.nth(0).locator("button.remove").click()
    expect(chosen.locator(".name")).to_have_text([HELD])
    expect(page.locator("input[name=titles_q]")).to_have_value("gs")

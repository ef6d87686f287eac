"""The roll-call's people picker in Chromium, in Chinese and English: P-001's operator types the
pinyin initials `zs`, walks the results with the arrow keys to 周顺 of 西村 (the same township,
not expected at a screening of 东村), adds him with Enter and saves: he is marked present."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import planned_open_screening

pytestmark = pytest.mark.browser

WANTED, VILLAGE = "周顺", "西村"
TEXT = {"zh": {"save": "保存点名", "present": "出席"},
        "en": {"save": "Save the roll-call", "present": "present"}}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_add_someone_by_pinyin_initials_with_the_keyboard(new_page, logged_in, lang):
    with planned_open_screening(new_page, logged_in, f"E2E 选人 {lang}") as screening_id:
        page = new_page(lang, storage_state=logged_in("op-p001"))
        page.goto(f"/screenings/{screening_id}/rollcall")
        roll = page.locator("ul.roll > li")
        expect(roll.filter(has_text=WANTED)).to_have_count(0)  # 西村 is not expected here

        picker = page.locator("fieldset[data-picker=people]")
        search = picker.locator("input[name=people_q]")
        search.press_sequentially("zs")
        results = picker.locator("ul.results button")
        wanted = results.filter(has_text=WANTED).filter(has_text=VILLAGE)
        expect(wanted).to_have_count(1)
        expect(results.first.locator(".line")).to_contain_text("东村")  # its own village first
        names = results.locator(".name").all_inner_texts()
        for _step in range(names.index(WANTED)):
            search.press("ArrowDown")
        expect(picker.locator("ul.results button.active .name")).to_have_text(WANTED)
        search.press("Enter")
        expect(picker.locator("ol.chosen > li .name")).to_have_text([WANTED])
        expect(wanted).to_have_count(0)  # chosen, no longer offered
        expect(search).to_be_focused()

        page.get_by_role("button", name=TEXT[lang]["save"]).click()
        expect(page.locator(".flash.success").first).to_be_visible()
        row = roll.filter(has_text=WANTED)
        expect(row).to_have_count(1)
        expect(row.locator("input[type=radio][value=present]")).to_be_checked()

"""The hub's Terminals page in Chromium, on the demo (P-002's player crashed and its disk is
nearly full, P-003 has not been heard from for a week; P-001 is this install's own TV)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import ADMIN_PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_terminals_page_shows_the_alerts_worst_first(new_page, logged_in, lang, shoot):
    page = new_page(lang, storage_state=logged_in("admin", ADMIN_PASSWORD),
                    viewport={"width": 1280, "height": 900})
    page.goto("/")
    page.locator("header nav a[href='/terminals']").click()
    rows = page.locator("#terminals tbody tr")
    expect(rows.first).to_have_attribute("data-site", "P-003")  # silent: the worst
    expect(page.locator("tr[data-site=P-003]")).to_have_attribute("data-alerts", "silent")
    p002 = page.locator("tr[data-site=P-002]")
    expect(p002).to_have_attribute("data-alerts", "player_faults disk_low")
    expect(p002).to_have_class("bad")
    if lang == "en":
        expect(p002.locator("td.problems")).to_contain_text("the player stopped 2 times")
        expect(page.locator("tr[data-site=P-003] td.problems")).to_contain_text(
            "not heard from for 7 days")
    expect(page.locator("tr[data-site=P-001]")).to_be_visible()  # serve's own report
    shoot(page, f"terminals-{lang}")


def test_terminals_page_fits_a_phone(new_page, logged_in, shoot):
    page = new_page("zh", storage_state=logged_in("admin", ADMIN_PASSWORD), **PHONE)
    page.goto("/terminals")
    expect(page.locator("tr[data-site=P-002] td.problems")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shoot(page, "terminals-mobile-zh")

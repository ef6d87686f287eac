"""Pages once wider than a 360 px phone: the party members below the study target (its by-site
table) and the kiosk in English (its walk-in form), in both languages at 360×640."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import ADMIN_PASSWORD, planned_open_screening

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True}
TOPIC = "E2E 窄屏签到"


@pytest.fixture
def open_screening(new_page, logged_in):
    """A screening at P-001 whose sign-in window is open now (conftest.planned_open_screening)."""
    with planned_open_screening(new_page, logged_in, TOPIC) as screening_id:
        yield screening_id


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_below_target_fits_a_phone(new_page, logged_in, lang, shoot):
    page = new_page(lang, storage_state=logged_in("admin", ADMIN_PASSWORD), **PHONE)
    page.goto("/people/below-target")
    expect(page.locator("#by-site tbody tr").first).to_be_visible()
    assert scroll_width(page) <= 360
    # a name in the by-site table is not broken one character per line
    name = page.locator("#by-site tbody td a").first
    font_size = name.evaluate("a => parseFloat(getComputedStyle(a).fontSize)")
    assert name.bounding_box()["height"] < 2 * font_size
    shoot(page, f"below-target-mobile-{lang}")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_kiosk_fits_a_phone(new_page, logged_in, open_screening, lang, shoot):
    page = new_page(lang, storage_state=logged_in("kiosk-p001"), **PHONE)
    page.goto("/kiosk")
    expect(page.locator(".kiosk-topic")).to_contain_text(TOPIC)
    page.locator("#kiosk-walkin summary").click()
    expect(page.locator("input[name=walkin_name]")).to_be_visible()
    assert scroll_width(page) <= 360
    box = page.locator("input[name=walkin_name]").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    shoot(page, f"kiosk-mobile-{lang}")

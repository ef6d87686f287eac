"""The administrator's sync page at the demo network's scale (about 1,600 sites, none enrolled)
in Chromium, in Chinese and English: under three screens tall at 1366x768, with the bundle
import form first. It once listed every never-enrolled site on one page, 90,662 px tall."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import ADMIN_PASSWORD

pytestmark = pytest.mark.browser

SCREEN = {"width": 1366, "height": 768}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_sync_page_is_under_three_screens_tall(new_page, logged_in, lang):
    page = new_page(lang, storage_state=logged_in("admin", ADMIN_PASSWORD), viewport=SCREEN)
    page.goto("/sync/")
    never = page.locator("#never-list tbody tr")
    expect(never.first).to_be_visible()
    assert never.count() < 100  # a page of them, not the whole network
    upload = page.locator("input[type=file]")
    expect(upload).to_be_visible()
    assert upload.bounding_box()["y"] < SCREEN["height"]  # the import form on the first screen
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 3 * SCREEN["height"], height

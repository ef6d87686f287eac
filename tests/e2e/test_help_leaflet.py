"""Each role's guide in Chromium, in Chinese and English: it fits a 360 px phone, and its print
layout (A4, no menu, no buttons) fits one page, in type large enough for a village office wall."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import ADMIN_PASSWORD, DEMO_PASSWORD

pytestmark = pytest.mark.browser

LOGINS = {"operator": ("op-p001", DEMO_PASSWORD), "township": ("chengguan", DEMO_PASSWORD),
          "admin": ("admin", ADMIN_PASSWORD), "attendee": ("kiosk-p001", DEMO_PASSWORD)}
PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")  # a page object, not the /Pages tree


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("guide", ["operator", "township", "admin", "attendee"])
def test_the_printed_guide_is_one_a4_page(new_page, logged_in, guide, lang):
    page = new_page(lang, storage_state=logged_in(*LOGINS[guide]))
    page.goto("/")
    if guide == "attendee":  # a kiosk folds its staff links away
        page.locator("#kiosk-staff summary").click()
    page.locator("#help-link").click()  # every page links the login's own guide
    expect(page).to_have_url(re.compile(rf"/help/{guide}$"))
    page.wait_for_load_state("load")  # help.css too: a busy CI machine once measured without it
    expect(page.locator("[data-print]")).to_be_visible()
    page.set_viewport_size({"width": 360, "height": 640})  # read on a phone, too
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()  # no menu on the leaflet
    expect(page.locator("[data-print]")).to_be_hidden()
    type_pt = page.locator("#guide li").first.evaluate(
        "li => parseFloat(getComputedStyle(li).fontSize) * 0.75")  # CSS px to points
    assert type_pt >= 12.5  # large type: at least 12.5 pt
    pdf = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    assert len(PAGE.findall(pdf)) == 1

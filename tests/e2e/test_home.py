"""Each role's home page in Chromium on the demo network, in Chinese and English: the operator's
day, the township officer's week (its alerts first), the administrator's townships; each fits a
360 px phone. With DIANJIAO_SCREENSHOTS=docs/screenshots it writes home-{role}-{lang}.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import ADMIN_PASSWORD, DEMO_PASSWORD

pytestmark = pytest.mark.browser

USERS = {"operator": ("op-p001", DEMO_PASSWORD), "township": ("chengguan", DEMO_PASSWORD),
         "admin": ("admin", ADMIN_PASSWORD)}
DESK = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True}
HEADINGS = {"zh": {"operator": "今天", "township": "本周", "admin": "概览"},
            "en": {"operator": "Today", "township": "This week", "admin": "Overview"}}


def _open(new_page, logged_in, role: str, lang: str, **options):
    page = new_page(lang, storage_state=logged_in(*USERS[role]), **options)
    page.goto("/")
    return page


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_operator_lands_on_today(new_page, logged_in, lang, shoot):
    page = _open(new_page, logged_in, "operator", lang, **DESK)
    expect(page.locator("h1")).to_contain_text(HEADINGS[lang]["operator"])
    expect(page.locator("h1")).to_contain_text("P-001")
    upcoming = page.locator("#next-screening")
    expect(upcoming.locator("#next-playlist li").first).to_be_visible()
    assert upcoming.locator("#start-sign-in").get_attribute("href").endswith("/rollcall")
    expect(page.locator("#week tbody tr")).to_have_count(7)
    shoot(page, f"home-operator-{lang}")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_township_officer_lands_on_its_alerts(new_page, logged_in, lang, shoot):
    page = _open(new_page, logged_in, "township", lang, **DESK)
    expect(page.locator("h1")).to_contain_text(HEADINGS[lang]["township"])
    expect(page.locator("main section").first).to_have_attribute("id", "home-alerts")
    rows = page.locator("#home-alerts #alerts tbody tr")
    expect(rows.first).to_be_visible()
    for code in rows.evaluate_all("rows => rows.map(r => r.dataset.site)"):
        site = page.request.get(f"/sites/{code}")
        assert site.status == 200, code  # a site of its own township
    expect(page.locator("#per-day tbody tr")).to_have_count(7)
    shoot(page, f"home-township-{lang}")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_administrator_lands_on_the_townships(new_page, logged_in, lang, shoot):
    page = _open(new_page, logged_in, "admin", lang, **DESK)
    expect(page.locator("h1")).to_have_text(HEADINGS[lang]["admin"])
    total = page.locator("#network tfoot td.sites")
    expect(total).to_have_text(re.compile(r"^1[0-9]{3}$"))  # the demo network's ~1,600 sites
    assert page.locator("#network tbody tr").count() > 3
    shoot(page, f"home-admin-{lang}")


@pytest.mark.parametrize("role", ["operator", "township", "admin"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_home_pages_fit_a_phone(new_page, logged_in, role, lang):
    page = _open(new_page, logged_in, role, lang, **PHONE)
    expect(page.locator("h1")).to_contain_text(HEADINGS[lang][role])
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

"""Pages once wider than a 360 px phone: the party members below the study target (its by-site
table) and the kiosk in English (its walk-in form), in both languages at 360×640."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from .conftest import ADMIN_PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True}
TOPIC = "E2E 窄屏签到"


@pytest.fixture
def open_screening(new_page, logged_in):
    """A screening at P-001 whose sign-in window is open now, cancelled afterwards (as in
    test_kiosk: it starts in 20 minutes, so the player never starts it)."""
    admin = new_page("zh", storage_state=logged_in("admin", ADMIN_PASSWORD))
    admin.goto("/")
    token = admin.locator("input[name=csrf_token]").first.get_attribute("value")
    now = datetime.now(UTC)
    response = admin.request.post("/api/v1/screenings", headers={"X-CSRFToken": token}, data={
        "site": "P-001", "topic": TOPIC, "force": True,
        "starts_at": (now + timedelta(minutes=20)).isoformat(),
        "ends_at": (now + timedelta(minutes=80)).isoformat()})
    assert response.status == 201, response.text()
    yield response.json()["id"]
    response = admin.request.patch(f"/api/v1/screenings/{response.json()['id']}",
                                   headers={"X-CSRFToken": token}, data={"status": "cancelled"})
    assert response.status == 200, response.text()


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

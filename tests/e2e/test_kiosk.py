"""The kiosk and the phone sign-in in Chromium: type `zs`, tap 张三, the count shows 1, undo, sign
again; `zs` finds 周顺 of the next village only with "someone from another village" ticked; then a
phone follows the QR code, signs in, and a second attempt says already signed."""

from __future__ import annotations

import html
import re

import pytest
from playwright.sync_api import expect

from .conftest import planned_open_screening

pytestmark = pytest.mark.browser

TOPIC = "E2E 签到"


@pytest.fixture
def open_screening(new_page, logged_in):
    """A screening at P-001 whose sign-in window is open now (conftest.planned_open_screening)."""
    with planned_open_screening(new_page, logged_in, TOPIC) as screening_id:
        yield screening_id


def tap_name(page, letters: str, name: str) -> None:
    search = page.locator("#kiosk-q")
    search.press_sequentially(letters, delay=50)
    button = page.locator("#kiosk-results button.person", has_text=name)
    expect(button.first).to_be_visible()
    button.first.click()


def test_kiosk_and_phone(new_page, logged_in, open_screening, shoot):
    kiosk = new_page("zh", storage_state=logged_in("kiosk-p001"),
                     viewport={"width": 1024, "height": 768}, has_touch=True)
    kiosk.goto("/kiosk")
    expect(kiosk.locator("h1")).to_have_text("东村播放点")
    expect(kiosk.locator(".kiosk-topic")).to_contain_text(TOPIC)
    count = kiosk.locator("#kiosk-count")
    expect(count).to_have_text("0")
    assert kiosk.locator("#kiosk-qr").evaluate("img => img.complete && img.naturalWidth > 0")

    # type `zs`, tap 张三: the name large, the count 1
    tap_name(kiosk, "zs", "张三")
    result = kiosk.locator("#kiosk-result")
    expect(result).to_be_visible()
    expect(result).to_have_class(re.compile(r"\bnew\b"))
    expect(kiosk.locator("#kiosk-name")).to_have_text("张三")
    expect(count).to_have_text("1")
    expect(kiosk.locator("#kiosk-undo")).to_be_visible()
    expect(kiosk.locator("#kiosk-q")).to_have_value("")
    shoot(kiosk, "kiosk-zh")

    # undo: gone, the count back to 0; then sign again
    kiosk.locator("#kiosk-undo button").click()
    expect(result).to_be_hidden()
    expect(count).to_have_text("0")
    tap_name(kiosk, "zs", "张三")
    expect(kiosk.locator("#kiosk-name")).to_have_text("张三")
    expect(count).to_have_text("1")
    # the same person again: already signed, no undo, still 1
    tap_name(kiosk, "zhangsan", "张三")
    expect(result).to_have_class(re.compile(r"\balready\b"))
    expect(kiosk.locator("#kiosk-undo")).to_be_hidden()
    expect(count).to_have_text("1")

    # `zs` offers the people of the site's village (东村); 周顺 of 西村, the same township, only
    # once "someone from another village" is ticked, with the village beside each name
    kiosk.locator("#kiosk-q").press_sequentially("zs", delay=50)
    people = kiosk.locator("#kiosk-results button.person")
    expect(people.filter(has_text="张三").first).to_be_visible()
    expect(people.filter(has_text="东村").first).to_be_visible()
    expect(people.filter(has_text="周顺")).to_have_count(0)
    other = kiosk.locator("#kiosk-other")
    expect(other).to_be_visible()
    other.check()
    expect(people.filter(has_text="周顺").filter(has_text="西村")).to_have_count(1)
    expect(people.first).to_contain_text("东村")  # the screening's own village first
    other.uncheck()
    expect(people.filter(has_text="周顺")).to_have_count(0)
    kiosk.locator("#kiosk-q").fill("")

    # the phone follows the QR code shown on the kiosk (its title is the address it encodes)
    svg = kiosk.request.get(f"/screenings/{open_screening}/qr.svg").text()
    link = html.unescape(re.search(r"<title>([^<]+)</title>", svg).group(1))
    assert re.search(rf"/s/{open_screening}/[0-9a-f]{{12}}$", link)
    phone = new_page("zh", viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True)
    phone.goto(link)
    expect(phone).to_have_url(re.compile(rf"/s/{open_screening}$"))
    expect(phone.locator("h1")).to_have_text(TOPIC)

    def phone_tap(letters: str, name: str):
        phone.locator("#phone-q").fill(letters)
        phone.locator(".phone-search button").click()
        phone.locator("#phone-results button", has_text=name).click()

    phone_tap("wds", "王大山")
    expect(phone.locator("#phone-result")).to_have_attribute("data-state", "signed")
    expect(phone.locator("#phone-result")).to_contain_text("王大山")
    shoot(phone, "phone-zh")
    expect(count).to_have_text("2")  # the kiosk's live count

    phone.goto(f"/s/{open_screening}")
    expect(phone.locator("#phone-mine")).to_contain_text("王大山")
    phone_tap("王大山", "王大山")
    expect(phone.locator("#phone-result")).to_have_attribute("data-state", "already")
    phone.goto(f"/s/{open_screening}")
    phone_tap("zs", "张三")  # a second person from the same phone is refused
    expect(phone.locator("#phone-result")).to_have_attribute("data-state", "refused")
    expect(count).to_have_text("2")

    # a made-up code is refused with the plain "scan again" page
    response = phone.goto(re.sub(r"[0-9a-f]{12}$", "0" * 12, link))
    assert response is not None and response.status == 403


def test_a_person_marked_absent_signs_in_with_no_undo(new_page, logged_in, open_screening):
    """Roll-call marked 王大山 absent; he comes after all and taps his name: signed in (new), and
    no Undo is offered, since the earlier mark is gone (the server would refuse it)."""
    from .conftest import ADMIN_PASSWORD

    admin = new_page("zh", storage_state=logged_in("admin", ADMIN_PASSWORD))
    admin.goto("/")
    token = admin.locator("input[name=csrf_token]").first.get_attribute("value")
    found = admin.request.get("/api/v1/people?q=wds").json()["items"]
    person = next(p for p in found if p["name"] == "王大山")
    marked = admin.request.post(f"/api/v1/screenings/{open_screening}/attendance",
                                headers={"X-CSRFToken": token},
                                data={"person_id": person["id"], "status": "absent"})
    assert marked.status == 201, marked.text()

    kiosk = new_page("zh", storage_state=logged_in("kiosk-p001"),
                     viewport={"width": 1024, "height": 768}, has_touch=True)
    kiosk.goto("/kiosk")
    tap_name(kiosk, "wds", "王大山")
    result = kiosk.locator("#kiosk-result")
    expect(result).to_have_class(re.compile(r"\bnew\b"))
    expect(kiosk.locator("#kiosk-name")).to_have_text("王大山")
    expect(kiosk.locator("#kiosk-undo")).to_be_hidden()

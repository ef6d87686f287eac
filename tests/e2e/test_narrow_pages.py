"""Pages once wider than a 360 px phone: the party members below the study target (its by-site
table), the kiosk in English (its walk-in form), the unassigned files (a long path and the attach
form) and a batch's receipt sheet (its seven columns), in both languages at 360×640."""

from __future__ import annotations

import re

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
    page.wait_for_load_state("load")  # a page reached by a click may not have its stylesheet yet
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


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_planning_form_fits_a_phone(new_page, logged_in, lang, shoot):
    """The English labels and the playlist's long title lines once pushed the page sideways."""
    page = new_page(lang, storage_state=logged_in("admin", ADMIN_PASSWORD), **PHONE)
    page.goto("/sites/P-001/screenings/new")
    expect(page.locator("input[name=topic]")).to_be_visible()
    assert scroll_width(page) <= 360
    page.locator("details.advanced summary").click()  # the raw rule is folded away
    for name in ("day", "start", "end", "topic", "titles_q", "repeat", "rule", "notes"):
        box = page.locator(f"[name={name}]").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, (name, box)
    shoot(page, f"planning-form-mobile-{lang}")


def fits(page, width: int = 360) -> None:
    """Nothing in main sticks out sideways: the page does not scroll, and no box is cut off.
    Measured once the page has loaded (scroll_width): a page reached by a click can show its rows
    before its stylesheet applies, and an unstyled table is wider than the phone."""
    assert scroll_width(page) <= width
    wider = page.evaluate("""w => [...document.querySelectorAll('main *')]
        .filter(e => e.getBoundingClientRect().right > w + 0.5)
        .map(e => e.tagName + '.' + e.className)""", width)
    assert wider == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_unassigned_files_fit_a_phone(new_page, logged_in, lang, shoot):
    page = new_page(lang, storage_state=logged_in("admin", ADMIN_PASSWORD), **PHONE)
    page.goto("/files/unassigned")
    row = page.locator("table.list tbody tr").first
    expect(row).to_contain_text("MPEGAV/AVSEQ01.DAT")
    fits(page)
    # the attach form is usable: its field and button are on screen, the field not squeezed
    field, button = row.locator("input[name=title]"), row.locator("form button")
    for box in (field.bounding_box(), button.bounding_box()):
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    assert field.bounding_box()["width"] >= 150
    shoot(page, f"unassigned-mobile-{lang}")


def receipt_sheet(page) -> None:
    """Open the receipt sheet of the first township of the newest batch."""
    page.goto("/distribution/")
    page.locator("main table a[href*='/distribution/batches/']").first.click()
    page.locator("a[href*='/receipt']").first.click()
    expect(page.locator("table.sheet-table tbody tr").first).to_be_visible()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_receipt_sheet_fits_a_phone_and_prints_as_a_table(new_page, logged_in, lang, shoot):
    page = new_page(lang, storage_state=logged_in("admin", ADMIN_PASSWORD), **PHONE)
    receipt_sheet(page)
    fits(page)
    # a kit reads across: its serial and its site are not squeezed one character per line
    row = page.locator("table.sheet-table tbody tr").first
    for part in (row.locator("code"), row.locator("td").nth(2)):
        font_size = part.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        assert part.bounding_box()["height"] < 2 * font_size
    shoot(page, f"receipt-mobile-{lang}")
    # printed on A4 (210 mm less 2 × 12 mm of margin, at 96 px an inch) it stays a ruled table
    a4 = round(186 / 25.4 * 96)
    page.set_viewport_size({"width": a4, "height": 1000})
    page.emulate_media(media="print")
    table = page.locator("table.sheet-table").first
    assert table.evaluate("t => getComputedStyle(t).display") == "table"
    assert table.locator("thead").evaluate("h => getComputedStyle(h).display") == "table-header-group"
    assert table.locator("tbody td").first.evaluate("d => getComputedStyle(d).display") == "table-cell"
    fits(page, a4)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_batch_page_fits_a_phone(new_page, logged_in, lang, shoot):
    """The print links of a township (dispatch list, receipt sheet, kit labels) were one
    unbreakable row in English, a few pixels wider than the phone."""
    page = new_page(lang, storage_state=logged_in("admin", ADMIN_PASSWORD), **PHONE)
    page.goto("/distribution/")
    page.locator("main table a[href*='/distribution/batches/']").first.click()
    expect(page.locator("#kits tbody tr").first).to_be_visible()
    fits(page)
    shoot(page, f"batch-mobile-{lang}")


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
NOT_PAGES = re.compile(r"logout|export|download|/api/|\.(csv|xlsx|ics|svg|png|zip|txt)\b|/feed|/paper")


@pytest.mark.parametrize("user", ["op-p001", "chengguan"])
def test_every_page_a_role_reaches_fits_a_phone(new_page, logged_in, user):
    """Follow the links from the home page, one page of each kind (ids aside), as an operator
    and a township officer, in English (the wider language): none scrolls sideways at 360 px
    (a select as wide as its longest choice did)."""
    page = new_page("en", storage_state=logged_in(user), **PHONE)
    todo, kinds, wide = ["/"], set(), []
    while todo:
        url = todo.pop(0)
        kind = UUID.sub("ID", url.split("?")[0])
        if kind in kinds:
            continue
        kinds.add(kind)
        response = page.goto(url)
        if response is None or response.status != 200 or "html" not in response.headers.get(
                "content-type", ""):
            continue
        if scroll_width(page) > 360:
            wide.append((url, scroll_width(page)))
        for href in page.eval_on_selector_all("a[href^='/']", "as => as.map(a => a.getAttribute('href'))"):
            href = href.split("#")[0]
            if not NOT_PAGES.search(href) and UUID.sub("ID", href.split("?")[0]) not in kinds:
                todo.append(href)
    assert len(kinds) > 15 and wide == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_new_teaching_plan_form_fits_a_phone(new_page, logged_in, lang, shoot):
    """Its titles are picked with the shared picker by pinyin initials, not from a long list box."""
    page = new_page(lang, storage_state=logged_in("chengguan"), **PHONE)
    page.goto("/teaching-plans/new")
    expect(page.locator("input[name=name]")).to_be_visible()
    fits(page)
    picker = page.locator("fieldset[data-picker=titles-0]")
    picker.locator("input[name=titles-0_q]").press_sequentially("gsxj")
    expect(picker.locator("ul.results button.active .name")).to_have_text("果树修剪技术")
    picker.locator("input[name=titles-0_q]").press("Enter")
    expect(picker.locator("ol.chosen .name")).to_have_text(["果树修剪技术"])
    fits(page)
    shoot(page, f"teaching-plan-form-mobile-{lang}")

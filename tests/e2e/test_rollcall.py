"""The operator's roll-call in Chromium: a screening at P-001 for everyone lists the people of 东村;
mark 张三 present (sign-in has opened), 王大山 and 李秀英 excused, save, the counts follow and the
marks stay after a reload; absent is refused before the start; then on a 360×740 phone the marks
are big enough to tap and nothing scrolls sideways."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from .conftest import ADMIN_PASSWORD

pytestmark = pytest.mark.browser

# The demo's active people of 东村 (P-001's village), in the roster's order (by initials).
EAST_VILLAGE = ["陈桂兰", "黄德明", "刘建国", "李秀英", "王大山", "杨志刚", "张三", "赵玉梅"]
MARKS = {"张三": "present", "王大山": "excused", "李秀英": "excused"}  # before the start

TEXT = {
    "zh": {"rollcall": "点名", "everyone": "全体", "save": "保存点名",
           "present": "出席", "late": "迟到", "excused": "请假", "absent": "缺席",
           "not_marked": "未登记", "method": "点名",
           "saved": "已保存：{n} 人的签到状态有改动。", "saved_1": "已保存：1 人的签到状态有改动。",
           "too_early": "放映还没有开始"},
    "en": {"rollcall": "Roll-call", "everyone": "Everyone", "save": "Save the roll-call",
           "present": "present", "late": "late", "excused": "excused", "absent": "absent",
           "not_marked": "not marked", "method": "roll-call",
           "saved": "Saved: {n} marks changed.", "saved_1": "Saved: 1 mark changed.",
           "too_early": "The screening has not started yet"},
}


@pytest.fixture(params=["zh", "en"])
def lang(request) -> str:
    return request.param


@pytest.fixture
def screening(new_page, logged_in, lang):
    """A screening at P-001 for everyone, planned through the API as admin and cancelled afterwards
    so later tests find no open screening. It starts in 20 minutes, so the player never starts it
    and the sign-in window is still open (nobody is marked absent automatically)."""
    admin = new_page("zh", storage_state=logged_in("admin", ADMIN_PASSWORD))
    admin.goto("/")
    token = admin.locator("input[name=csrf_token]").first.get_attribute("value")
    now = datetime.now(UTC)
    topic = f"E2E 点名 {lang}"
    response = admin.request.post("/api/v1/screenings", headers={"X-CSRFToken": token}, data={
        "site": "P-001", "topic": topic, "audience": "all", "force": True,
        "starts_at": (now + timedelta(minutes=20)).isoformat(),
        "ends_at": (now + timedelta(minutes=80)).isoformat()})
    assert response.status == 201, response.text()
    screening_id = response.json()["id"]
    yield screening_id, topic
    response = admin.request.patch(f"/api/v1/screenings/{screening_id}",
                                   headers={"X-CSRFToken": token}, data={"status": "cancelled"})
    assert response.status == 200, response.text()


def person_row(page, name: str):
    return page.locator("ul.roll > li").filter(
        has=page.locator("b.name", has_text=re.compile(rf"^{name}$")))


def mark(page, name: str, label: str):
    return person_row(page, name).get_by_role("radio", name=label, exact=True)


def count(page, status: str):
    return page.locator(f"#count-{status} b")


def expect_counts(page, **expected: int) -> None:
    for status, number in expected.items():
        expect(count(page, status)).to_have_text(str(number))


def test_rollcall_mark_save_reload(new_page, logged_in, screening, lang, shoot):
    screening_id, topic = screening
    t = TEXT[lang]
    page = new_page(lang, storage_state=logged_in("op-p001"))
    page.goto(f"/screenings/{screening_id}")
    page.locator("#attendance-links").get_by_role("link", name=t["rollcall"], exact=True).click()
    expect(page).to_have_url(re.compile(rf"/screenings/{screening_id}/rollcall$"))
    expect(page.locator("h1")).to_have_text(f"{t['rollcall']} {topic}")
    expect(page.locator(".screening-line")).to_contain_text(f"P-001) · {t['everyone']}")

    # Everyone of 东村 is expected, nobody marked yet.
    expect(page.locator("ul.roll > li b.name")).to_have_text(EAST_VILLAGE)
    expect(page.locator("ul.roll > li.unmarked")).to_have_count(len(EAST_VILLAGE))
    expect(page.locator("ul.roll input[type=radio]:checked")).to_have_count(0)
    expect(person_row(page, "张三").locator(".how")).to_have_text(t["not_marked"])
    expect_counts(page, expected=len(EAST_VILLAGE), present=0, late=0, excused=0, absent=0,
                  unmarked=len(EAST_VILLAGE))

    for name, status in MARKS.items():
        mark(page, name, t[status]).check()
        expect(mark(page, name, t[status])).to_be_checked()
    page.get_by_role("button", name=t["save"], exact=True).click()

    expect(page.locator(".flash.success")).to_have_text(t["saved"].format(n=len(MARKS)))
    expect_counts(page, expected=len(EAST_VILLAGE), present=1, late=0, excused=2, absent=0,
                  unmarked=len(EAST_VILLAGE) - len(MARKS))
    for name, status in MARKS.items():
        row = person_row(page, name)
        expect(row).to_have_class(re.compile(rf"\b{status}\b"))
        expect(row.locator(".how")).to_contain_text(t["method"])
        expect(row.locator(".how")).to_contain_text("op-p001")
    shoot(page, f"rollcall-{lang}")

    # The marks are saved: a reload shows them again, and saving unchanged changes nothing.
    page.reload()
    for name, status in MARKS.items():
        expect(mark(page, name, t[status])).to_be_checked()
    expect(page.locator("ul.roll input[type=radio]:checked")).to_have_count(len(MARKS))
    expect(person_row(page, "杨志刚")).to_have_class(re.compile(r"\bunmarked\b"))
    expect_counts(page, present=1, excused=2, absent=0, unmarked=len(EAST_VILLAGE) - len(MARKS))
    page.get_by_role("button", name=t["save"], exact=True).click()
    expect(page.locator(".flash.success")).to_have_text(t["saved"].format(n=0))
    expect_counts(page, present=1, excused=2, absent=0)
    # Nobody is absent from a screening that has not started: the mark is refused, said plainly.
    mark(page, "杨志刚", t["absent"]).check()
    page.get_by_role("button", name=t["save"], exact=True).click()
    expect(page.locator(".flash.error")).to_contain_text(t["too_early"])
    expect_counts(page, present=1, excused=2, absent=0)

    # On a 360×740 phone: no sideways scrolling, every mark a finger-sized target on screen, and
    # tapping one marks that person (李秀英 comes after all: present, not excused).
    phone = new_page(lang, storage_state=logged_in("op-p001"),
                     viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    phone.goto(f"/screenings/{screening_id}/rollcall")
    expect(phone.locator("ul.roll > li")).to_have_count(len(EAST_VILLAGE))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    for label in phone.locator("ul.roll label.mark").all():
        box = label.bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box
        assert box["height"] >= 44 and box["width"] >= 44, box
    came = person_row(phone, "李秀英").locator("label.mark.present")
    came.scroll_into_view_if_needed()
    came.tap()
    expect(mark(phone, "李秀英", t["present"])).to_be_checked()
    expect(mark(phone, "李秀英", t["excused"])).not_to_be_checked()
    save = phone.get_by_role("button", name=t["save"], exact=True)
    expect(save).to_be_in_viewport()  # the save bar sticks to the bottom of the screen
    save.tap()
    expect(phone.locator(".flash.success")).to_have_text(t["saved_1"])
    expect_counts(phone, present=2, late=0, excused=1, absent=0)
    expect(mark(phone, "李秀英", t["present"])).to_be_checked()
    phone.wait_for_load_state("load")  # measured with the stylesheet applied
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    shoot(phone, f"rollcall-phone-{lang}")

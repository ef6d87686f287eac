"""Screenings in Chromium: a site's week and month calendar, planning one through the form with
its checks, its page and cancelling it, and the township's day-by-day view.

The demo plans (see app/demo.py) are relative to today in Asia/Shanghai: a 6th/16th/26th study
plan at 19:30 from today on, and one-off screenings two days ago (done), tomorrow and in three days.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shown

pytestmark = pytest.mark.browser

TZ = ZoneInfo("Asia/Shanghai")  # the server's DIANJIAO_TIMEZONE default
STUDY = "党员集中学习日"
ONE_OFFS = [  # days from today, start, end, topic, status (as the demo made them)
    (-2, "09:00", "10:00", "冬季果树管理", "done"),
    (1, "14:00", "15:00", "科学养殖讲座", "planned"),
    (3, "19:00", "20:00", "村规民约学习", "planned"),
]
HELD = "果树修剪技术"  # held at P-001 and approved: a playlist with no problems

TEXT = {
    "zh": {
        "calendar": "放映 · 东村播放点 P-001", "nav": "放映", "week": "周", "month": "月",
        "later": "向后", "today": "今天", "plan": "安排放映",
        "weekdays": "周一 周二 周三 周四 周五 周六 周日",
        "done": "已完成", "planned": "已安排", "cancelled": "已取消",
        "form": "安排放映 · 东村播放点", "check": "检查", "save": "保存", "checks": "检查结果",
        "overlap": "与本站点的“科学养殖讲座”时间冲突。", "conflict": "本站点在这个时间已有别的放映。",
        "ok": "没有发现问题。", "planned_flash": "放映已安排。", "playlist": "播放列表",
        "cancel": "取消这场放映", "cancelled_flash": "放映已取消。", "no_logs": "还没有播放记录。",
        "township": "放映 · 城关镇", "site": "站点", "idle": "这几天有 4 个站点没有放映。",
    },
    "en": {
        "calendar": "Screenings · 东村播放点 P-001", "nav": "Screenings", "week": "Week",
        "month": "Month", "later": "Later", "today": "Today", "plan": "Plan a screening",
        "weekdays": "Mon Tue Wed Thu Fri Sat Sun",
        "done": "done", "planned": "planned", "cancelled": "cancelled",
        "form": "Plan a screening · 东村播放点", "check": "Check", "save": "Save", "checks": "Checks",
        "overlap": "Overlaps 科学养殖讲座 at this site.",
        "conflict": "Another screening at this site overlaps this time.",
        "ok": "No problems found.", "planned_flash": "Screening planned.", "playlist": "Playlist",
        "cancel": "Cancel this screening", "cancelled_flash": "Screening cancelled.",
        "no_logs": "Nothing has played yet.",
        "township": "Screenings · 城关镇", "site": "Site",
        "idle": "4 sites have no screening these days.",
    },
}
# A free slot tomorrow for each language (the demo's 科学养殖讲座 is 14:00-15:00 tomorrow, a
# study day would be 19:30-21:00), so the two runs never meet even if one fails before cancelling.
FREE = {"zh": ("16:00", "16:45"), "en": ("17:00", "17:45")}


def today() -> date:
    return datetime.now(TZ).date()


def week_of(day: date) -> list[date]:
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=i) for i in range(7)]


def study_days(first: date, last: date) -> list[date]:
    """The 6th/16th/26th from today on (the plan starts today at 19:30) within [first, last]."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [d for d in days if d.day in (6, 16, 26) and d >= today()]


def week_day(page, day: date):
    return page.locator(f"ol.week > li[data-day='{day.isoformat()}']")


def month_cell(page, day: date):
    return page.locator("table.month td").filter(
        has=page.locator("b", has_text=re.compile(rf"^{day.day}$")))


@pytest.fixture(params=["zh", "en"])
def lang(request) -> str:
    return request.param


@pytest.fixture
def operator(new_page, logged_in, lang):
    return new_page(lang, storage_state=logged_in("op-p001"))


def expect_week_shows_demo(page, t: dict, shown: list[date]) -> int:
    """The demo screenings on the days of `shown`; returns how many there were."""
    found = 0
    for offset, start, end, topic, status in ONE_OFFS:
        day = today() + timedelta(days=offset)
        if day in shown:
            event = week_day(page, day).locator("a.event", has_text=topic)
            expect(event).to_have_text(re.compile(rf"^{start}–{end} {topic} {t[status]}"))
            expect(event).to_have_class(re.compile(rf"\b{status}\b"))
            found += 1
    for day in study_days(shown[0], shown[-1]):
        expect(week_day(page, day).locator("a.event", has_text=STUDY)).to_contain_text("19:30–21:00")
        found += 1
    return found


def test_site_calendar_week_and_month(operator, lang, shoot):
    page, t = operator, TEXT[lang]
    page.goto("/")
    page.locator("header nav").get_by_role("link", name=t["nav"], exact=True).click()
    expect(page).to_have_url(re.compile(r"/sites/P-001/screenings$"))
    expect(page.locator("h1")).to_have_text(t["calendar"])
    expect(page.get_by_role("link", name=t["plan"])).to_be_visible()

    # This week, Monday first, today outlined, with the demo screenings of these days.
    week = week_of(today())
    days = page.locator("ol.week > li")
    expect(days.locator("h3")).to_have_text(
        [f"{shown(d, lang)} {name}" for d, name in zip(week, t["weekdays"].split(), strict=True)])
    expect(page.locator("ol.week > li.today h3")).to_contain_text(shown(today(), lang))
    assert expect_week_shows_demo(page, t, week) >= 1  # two days ago or tomorrow is always here
    shoot(page, f"calendar-week-{lang}")
    tomorrow = today() + timedelta(days=1)
    if tomorrow not in week:  # today is Sunday: tomorrow's lecture is next week
        page.get_by_role("link", name=t["later"]).click()
        expect_week_shows_demo(page, t, week_of(tomorrow))
    expect(week_day(page, tomorrow)).to_contain_text("14:00–15:00 科学养殖讲座")

    # This month: the study days still to come (today's included) and today outlined.
    page.get_by_role("link", name=t["month"], exact=True).click()
    expect(page).to_have_url(re.compile(r"view=month"))
    expect(page.locator("table.month thead th")).to_have_text(t["weekdays"].split())
    expect(page.locator("table.month td.today b")).to_have_text(str(today().day))
    first = today().replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    for day in study_days(first, last):
        expect(month_cell(page, day).locator("a.event")).to_contain_text([f"19:30 {STUDY}"])
    shoot(page, f"calendar-month-{lang}")

    # Next month holds exactly the 6th, 16th and 26th of the plan.
    page.get_by_role("link", name=t["later"]).click()
    expect(page).to_have_url(re.compile(r"view=month"))
    study = page.locator("table.month a.event", has_text=STUDY)
    expect(study).to_have_count(3)
    expect(study).to_have_text([f"19:30 {STUDY}"] * 3)
    for day in (6, 16, 26):
        cell = page.locator("table.month td").filter(
            has=page.locator("b", has_text=re.compile(rf"^{day}$")))
        expect(cell.locator("a.event", has_text=STUDY)).to_have_count(1)
    page.locator("main").get_by_role("link", name=t["today"], exact=True).click()  # not the menu
    expect(page.locator("table.month td.today")).to_have_count(1)


def test_plan_check_save_and_cancel(operator, lang, shoot):
    page, t = operator, TEXT[lang]
    tomorrow = today() + timedelta(days=1)
    topic = f"E2E 放映 {lang}"
    page.goto(f"/sites/P-001/screenings?date={tomorrow.isoformat()}")
    page.get_by_role("link", name=t["plan"]).click()
    expect(page).to_have_url(re.compile(rf"/sites/P-001/screenings/new\?date={tomorrow}"))
    expect(page.locator("h1")).to_have_text(t["form"])
    expect(page.locator(".checks")).to_have_count(0)
    expect(page.locator("input[name=day]")).to_have_value(tomorrow.isoformat())

    # Half an hour into tomorrow's 14:00-15:00 lecture: the check warns of the overlap.
    page.locator("input[name=start]").fill("14:30")
    page.locator("input[name=end]").fill("15:30")
    page.locator("input[name=topic]").fill(topic)
    page.locator("fieldset.picker ul.results button", has_text=HELD).click()  # held here: listed
    expect(page.locator("fieldset.picker ol.chosen .name")).to_have_text([HELD])
    page.get_by_role("button", name=t["check"], exact=True).click()
    checks = page.locator(".checks")
    expect(checks.locator("h2")).to_have_text(t["checks"])
    expect(checks.locator("li.warn")).to_have_text([t["overlap"]])
    # what was typed and ticked is still there
    expect(page.locator("input[name=topic]")).to_have_value(topic)
    expect(page.locator("input[name=start]")).to_have_value("14:30")
    expect(page.locator("fieldset.picker ol.chosen .name")).to_have_text([HELD])
    shoot(page, f"screening-form-{lang}")

    # Saving it anyway (not forced) is refused with the same reason.
    page.get_by_role("button", name=t["save"], exact=True).click()
    expect(page).to_have_url(re.compile(r"/screenings/new"))
    expect(checks.locator("li.warn")).to_have_text([t["conflict"], t["overlap"]])

    # A free slot: no problems; then save.
    start, end = FREE[lang]
    page.locator("input[name=start]").fill(start)
    page.locator("input[name=end]").fill(end)
    page.get_by_role("button", name=t["check"], exact=True).click()
    expect(checks.locator(".ok")).to_have_text(t["ok"])
    expect(checks.locator("li.warn")).to_have_count(0)
    page.get_by_role("button", name=t["save"], exact=True).click()

    expect(page).to_have_url(re.compile(r"/screenings/[0-9a-f-]{36}$"))
    expect(page.locator(".flash.success")).to_have_text(t["planned_flash"])
    expect(page.locator("h1")).to_have_text(topic)
    main = page.locator("main")
    starts = datetime.combine(tomorrow, datetime.strptime(start, "%H:%M").time())
    expect(main).to_contain_text(f"{shown(starts, lang, 'datetime')}–{end}")
    expect(main.locator(".status")).to_have_text(t["planned"])
    expect(page.locator("h2", has_text=t["playlist"])).to_be_visible()
    expect(page.locator("h2 + ol li")).to_have_text([HELD])
    expect(main).to_contain_text(t["no_logs"])
    screening_url = page.url

    page.get_by_role("button", name=t["cancel"]).click()
    expect(page.locator(".flash.success")).to_have_text(t["cancelled_flash"])
    expect(page).to_have_url(screening_url)
    expect(main.locator(".status")).to_have_text(t["cancelled"])
    expect(page.get_by_role("button", name=t["cancel"])).to_have_count(0)

    # The calendar keeps it, struck through.
    page.goto(f"/sites/P-001/screenings?date={tomorrow.isoformat()}")
    event = week_day(page, tomorrow).locator("a.event", has_text=topic)
    expect(event).to_have_class(re.compile(r"\bcancelled\b"))
    expect(event).to_have_text(f"{start}–{end} {topic} {t['cancelled']}")


def test_township_day_by_day(new_page, logged_in, shoot):
    page = new_page("zh", storage_state=logged_in("chengguan"))
    page.goto("/")
    page.locator("header nav").get_by_role("link", name="放映", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/townships/{quote('城关镇')}/screenings$"))
    days = [today() + timedelta(days=i) for i in range(7)]
    try:
        for lang in ("zh", "en"):
            t = TEXT[lang]
            expect(page.locator("h1")).to_have_text(t["township"])
            expect(page.locator("table.township thead th")).to_have_text(
                [t["site"]] + [re.compile("^" + re.escape(shown(d, lang))) for d in days])
            rows = page.locator("table.township tbody tr")
            expect(rows).to_have_count(1)  # only P-001 has screenings; the idle sites are counted
            expect(rows.first.locator("td").first).to_have_text("P-001 东村播放点")
            cells = rows.first.locator("td")
            expect(cells.nth(2)).to_contain_text("14:00 科学养殖讲座")
            expect(cells.nth(4)).to_contain_text("19:00 村规民约学习")
            for day in study_days(days[0], days[-1]):
                expect(cells.nth(days.index(day) + 1)).to_contain_text(f"19:30 {STUDY}")
            expect(page.locator("main")).to_contain_text(t["idle"])
            shoot(page, f"township-{lang}")
            page.locator("#lang-switch").click()  # saved on the user: switched back below
        expect(page.locator("h1")).to_have_text(TEXT["zh"]["township"])
    finally:
        if page.locator("html").get_attribute("lang") == "en":
            page.locator("#lang-switch").click()

    # Each event opens the screening's page.
    page.locator("table.township a.event", has_text="科学养殖讲座").click()
    expect(page.locator("h1")).to_have_text("科学养殖讲座")
    expect(page.locator("h2 + ol li")).to_have_text(["生猪科学养殖", "水稻病虫害防治"])

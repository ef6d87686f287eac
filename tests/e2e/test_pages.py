"""The main pages in Chromium, in Chinese and English, as the demo users see them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import ADMIN_PASSWORD, DEMO_PASSWORD

pytestmark = pytest.mark.browser

# What each page says, in the words of messages.po (zh) and of the templates (en).
TEXT = {
    "zh": {
        "nav": ["概览", "站点", "节目", "未归类文件"],
        "township_nav": ["站点", "节目", "人员"],
        "switch": "English",
        "overview": "概览", "titles_stat": "节目总数", "by_kind": "各类站点数量",
        "playback_point": "播放点",
        "sites": "站点", "all_kinds": "全部类型", "all_townships": "全部乡镇", "filter": "筛选",
        "lineage": "播放点 · 示范市 › 城关镇 › 东村", "library_button": "片库: 6 个视频",
        "titles_here": "本站点的节目",
        "titles": "节目", "search": "搜索", "series": "农村实用科技", "topic": "种植",
        "held_at": "存放站点", "holder": "P-001 东村播放点 — 1 个文件",
        "approved": "已审核，可放映",
        "unassigned": "未归类文件", "unassigned_lead": "扫描发现、尚未归入任何节目的视频。",
        "make_title": "用此文件新建节目",
        "library": "片库 · 柳树湾播放点", "scan_now": "立即扫描", "present": "在库",
        "scan": "扫描 · 东村播放点", "done": "已完成",
        "summary": "文件: 6, 新增: 0, 有变化: 0, 无变化: 6, 已移动: 0, 缺失: 0, 错误: 0",
        "no_screening": "当前没有可以签到的放映。", "forbidden": "您无权访问此页面。",
    },
    "en": {
        "nav": ["Overview", "Sites", "Titles", "Unassigned files"],
        "township_nav": ["Sites", "Titles", "People"],
        "switch": "中文",
        "overview": "Overview", "titles_stat": "titles", "by_kind": "Sites by kind",
        "playback_point": "Playback point",
        "sites": "Sites", "all_kinds": "All kinds", "all_townships": "All townships",
        "filter": "Filter",
        "lineage": "Playback point · 示范市 › 城关镇 › 东村", "library_button": "Library: 6 videos",
        "titles_here": "Titles held here",
        "titles": "Titles", "search": "Search", "series": "Practical rural technology",
        "topic": "Planting",
        "held_at": "Held at", "holder": "P-001 东村播放点 — 1 file",
        "approved": "Approved for screening",
        "unassigned": "Unassigned files",
        "unassigned_lead": "Videos found by a scan that belong to no title yet.",
        "make_title": "Make a title from this file",
        "library": "Library · 柳树湾播放点", "scan_now": "Scan now", "present": "on disk",
        "scan": "Scan · 东村播放点", "done": "done",
        "summary": "Files: 6, new: 0, changed: 0, unchanged: 6, moved: 0, missing: 0, errors: 0",
        "no_screening": "No screening is open for sign-in right now.",
        "forbidden": "You are not allowed to open this page.",
    },
}


def expect_nav(page, lang: str, menu: str = "nav") -> None:
    """The header shows the main links of a menu in `lang` (the administrator's "nav", or the
    township officer's "township_nav"; a role may have a few more)."""
    nav = page.locator("header nav")
    for name in TEXT[lang][menu]:
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_in_viewport()


def login(page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.fixture(params=["zh", "en"])
def lang(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def admin_cookies(browser, live_server) -> dict:
    """Log admin in once; later pages reuse the session cookie (a login hashes a password)."""
    context = browser.new_context(base_url=live_server)
    login(context.new_page(), "admin", ADMIN_PASSWORD)
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def admin(new_page, lang, admin_cookies):
    """A page logged in as admin in a browser asking for `lang`."""
    return new_page(lang, storage_state=admin_cookies)


def test_browser_language_picks_the_ui_language(new_page, lang):
    t = TEXT[lang]
    admin = new_page(lang)
    login(admin, "admin", ADMIN_PASSWORD)
    expect(admin.locator("html")).to_have_attribute("lang", "zh-CN" if lang == "zh" else "en")
    expect_nav(admin, lang)
    expect(admin.locator("#lang-switch")).to_have_text(t["switch"])
    admin.locator("header nav").get_by_role("link", name=t["titles"], exact=True).click()
    expect(admin.locator("h1")).to_contain_text(t["titles"])
    expect(admin.locator("table.list tbody")).to_contain_text(t["series"])


def test_language_switch_is_kept(new_page):
    page = new_page("zh")
    login(page, "chengguan")  # not admin: the choice is saved on the user
    page.goto("/sites/")
    expect(page.locator("h1")).to_have_text(re.compile(r"^站点\s"))
    page.locator("#lang-switch").click()
    expect(page).to_have_url(re.compile(r"/sites/"))
    expect(page.locator("h1")).to_have_text(re.compile(r"^Sites\s"))
    expect(page.locator("#lang-switch")).to_have_text("中文")
    page.locator("header nav").get_by_role("link", name="Titles", exact=True).click()
    expect(page.locator("h1")).to_contain_text("Titles")
    expect_nav(page, "en", "township_nav")

    again = new_page("zh")  # a new Chinese browser: the user's choice still wins
    login(again, "chengguan")
    expect_nav(again, "en", "township_nav")
    again.locator("#lang-switch").click()
    expect_nav(again, "zh", "township_nav")


def test_overview(admin, lang, shoot):
    t = TEXT[lang]
    admin.goto("/")
    expect(admin.locator("h1")).to_have_text(t["overview"])
    titles = admin.locator(".stat", has_text=t["titles_stat"]).first
    expect(titles.locator("b")).to_have_text("300")  # the demo network's catalog
    expect(admin.locator("h2#by-kind")).to_have_text(t["by_kind"])
    expect(admin.locator("svg.chart")).to_contain_text(t["playback_point"])
    shoot(admin, f"overview-{lang}")


def test_sites_with_filters(admin, lang, shoot):
    t = TEXT[lang]
    admin.goto("/sites/")
    expect(admin.locator("h1")).to_have_text(re.compile(rf"^{t['sites']}\s+1611\b"))
    rows = admin.locator("table.list tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() > 10  # the demo network: a page of its 1,600 sites
    expect(admin.locator("select[name=kind] option").first).to_have_text(t["all_kinds"])
    expect(admin.locator("select[name=township] option").first).to_have_text(t["all_townships"])
    shoot(admin, f"sites-{lang}")
    admin.locator("select[name=kind]").select_option(label=t["playback_point"])
    admin.locator("select[name=township]").select_option(label="河口乡")
    admin.get_by_role("button", name=t["filter"]).click()
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("P-003")
    expect(rows.nth(1)).to_contain_text("P-004")
    expect(admin.locator("table.list")).not_to_contain_text("P-001")


def test_site_page(admin, lang, shoot):
    t = TEXT[lang]
    admin.goto("/sites/P-001")
    expect(admin.locator("h1")).to_have_text(re.compile(r"东村播放点\s+P-001"))
    expect(admin.locator("main")).to_contain_text(t["lineage"])
    expect(admin.get_by_role("link", name=t["library_button"])).to_be_visible()
    expect(admin.get_by_role("link", name=t["titles_here"])).to_be_visible()
    shoot(admin, f"site-{lang}")


def test_titles_and_pinyin_search(admin, lang, shoot):
    t = TEXT[lang]
    admin.goto("/titles")
    expect(admin.locator("h1")).to_have_text(re.compile(rf"{t['titles']}\s+300"))
    names = admin.locator("table.list tbody tr td:first-child")
    expect(names.first).to_be_visible()
    assert names.count() > 10
    shoot(admin, f"titles-{lang}")
    search = admin.locator("input[type=search]")
    search.fill("gsxj")
    search.press("Enter")
    expect(admin).to_have_url(re.compile(r"q=gsxj"))
    expect(search).to_have_value("gsxj")
    expect(names).to_have_text(["果树修剪技术"])
    expect(admin.locator("table.list")).not_to_contain_text("生猪科学养殖")


def test_title_page(admin, lang, shoot):
    t = TEXT[lang]
    admin.goto("/titles?q=果树修剪技术")
    admin.get_by_role("link", name="果树修剪技术", exact=True).click()
    expect(admin).to_have_url(re.compile(r"/titles/[0-9a-f-]{36}$"))
    expect(admin.locator("h1")).to_have_text("果树修剪技术")
    main = admin.locator("main")
    expect(main).to_contain_text(t["approved"])
    expect(admin.locator("table.list tbody")).to_contain_text("0:00:06")
    expect(admin.locator("h2", has_text=t["held_at"])).to_be_visible()
    expect(main).to_contain_text(t["holder"])
    shoot(admin, f"title-{lang}")


def test_unassigned_files(admin, lang, shoot):
    t = TEXT[lang]
    admin.goto("/files/unassigned")
    expect(admin.locator("h1")).to_have_text(t["unassigned"])
    expect(admin.locator("main")).to_contain_text(t["unassigned_lead"])
    rows = admin.locator("table.list tbody tr")
    expect(rows.first).to_contain_text("MPEGAV/AVSEQ01.DAT")
    expect(rows.first.get_by_role("link", name=t["make_title"])).to_be_visible()
    shoot(admin, f"unassigned-{lang}")


def test_library(admin, lang, shoot):
    t = TEXT[lang]
    admin.goto("/sites/P-003/library")
    expect(admin.locator("h1")).to_have_text(re.compile(rf"{t['library']}\s+P-003"))
    expect(admin.locator("table.list").first).to_contain_text("demo-media/P-003")
    videos = admin.locator("table.list").nth(1).locator("tbody tr")
    expect(videos).to_have_count(4)
    expect(videos.first).to_contain_text("VCD00/MPEGAV/AVSEQ01.DAT")
    expect(videos.first).to_contain_text("0:00:06")
    expect(videos.first).to_contain_text(t["present"])
    expect(admin.locator("#scan-now")).to_have_text(t["scan_now"])
    shoot(admin, f"library-{lang}")


def test_scan_now_from_the_browser(new_page, lang, shoot):
    t = TEXT[lang]
    page = new_page(lang)
    login(page, "op-p001")
    page.goto("/sites/P-001/library")
    page.locator("#scan-now").click()
    expect(page).to_have_url(re.compile(r"/scans/[0-9a-f-]{36}$"))
    expect(page.locator("h1")).to_have_text(t["scan"])
    # the summary is rendered only once the job has ended (the page reloads itself then)
    expect(page.locator("#scan-summary")).to_have_text(t["summary"], timeout=30_000)
    expect(page.locator("#scan-status")).to_have_text(t["done"])
    expect(page.locator("#scan-files")).to_have_text("6 / 6")
    shoot(page, f"scan-{lang}")


def test_small_screen(new_page, lang, admin_cookies, shoot):
    page = new_page(lang, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                    storage_state=admin_cookies)
    for path, name in (("/titles", "titles"), ("/sites/", "sites")):
        page.goto(path)
        expect(page.locator("table.list tbody tr").first).to_be_visible()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow}px wider than a 360px screen"
        for link in page.locator("header nav a").all():
            expect(link).to_be_in_viewport()
        expect_nav(page, lang)
        shoot(page, f"{name}-mobile-{lang}")


def test_kiosk_sees_only_its_sign_in_page(new_page, lang, shoot):
    t = TEXT[lang]
    page = new_page(lang)
    login(page, "kiosk-p001")
    expect(page).to_have_url(re.compile(r"/kiosk$"))
    expect(page.locator("h1")).to_have_text("东村播放点")
    expect(page.locator("main")).to_contain_text(t["no_screening"])
    expect(page.locator("header nav")).to_have_count(0)
    shoot(page, f"kiosk-idle-{lang}")
    response = page.goto("/titles")
    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_have_text("403")
    expect(page.locator("main")).to_contain_text(t["forbidden"])

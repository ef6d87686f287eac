"""The guides: each role's in Chinese and English, complete in both; the Help link on every page
goes to the login's own guide; a kiosk reads only the attendee's."""

from __future__ import annotations

import re

import pytest

from tests.web.test_i18n import EN, ZH, browser, log_in, page

# What each guide must name, as its pages show it, in each language.
NAMED = {
    ("operator", "zh"): ["站点操作员指南", "安排放映", "播放列表", "开始签到", "点名", "接收光盘套",
                         "签收", "立即扫描"],
    ("operator", "en"): ["Operator's guide", "Plan a screening", "Playlist", "Start sign-in",
                         "Roll-call", "Incoming kits", "Received", "Scan now"],
    ("township", "zh"): ["乡镇管理员指南", "教学计划", "下发计划", "月报卡", "预警", "在途套件",
                         "发放清单"],
    ("township", "en"): ["Township officer's guide", "Teaching plans", "Issue the plan",
                         "Monthly report card", "Alerts", "Kits in transit", "Dispatch list"],
    ("admin", "zh"): ["管理员指南", "概览", "导入数据包", "终端"],
    ("admin", "en"): ["Administrator's guide", "Overview", "Import a bundle", "Terminals"],
    ("attendee", "zh"): ["放映签到须知", "您的姓名、拼音或首字母", "已签到", "撤销", "二维码"],
    ("attendee", "en"): ["How to sign in", "Your name, pinyin or initials", "Signed in", "Undo",
                         "QR code"],
}
LOGINS = {"operator": "op-a", "township": "chengguan", "admin": "admin", "attendee": "kiosk-a"}


@pytest.fixture
def users(make):
    site = make.site("P-001", township="城关镇", village="东村")
    make.user("admin", "admin")
    make.user("op-a", "operator", site=site)
    make.user("chengguan", "township", township="城关镇")
    make.user("kiosk-a", "kiosk", site=site)


def guide_body(html: str) -> str:
    """The guide's own text (its template), without the page around it and its footer."""
    body = re.search(r'<article class="leaflet".*?>(.*?)<p class="leaflet-foot">', html, re.S)
    assert body, html
    return body.group(1)


def visible(html: str) -> str:
    """Text a reader sees, markup and code examples (commands, pinyin) left out."""
    html = re.sub(r"<code>.*?</code>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def open_guide(app, guide: str, lang: str) -> str:
    client = browser(app, ZH if lang == "zh" else EN)
    log_in(client, LOGINS[guide])
    response = client.get("/help")  # the login's own guide
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/help/{guide}")
    return page(client, f"/help/{guide}")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("guide", ["operator", "township", "admin", "attendee"])
def test_each_role_reads_its_guide_in_its_language(app, users, guide, lang):
    html = open_guide(app, guide, lang)
    text = visible(guide_body(html))
    for words in NAMED[(guide, lang)]:
        assert words in text, (guide, lang, words)
    if lang == "zh":  # no English sentence left: Latin words only in names such as USB, CSV
        assert not [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in {"USB", "CSV", "XLSX"}]
    else:  # Chinese only in examples of names (果树, 张三)
        assert len(re.findall(r"[\u4e00-\u9fff]", text)) <= 4
    assert 'data-print' in html and "help.css" in html  # the print button and the leaflet's layout


@pytest.mark.parametrize("guide", ["operator", "township", "admin", "attendee"])
def test_both_languages_give_the_same_steps(app, users, guide):
    """Complete in both: the same sections, each with as many steps."""
    def shape(html: str) -> list[tuple[str, int]]:
        body = guide_body(html)
        return [(section, part.count("<li>")) for section, part in
                re.findall(r'<section id="([\w-]+)">(.*?)</section>', body, re.S)]

    zh, en = shape(open_guide(app, guide, "zh")), shape(open_guide(app, guide, "en"))
    assert zh == en and len(zh) >= 3 and all(steps >= 2 for _section, steps in zh)


PAGES = {"operator": ["/", "/people", "/distribution/sites/P-001/kits"],
         "township": ["/", "/sites/", "/teaching-plans/"],
         "admin": ["/", "/sync/", "/titles"]}


@pytest.mark.parametrize("role", ["operator", "township", "admin"])
def test_every_page_links_the_logins_own_guide(app, users, role):
    client = browser(app, ZH)
    log_in(client, LOGINS[role])
    for url in PAGES[role]:
        html = page(client, url)
        assert re.search(rf'<a id="help-link" href="/help/{role}">', html), url


def test_a_kiosk_links_and_reads_only_the_attendees_guide(app, users):
    client = browser(app, ZH)
    log_in(client, "kiosk-a")
    html = page(client, "/kiosk")
    assert '<a id="help-link" href="/help/attendee">' in html  # in the staff fold
    guide = page(client, "/help/attendee")
    assert 'href="/kiosk"' in guide and "help/operator" not in guide  # back, and no staff guide
    for other in ("operator", "township", "admin"):
        assert client.get(f"/help/{other}").status_code == 403


def test_staff_read_each_others_guides_and_nobody_without_a_login(app, users):
    client = browser(app, EN)
    assert client.get("/help/attendee").status_code == 302  # to the login page
    assert '<a id="help-link"' not in page(client, "/login")
    log_in(client, "op-a")
    html = page(client, "/help/township")
    for other in ("operator", "admin", "attendee"):
        assert f'href="/help/{other}"' in html
    assert client.get("/help/nobody").status_code == 404

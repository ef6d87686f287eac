"""Chinese and English UI: the browser's language, the header switch, the user's saved choice, a
complete and compiled zh catalog, and no English left on the main pages in Chinese."""

from __future__ import annotations

import io
import os
import re
from html.parser import HTMLParser

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

from app.extensions import db
from app.models import User
from tests.conftest import FreshClient, csrf_token

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TRANSLATIONS = os.path.join(ROOT, "app", "translations")
ZH, EN = "zh-CN,zh;q=0.9", "en-US,en;q=0.9"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


Browser = FreshClient


def browser(app, language: str | None = None) -> Browser:
    """A new browser that sends Accept-Language on every request."""
    client = Browser(app, app.response_class, use_cookies=True)
    if language:
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def log_in(client, username: str, password: str = "secret-pass-1"):
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)


def switch(client, code: str, next_url: str = "/login"):
    response = client.post(f"/lang/{code}", data={"csrf_token": csrf_token(client, next_url),
                                                  "next": next_url})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(next_url)


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


# --- (a) the browser's language -------------------------------------------------------------

def test_browser_asking_for_chinese_gets_chinese_and_english_gets_english(app):
    html = page(browser(app, ZH), "/login")
    assert '<html lang="zh-CN">' in html
    assert "<title>登录 · 电教</title>" in html
    assert ">用户名" in html and ">密码" in html and ">中文<" not in html
    assert ">English<" in html  # the switch offers the other language

    html = page(browser(app, EN), "/login")
    assert '<html lang="en">' in html
    assert "<title>Log in · Dianjiao</title>" in html
    assert ">User name" in html and "登录" not in html
    assert ">中文<" in html


def test_best_match_and_default(app):
    assert "登录" in page(browser(app, "zh-TW"), "/login")  # no exact match: the primary tag
    assert "登录" in page(browser(app, "zh-Hans-CN,de;q=0.5"), "/login")
    assert "登录" in page(browser(app, "zh-CN,en;q=0.5"), "/login")  # Chinese first, by quality
    assert "Log in" in page(browser(app, "en-GB,zh;q=0.8"), "/login")
    assert "Log in" in page(browser(app, "fr-FR,fr;q=0.9"), "/login")  # neither: English
    assert "Log in" in page(browser(app), "/login")  # no header at all: English


def test_messages_and_errors_follow_the_language(app, make):
    make.user("admin", "admin")
    zh = browser(app, ZH)
    response = zh.post("/login", data={"username": "admin", "password": "wrong-password",
                                       "csrf_token": csrf_token(zh)})
    assert response.status_code == 401
    assert "用户名或密码错误。" in response.get_data(as_text=True)
    response = zh.get("/no-such-page")
    assert response.status_code == 404 and "页面不存在。" in response.get_data(as_text=True)
    assert "This page does not exist." in browser(app, EN).get("/no-such-page").get_data(
        as_text=True)


# --- (b) the header switch ------------------------------------------------------------------

def test_header_switch_changes_an_anonymous_session_and_remembers_it(app):
    client = browser(app, EN)
    assert "Log in" in page(client, "/login")
    switch(client, "zh")
    html = page(client, "/login")  # the next request, still sending Accept-Language: en
    assert '<html lang="zh-CN">' in html and "登录" in html
    assert "登录" in page(client, "/login")  # and the one after
    switch(client, "en")
    assert "Log in" in page(client, "/login")


def test_unknown_language_is_ignored(app):
    client = browser(app, ZH)
    response = client.post("/lang/fr", data={"csrf_token": csrf_token(client), "next": "/login"})
    assert response.status_code == 302
    assert "登录" in page(client, "/login")


def test_switch_needs_the_csrf_token(app):
    client = browser(app, EN)
    assert client.post("/lang/zh", data={"next": "/login"}).status_code == 400
    assert "Log in" in page(client, "/login")


# --- (c) the user's saved choice ------------------------------------------------------------

def test_logged_in_choice_is_saved_on_the_user_and_follows_them(app, make):
    make.user("op", "admin")
    first = browser(app, EN)
    log_in(first, "op")
    assert ">Log out<" in page(first, "/")
    switch(first, "zh", "/")
    assert ">退出登录<" in page(first, "/")
    db.session.expire_all()
    assert db.session.scalar(select(User.locale).where(User.username == "op")) == "zh"

    assert first.post("/logout", data={"csrf_token": csrf_token(first, "/")}).status_code == 302
    second = browser(app, EN)  # another browser, asking for English
    assert "Log in" in page(second, "/login")  # nobody logged in yet: the browser's language
    log_in(second, "op")
    html = page(second, "/")
    assert '<html lang="zh-CN">' in html and ">概览<" in html and ">退出登录<" in html

    switch(second, "en", "/")  # and back: saved again
    db.session.expire_all()
    assert db.session.scalar(select(User.locale).where(User.username == "op")) == "en"
    zh_browser = browser(app, ZH)
    log_in(zh_browser, "op")
    assert ">Log out<" in page(zh_browser, "/")


# --- (d) the catalogs -----------------------------------------------------------------------

def read_catalog(locale: str):
    with open(os.path.join(TRANSLATIONS, locale, "LC_MESSAGES", "messages.po"), "rb") as fh:
        return read_po(fh, locale=locale)


def mo_messages(fileobj) -> dict:
    def key(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    return {key(m.id): key(m.string) for m in read_mo(fileobj) if m.id}


def test_every_chinese_message_is_translated():
    catalog = read_catalog("zh")
    assert not catalog.fuzzy, "the zh catalog header is marked fuzzy: pybabel compile skips it"
    assert catalog.plural_forms == "nplurals=1; plural=0;"
    ids = [m.id for m in catalog if m.id]
    assert len(ids) > 100
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert strings and all(s.strip() for s in strings), f"untranslated: {message.id!r}"
        assert not message.fuzzy, f"fuzzy: {message.id!r}"
        source = message.id[0] if isinstance(message.id, tuple) else message.id
        for string in strings:
            assert sorted(PLACEHOLDER.findall(string)) == sorted(PLACEHOLDER.findall(source)), \
                f"placeholders differ: {message.id!r} -> {string!r}"
    assert not [e for _m, errors in catalog.check() for e in errors]


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_compiled_catalog_is_up_to_date(locale):
    buffer = io.BytesIO()
    write_mo(buffer, read_catalog(locale))
    buffer.seek(0)
    with open(os.path.join(TRANSLATIONS, locale, "LC_MESSAGES", "messages.mo"), "rb") as fh:
        compiled = mo_messages(fh)
    assert compiled == mo_messages(buffer), f"run `make translations`: {locale} .mo is stale"


def test_every_marked_string_is_in_the_catalogs():
    """A string marked in the source but missing from the .po means `make translations` is due."""
    with open(os.path.join(ROOT, "babel.cfg")) as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    keywords = dict(DEFAULT_KEYWORDS, _l=None, lazy_gettext=None)
    marked = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords=keywords):
        marked.setdefault(message[0] if isinstance(message, tuple) else message, filename)
    assert len(marked) > 100  # the extraction itself worked
    for locale in ("zh", "en"):
        known = {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_catalog(locale)}
        missing = {m: f for m, f in marked.items() if m not in known}
        assert not missing, f"not in {locale}/messages.po (run `make translations`): {missing}"


# --- (e) no English left on the main pages --------------------------------------------------

UI_WORDS = ["Sites", "Titles", "Log out", "Library", "Overview", "Unassigned", "Search", "Save",
            "Edit", "Import", "Filter", "Name", "Kind", "Township", "Village", "Folder", "Videos",
            "Scan", "Approved", "Length", "Title", "File", "Playback point", "Administrator",
            "Everyone", "Planting", "never", "Add", "Code"]
SHOWN_ATTRIBUTES = {"placeholder", "aria-label", "title", "data-label", "alt"}


class VisibleText(HTMLParser):
    """The text a user reads: element text and the attributes a browser shows or speaks."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        self.parts.extend(v for k, v in attrs if k in SHOWN_ATTRIBUTES and v)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def english_left(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    text = "\n".join(parser.parts)
    return [w for w in UI_WORDS if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]


def test_main_pages_in_chinese_show_no_english_ui(app, make, tmp_path):
    site = make.site("P-001", township="城关镇", village="东村")
    make.user("admin", "admin")
    title = make.title("果树修剪技术", series="乡土教材", topics=["planting"], approved=True)
    (tmp_path / "media").mkdir()
    client = browser(app, ZH)
    log_in(client, "admin")
    assert client.post("/sites/P-001/library", data={
        "path": str(tmp_path / "media"), "label": "U盘",
        "csrf_token": csrf_token(client, "/sites/P-001/library")}).status_code == 302
    urls = ["/", "/sites/", "/titles", "/files/unassigned", f"/sites/{site.code}/library",
            "/sites/import", f"/sites/{site.code}", f"/titles/{title.id}", "/titles/new"]
    for url in urls:
        html = page(client, url)
        assert '<html lang="zh-CN">' in html, url
        assert english_left(html) == [], url
    # the same pages in English do show those words: the check above can fail
    english = browser(app, EN)
    log_in(english, "admin")
    assert {"Sites", "Titles", "Log out", "Overview"} <= set(english_left(page(english, "/")))
    assert "Library" in english_left(page(english, f"/sites/{site.code}/library"))


def test_never_is_never_scanned_only_on_the_library(app, make):
    """"never" was translated 从未扫描 everywhere, so a site that never held a screening read
    "never scanned"; the library's folder keeps its own "never scanned"."""
    from tests import factories

    factories.library_root(make.site("P-001"))
    make.user("admin", "admin")
    zh = browser(app, ZH)
    zh.post("/login", data={"username": "admin", "password": "secret-pass-1",
                            "csrf_token": csrf_token(zh)})
    idle = page(zh, "/reports/dashboard").split('id="idle"', 1)[-1]  # never held a screening
    assert "从未" in idle and "从未扫描" not in idle
    assert "从未扫描" in page(zh, "/sites/P-001/library")

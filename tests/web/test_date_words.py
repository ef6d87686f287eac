"""One date shape and one date-time shape per language on every page (app/i18n.py FORMATS), and
series names in the page's language: the main pages with dated content, in Chinese and English,
read as a person reads them (the text, not the links and form values, which stay ISO)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import LibraryRoot, User
from tests.conftest import FreshClient, csrf_token

ZH, EN = "zh-CN,zh;q=0.9", "en-US,en;q=0.9"
MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
FORBIDDEN = {  # the shapes pages used to mix
    "ISO date": re.compile(r"(?<!\d)\d{4}-\d{1,2}-\d{1,2}(?!\d)"),
    "slashed date": re.compile(r"(?<!\d)\d{1,4}/\d{1,2}/\d{2,4}(?!\d)"),
    "month first": re.compile(rf"\b(?:{MONTHS})\w* \d{{1,2}},? \d{{4}}"),
    "AM/PM": re.compile(r"\d{1,2}:\d{2}(?::\d{2})?\s?[AP]M"),
}
HOUSE = {"zh": re.compile(r"\d{4}年\d{1,2}月\d{1,2}日"),
         "en": re.compile(rf"(?<!\d)\d{{1,2}} (?:{MONTHS}) \d{{4}}(?!\d)")}
OTHER = {"zh": HOUSE["en"], "en": HOUSE["zh"]}


class _Text(HTMLParser):
    """The text a person reads: no attributes, no style or script."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script") and self._skip > 0

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def text_of(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def browser(app, language: str) -> FreshClient:
    client = FreshClient(app, app.response_class, use_cookies=True)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def log_in(client, username: str) -> None:
    response = client.post("/login", data={"username": username, "password": "secret-pass-1",
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302


@pytest.fixture
def dated(app, make, clock):
    """P-001 with a screening held three days ago (signed in, played) and one planned in two
    days, a recurring plan, a loan, a kit sent and received, a scanned library, a 乡土教材 title
    approved by the city; users admin and op-a."""
    from app.distribution.kits import set_status

    now = clock.now
    p1, _p3 = make.three_sites()
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    title = make.title("家乡的变化", series="乡土教材")
    media = make.media_file(title, duration_s=60.0)
    make.held(p1, media, seen=now - timedelta(days=5))
    root = db.session.scalar(select(LibraryRoot).where(LibraryRoot.site_id == p1.id))
    root.last_scan_at = now - timedelta(days=5)
    person = make.person("张三", village="东村", party_member=True, role="member")
    held = make.screening(p1, start=now - timedelta(days=3), topic="党课一",
                          playlist=[{"sha256": media.sha256}])
    held.status = "done"
    make.attendance(held, person)
    make.play_log(p1, started_at=held.starts_at, screening=held, media_file=media)
    planned = make.screening(p1, start=now + timedelta(days=2), topic="党课二")
    plan = make.series(p1, first=now + timedelta(days=1, hours=3), topic="每周党课", now=now)
    today = now.date()
    make.loan(p1, lent_on=today - timedelta(days=20), due_on=today - timedelta(days=6))
    batch = make.batch([title], made_on=today - timedelta(days=30))
    kit = make.shipment(batch, p1)
    set_status(kit, "sent", user=admin)
    set_status(kit, "received", user=admin)
    db.session.commit()
    return {"site": p1, "title": title, "held": held, "planned": planned, "plan": plan,
            "person": person, "batch": batch, "kit": kit}


def _pages(d: dict) -> dict[str, list[str]]:
    s, code = d["held"].id, d["site"].code
    month = (d["held"].starts_at.date().replace(day=1)).strftime("%Y-%m")
    operator = [
        "/", f"/screenings/{s}", f"/screenings/{d['planned'].id}", f"/screenings/{s}/record",
        f"/screenings/{s}/rollcall", f"/sites/{code}/screenings",
        f"/sites/{code}/screenings?view=month", f"/series/{d['plan'].id}",
        f"/sites/{code}/loans", f"/sites/{code}/library", f"/kits/{d['kit'].serial}",
        f"/distribution/sites/{code}/kits", f"/people/{d['person'].id}",
        f"/reports/monthly?site={code}&month={month}"]
    admin = [
        "/", f"/titles/{d['title'].id}", "/titles", "/distribution/",
        f"/distribution/batches/{d['batch'].id}", "/townships/城关镇/screenings",
        "/reports/dashboard", f"/reports/rating?month={month}", f"/reports/township?month={month}",
        "/terminals", "/distribution/coverage?series=乡土教材",
        "/distribution/whereis?series=乡土教材", "/sync/"]
    return {"op-a": operator, "admin": admin}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_main_page_shows_one_date_shape_per_language(app, dated, language):
    seen_house = 0
    for username, urls in _pages(dated).items():
        client = browser(app, ZH if language == "zh" else EN)
        log_in(client, username)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (username, url, response.status_code)
            text = text_of(response.get_data(as_text=True))
            for shape, pattern in FORBIDDEN.items():
                found = pattern.search(text)
                assert not found, (url, language, shape, text[max(0, found.start() - 60):
                                                            found.end() + 60])
            found = OTHER[language].search(text)
            assert not found, (url, language, "the other language's date", found.group())
            seen_house += bool(HOUSE[language].search(text))
    assert seen_house >= 15  # most pages show a date, in the house shape


@pytest.mark.parametrize(("language", "day", "moment"), [
    ("zh", "2026年12月7日", "2026年12月7日 16:05"), ("en", "7 Dec 2026", "7 Dec 2026, 16:05")])
def test_the_house_shapes(app, make, clock, language, day, moment):
    held = make.screening(make.site("P-001"), start=clock.now, topic="党课")
    held.starts_at = held.starts_at.replace(year=2026, month=12, day=7, hour=8, minute=5)
    held.ends_at = held.starts_at + timedelta(hours=1)
    db.session.commit()
    make.user("admin", "admin")
    client = browser(app, ZH if language == "zh" else EN)
    log_in(client, "admin")
    text = text_of(client.get(f"/screenings/{held.id}").get_data(as_text=True))
    assert moment in text and "16:05–17:05" not in text.replace(moment, "")
    assert day == moment.split(",")[0].split(" ")[0] if language == "zh" else moment.startswith(day)


def test_downloads_keep_iso(app, dated):
    """The idle sites' table: the house date on the page, ISO in its CSV."""
    client = browser(app, EN)
    log_in(client, "admin")
    held_on = dated["held"].starts_at.astimezone(ZoneInfo("Asia/Shanghai")).date()
    text = text_of(client.get("/reports/dashboard?days=1").get_data(as_text=True))
    assert f"{held_on.day} {held_on:%b %Y}" in text
    csv = client.get("/reports/dashboard/idle.csv?days=1").get_data(as_text=True)
    assert held_on.isoformat() in csv and not HOUSE["en"].search(csv)


def test_series_names_are_english_on_english_pages(app, dated):
    client = browser(app, EN)
    log_in(client, "admin")
    make_held = dated["site"]
    urls = ["/titles", f"/titles/{dated['title'].id}", "/reports/dashboard",
            "/distribution/coverage?series=乡土教材", "/distribution/whereis?series=乡土教材",
            f"/reports/rating?month={date.today().strftime('%Y-%m')}"]
    shown = 0
    for url in urls:
        text = text_of(client.get(url).get_data(as_text=True))
        assert "乡土教材" not in text and "农村实用科技" not in text, url
        shown += "Local teaching material" in text
    assert shown >= 5
    assert make_held.code == "P-001"
    # The search still finds the title by its pinyin initials, and the filter by the stored name.
    text = text_of(client.get("/titles?q=jxdbh").get_data(as_text=True))
    assert "家乡的变化" in text and "Local teaching material" in text
    text = text_of(client.get("/titles?series=乡土教材").get_data(as_text=True))
    assert "家乡的变化" in text

"""Long lists page (PAGE_SIZE set to 3 here): sites, a batch's kits, whereis, members below the
study target and the city's roll-up. Pages differ, totals and summaries cover every row, filters
survive paging, and a bad ?page= gets the first or the last page, never an error."""

from __future__ import annotations

import html as entities
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.distribution.batches import create_batch
from app.distribution.kits import choose_sites, consign, set_status
from app.extensions import db
from app.models import Shipment, User
from app.people.services import create_person, village_named

pytestmark = pytest.mark.both_databases  # see tests/conftest.py

SERIES = "农村实用科技"
BAD_FIRST = ("0", "-1", "abc", "", "1.5")  # answered with the first page
HUGE = "99999999999999999999999"  # answered with the last page


@pytest.fixture
def net(app, make):
    """城关镇: 东村 (C-001, P-001, P-002), 西村 (P-003, P-004), 南村 (P-005); 河口乡: 石桥村
    (P-006, P-007), 柳树湾村 (P-008). Party members: 4 in 东村, 3 in 西村, 2 in 石桥村."""
    app.config["PAGE_SIZE"] = 3
    places = [("C-001", "城关镇", "东村", "center_household"), ("P-001", "城关镇", "东村", None),
              ("P-002", "城关镇", "东村", None), ("P-003", "城关镇", "西村", None),
              ("P-004", "城关镇", "西村", None), ("P-005", "城关镇", "南村", None),
              ("P-006", "河口乡", "石桥村", None), ("P-007", "河口乡", "石桥村", None),
              ("P-008", "河口乡", "柳树湾村", None)]
    for code, township, village, kind in places:
        make.site(code, township=township, village=village, kind=kind or "playback_point")
    for village, names in (("东村", "安一 白二 陈三 丁四"), ("西村", "方五 高六 黄七"),
                           ("石桥村", "金八 孔九")):
        for name in names.split():
            create_person(name, village=village_named(village), party_member=True, role="member")
    create_person("路人", village=village_named("东村"))
    db.session.commit()
    make.user("admin", "admin")
    make.user("town-hk", "township", township="河口乡")
    return app


@pytest.fixture
def batch(net, make):
    """A batch of one title of the series, a kit planned for every site."""
    title = make.title("种植技术", series=SERIES)
    row = create_batch("春季光盘", "DVD", [title.id])
    consign(row, choose_sites(admin(), kinds=["playback_point", "center_household"]))
    db.session.commit()
    return row


def admin() -> User:
    return db.session.scalar(select(User).where(User.username == "admin"))


def kits() -> dict[str, Shipment]:
    return {kit.site.code: kit for kit in db.session.scalars(select(Shipment))}


def get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def section(html: str, element_id: str, end: str = "</table>") -> str:
    """The HTML from the element with this id to its end (the first `end` after it)."""
    start = html.index(f'id="{element_id}"')
    return html[start:html.index(end, start)]


def next_link(html: str, pager: str = "pager") -> str | None:
    match = re.search(rf'id="{pager}">(.*?)</p>', html, re.S)
    found = match and re.search(r'rel="next" href="([^"]+)"', match.group(1))
    return entities.unescape(found.group(1)) if found else None


def pages(client, url: str, rows, pager: str = "pager") -> list[list[str]]:
    """The rows of every page, following the next links from `url`."""
    seen = []
    while url:
        html = get(client, url)
        seen.append(rows(html))
        url = next_link(html, pager)
        assert len(seen) < 20
    return seen


def assert_bad_pages_answer_plainly(client, url: str, rows, arg: str = "page",
                                    pager: str = "pager"):
    join = "&" if "?" in url else "?"
    first, last = rows(get(client, url)), pages(client, url, rows, pager)[-1]
    for bad in BAD_FIRST:
        assert rows(get(client, f"{url}{join}{arg}={bad}")) == first, bad
    assert rows(get(client, f"{url}{join}{arg}={HUGE}")) == last
    assert rows(get(client, f"{url}{join}{arg}=2&{arg}=x")) != first  # the first value counts


# --- sites --------------------------------------------------------------------------------

def site_rows(html: str) -> list[str]:
    return re.findall(r'<td data-label="Code"><a href="/sites/[^"]+">([^<]+)</a>',
                      section(html, "sites"))


def test_sites_page_with_total_and_filters(net, login):
    client = login("admin")
    every = pages(client, "/sites/", site_rows)
    assert every == [["C-001", "P-001", "P-002"], ["P-003", "P-004", "P-005"],
                     ["P-006", "P-007", "P-008"]]
    assert "9 sites" in get(client, "/sites/?page=3")
    url = "/sites/?kind=playback_point&township=城关镇&q=P-00"
    html = get(client, url)
    assert "5 sites" in html and next_link(html).count("township=") == 1
    assert pages(client, url, site_rows) == [["P-001", "P-002", "P-003"], ["P-004", "P-005"]]
    assert_bad_pages_answer_plainly(client, "/sites/", site_rows)
    assert_bad_pages_answer_plainly(client, url, site_rows)


def test_sites_one_page_has_no_pager(net, login):
    html = get(login("town-hk"), "/sites/")
    assert site_rows(html) == ["P-006", "P-007", "P-008"] and 'id="pager"' not in html


# --- a batch's kits -----------------------------------------------------------------------

def kit_sites(html: str) -> list[str]:
    return re.findall(r'<td data-label="Site">([A-Z]-\d{3}) ', section(html, "kits"))


def words(html: str) -> list[str]:
    return re.sub(r"<[^>]+>|\s+", " ", html).split()


def status_counts(html: str) -> list[str]:
    return words(section(html, "status-counts", "</p>"))[1:]


def test_batch_kits_page_with_counts_over_every_kit(net, batch, login):
    for code in ("P-006", "P-007"):
        set_status(kits()[code], "received", user=admin())
    db.session.commit()
    client = login("admin")
    url = f"/distribution/batches/{batch.id}"
    every = pages(client, url, kit_sites)
    assert every == [["C-001", "P-001", "P-002"], ["P-003", "P-004", "P-005"],
                     ["P-006", "P-007", "P-008"]]
    counts = ["Every", "status", "9", "·", "planned", "7", "·", "received", "2"]
    assert status_counts(get(client, url)) == counts
    assert status_counts(get(client, url + "?page=3")) == counts
    # a township's kits, and one status, page with their filters
    assert pages(client, url + "?township=城关镇", kit_sites) == [
        ["C-001", "P-001", "P-002"], ["P-003", "P-004", "P-005"]]
    html = get(client, url + "?township=城关镇&page=2")
    assert status_counts(html)[:3] == ["Every", "status", "6"]
    assert pages(client, url + "?status=planned", kit_sites) == [
        ["C-001", "P-001", "P-002"], ["P-003", "P-004", "P-005"], ["P-008"]]
    assert pages(client, url + "?status=received", kit_sites) == [["P-006", "P-007"]]
    assert_bad_pages_answer_plainly(client, url, kit_sites)
    assert_bad_pages_answer_plainly(client, url + "?township=城关镇", kit_sites)


def test_batch_sheets_print_a_whole_township(net, batch, login):
    client = login("admin")
    serials = {code: kit.serial for code, kit in kits().items()}
    for sheet in ("dispatch", "receipt", "labels"):
        html = get(client, f"/distribution/batches/{batch.id}/{sheet}?township=城关镇")
        assert 'id="pager"' not in html
        for code, serial in serials.items():
            assert (serial in html) == (code < "P-006"), (sheet, code)


# --- whereis ------------------------------------------------------------------------------

def holder_rows(html: str) -> list[str]:
    return re.findall(r'<td data-label="Site"><a href="/sites/([^"]+)">', section(html, "holders"))


def test_whereis_pages_holders_and_keeps_the_township_lines(net, batch, login):
    for kit in kits().values():
        if kit.site.kind == "playback_point":
            set_status(kit, "received", user=admin())
    db.session.commit()
    client = login("admin")
    title_id = batch.items[0].title_id
    expected = [["P-001", "P-002", "P-003"], ["P-004", "P-005", "P-006"], ["P-007", "P-008"]]
    for url in (f"/distribution/whereis?title={title_id}", f"/distribution/whereis?series={SERIES}"):
        assert pages(client, url, holder_rows) == expected, url
        assert "8 sites" in get(client, url + "&page=2")
        assert_bad_pages_answer_plainly(client, url, holder_rows)
    last = get(client, f"/distribution/whereis?series={SERIES}&page=3")
    lines = section(last, "township-lines", "</ul>")
    assert "5/5 playback points, 0/1 center households" in lines and "3/3 playback points" in lines


# --- members below the study target -------------------------------------------------------

def below_names(html: str) -> list[str]:
    part = html.split('id="by-village"')[1].split('id="by-site"')[0]
    return re.findall(r'<a href="/people/[^"]+">([^<]+)</a>', part)


def by_site_rows(html: str) -> list[str]:
    return re.findall(r'<small class="muted">([A-Z]-\d{3})</small>', section(html, "by-site"))


def test_below_target_pages_by_village_then_name(net, login):
    client = login("admin")
    url = "/people/below-target?month=2025-01"
    assert pages(client, url, below_names) == [["安一", "白二", "陈三"], ["丁四", "方五", "高六"],
                                                ["黄七", "金八", "孔九"]]
    html = get(client, url + "&page=2")
    assert "month=2025-01" in next_link(html) and "2025-01" in html
    assert "9 of 9." in html
    # the village headers count the whole village, and say when a village began a page before
    headers = [words(h) for h in re.findall(r"<h3>(.*?)</h3>", html, re.S)]
    assert headers == [["东村", "城关镇", "·", "4", "of", "4", "below", "target", "(continued)"],
                       ["西村", "城关镇", "·", "3", "of", "3", "below", "target"]]
    assert_bad_pages_answer_plainly(client, url, below_names)


def test_below_target_by_site_pages_on_its_own(net, login):
    client = login("admin")
    url = "/people/below-target?month=2025-01"
    assert pages(client, url, by_site_rows, "sites-pager") == [
        ["C-001", "P-001", "P-002"], ["P-003", "P-004", "P-006"], ["P-007"]]
    html = get(client, url + "&sites_page=2")
    assert below_names(html) == ["安一", "白二", "陈三"]  # the village list stays on its page
    assert "sites_page=2" in next_link(html) and "page=2" not in next_link(html, "sites-pager")
    # a site counts the members of the villages it serves, over every page of the village list
    assert re.search(r"C-001</small></td>\s*<td[^>]*>4</td>\s*<td[^>]*>4</td>", html) is None
    assert re.search(r"C-001</small></td>\s*<td[^>]*>4</td>\s*<td[^>]*>4</td>", get(client, url))
    assert_bad_pages_answer_plainly(client, url, by_site_rows, "sites_page", "sites-pager")


def test_below_target_in_a_township_fits_one_page(net, login):
    html = get(login("town-hk"), "/people/below-target?month=2025-01")
    assert below_names(html) == ["金八", "孔九"]
    assert 'id="pager"' not in html and 'id="sites-pager"' not in html


# --- the city's roll-up -------------------------------------------------------------------

def card_rows(html: str) -> list[str]:
    return re.findall(r'<tr data-site="([^"]+)">', section(html, "site-cards"))


def alert_rows(html: str) -> list[tuple[str, str, str]]:
    if 'id="alerts"' not in html:
        return []
    return re.findall(r'data-site="([^"]+)" data-rule="([^"]+)" data-level="([^"]+)"',
                      section(html, "alerts"))


def test_city_rollup_pages_cards_and_alerts(net, login):
    client = login("admin")
    # The last complete month: only a month that has ended raises quota alerts, and only for
    # sites recorded by then (these were made now: say they were made 70 days ago).
    from app.models import Site

    for site in db.session.scalars(select(Site)):
        site.created_at -= timedelta(days=70)
    db.session.commit()
    first = datetime.now(ZoneInfo(net.config["TIMEZONE"])).date().replace(day=1)
    month = (first - timedelta(days=1)).strftime("%Y-%m")
    url = f"/reports/township?month={month}"
    body = client.get(f"/api/v1/reports/township?month={month}").json
    assert set(body) >= {"township", "month", "sites", "alerts", "cards", "townships", "quotas"}
    assert len(body["cards"]) == 9 and body["sites"] == 9
    alerts = [(a["site"], a["rule"], a["level"]) for a in body["alerts"]]
    assert len(alerts) > 3

    card_pages = pages(client, url, card_rows, "cards-pager")
    assert card_pages[0] != card_pages[1] and len(card_pages) == 3
    assert sum(card_pages, []) == [c["site"] for c in body["cards"]]
    alert_pages = pages(client, url, alert_rows, "alerts-pager")
    assert alert_pages[0] != alert_pages[1] and sum(alert_pages, []) == alerts

    html = get(client, url + "&page=2&alerts_page=2")
    assert "9 sites" in section(html, "totals", "</p>")
    assert re.findall(r'<td data-label="Township"><a[^>]*>([^<]+)</a>',
                      section(html, "townships")) == ["城关镇", "河口乡"]
    counts = [int(n) for n in re.findall(r"<b>(\d+)</b>", section(html, "alert-counts", "</p>"))]
    assert sum(counts) == len(alerts)
    # each list pages on its own and keeps the month and the other's page
    assert card_rows(html) == card_pages[1] and alert_rows(html) == alert_pages[1]
    nxt = next_link(html, "cards-pager")
    assert f"month={month}" in nxt and "alerts_page=2" in nxt and "page=3" in nxt
    assert_bad_pages_answer_plainly(client, url, card_rows, pager="cards-pager")
    assert_bad_pages_answer_plainly(client, url, alert_rows, "alerts_page", "alerts-pager")

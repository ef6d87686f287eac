"""The title picker of the planning form, its server path (no script): search by pinyin initials,
add, move, remove and save; only titles approved for the site are offered, those held there
first; another site's holdings are not told. And its JSON search, which the script asks."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.catalog.approval import approve_township
from app.extensions import db
from app.lookup import by_id
from app.models import Screening, Title, User
from tests.conftest import csrf_token

URL = "/sites/P-001/screenings/new"


@pytest.fixture
def titles(app, make, now):
    """P-001 (城关镇) and P-002 (河口乡), an operator each; five titles whose initials hold "gs"."""
    p1, p2 = make.site("P-001"), make.site("P-002", township="河口乡", village="柳树湾村")
    make.user("op-a", "operator", site=p1)
    make.user("op-b", "operator", site=p2)
    officer = make.user("town-hk", "township", township="河口乡")
    roots = {p1.code: make.library_root(p1), p2.code: make.library_root(p2)}

    def title(name, *, approved=True, held=(), seconds=600.0):
        row = make.title(name, approved=approved)
        media = make.media_file(row, duration_s=seconds)
        for n, code in enumerate(held):
            make.file_entry(roots[code], media, seen=now, relpath=f"{name}-{n}.mp4")
        return str(row.id)

    made = {
        "prune": title("果树修剪技术", held=["P-001"], seconds=600),   # held here, approved
        "graft": title("果树嫁接", held=["P-002"], seconds=1200),      # approved, held elsewhere
        "rice": title("国审水稻品种", approved=False, held=["P-001"]),  # held here, not approved
        "hill": title("高山蔬菜", approved=False, held=["P-002"]),     # approved by 河口乡 only
        "pigs": title("养猪技术", held=["P-001"]),                     # does not match "gs"
    }
    approve_township(by_id(Title, made["hill"]), db.session.get(User, officer.id))
    db.session.commit()
    return made


def names(html: str, list_class: str) -> list[str]:
    """The titles' names in the picker's results (`results`) or chosen list (`chosen`)."""
    block = re.search(rf'<(?:ul|ol) class="{list_class}"[^>]*>(.*?)</(?:ul|ol)>', html, re.S)
    return re.findall(r'<span class="name">([^<]*)</span>', block.group(1))


def form(client, **fields):
    data = {"day": "2027-01-06", "start": "19:30", "end": "21:00", "topic": "冬季果树管理",
            "audience": "all", "repeat": "", "csrf_token": csrf_token(client, URL), **fields}
    return client.post(URL, data=data)


def test_searching_gs_offers_approved_titles_held_here_first(titles, client, login):
    login("op-a")
    html = client.get(URL + "?titles_q=gs").get_data(as_text=True)
    assert names(html, "results") == ["果树修剪技术", "果树嫁接"]  # not 国审水稻品种, 高山蔬菜
    assert names(html, "chosen") == []
    graft = re.search(rf'value="add:{titles["graft"]}".*?</button>', html, re.S).group(0)
    assert "not held here" in graft and "P-002" not in html
    # without a search, the approved titles held here come first
    assert names(client.get(URL).get_data(as_text=True), "results")[:2] == ["果树修剪技术", "养猪技术"]


def test_add_order_remove_and_save_without_a_script(titles, client, login):
    login("op-a")
    page = form(client, titles_q="gs", titles_pick=f"add:{titles['graft']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert names(html, "chosen") == ["果树嫁接"]
    assert names(html, "results") == ["果树修剪技术"]  # a chosen title is not offered again
    assert db.session.scalar(select(Screening)) is None  # nothing saved while picking

    chosen = [titles["graft"]]
    html = form(client, titles=chosen, titles_q="gs",
                titles_pick=f"add:{titles['prune']}").get_data(as_text=True)
    assert names(html, "chosen") == ["果树嫁接", "果树修剪技术"]
    assert re.search(r'class="sum">0:30:00</b>.*?class="slot">1:30:00<', html, re.S)
    assert re.search(r'class="over warn"[^>]* hidden', html)  # 30 minutes fit the slot

    chosen.append(titles["prune"])
    html = form(client, titles=chosen, titles_pick=f"up:{titles['prune']}").get_data(as_text=True)
    assert names(html, "chosen") == ["果树修剪技术", "果树嫁接"]
    html = form(client, titles=chosen, titles_pick=f"remove:{titles['graft']}").get_data(as_text=True)
    assert names(html, "chosen") == ["果树修剪技术"]
    too_long = form(client, titles=chosen, end="19:45", titles_pick="search").get_data(as_text=True)
    assert not re.search(r'class="over warn"[^>]* hidden', too_long)  # 30 minutes in 15

    saved = form(client, titles=[titles["prune"], titles["graft"]], action="save")
    assert saved.status_code == 302
    screening = db.session.scalar(select(Screening))
    assert [i.title.name for i in screening.items] == ["果树修剪技术", "果树嫁接"]

    # the edit page shows the playlist in its order, and saves a new order
    edit = f"/screenings/{screening.id}/edit"
    assert names(client.get(edit).get_data(as_text=True), "chosen") == ["果树修剪技术", "果树嫁接"]
    moved = client.post(edit, data={
        "day": "2027-01-06", "start": "19:30", "end": "21:00", "topic": "冬季果树管理",
        "audience": "all", "titles": [titles["graft"], titles["prune"]], "action": "save",
        "csrf_token": csrf_token(client, edit)})
    assert moved.status_code == 302
    db.session.refresh(screening)
    assert [i.title.name for i in screening.items] == ["果树嫁接", "果树修剪技术"]


def test_another_sites_operator_sees_its_own_holdings_first_and_no_others(titles, client, login):
    login("op-b")
    html = client.get("/sites/P-002/screenings/new?titles_q=gs").get_data(as_text=True)
    # both held here (by pinyin), 高山蔬菜 approved by 河口乡 for its sites; then 果树修剪技术,
    # held at P-001, which is not said
    assert names(html, "results") == ["高山蔬菜", "果树嫁接", "果树修剪技术"]
    assert "P-001" not in html
    assert client.get(URL + "?titles_q=gs").status_code == 403


def test_the_json_search_answers_what_the_page_lists(titles, client, login):
    login("op-a")
    body = client.get("/titles/pick.json?site=P-001&q=gs").json
    assert [(i["name"], i["held_here"], i["duration_s"]) for i in body["items"]] == [
        ("果树修剪技术", True, 600.0), ("果树嫁接", False, 1200.0)]
    assert body["more"] is False
    left = client.get(f"/titles/pick.json?site=P-001&q=gs&leave_out={titles['prune']}").json
    assert [i["name"] for i in left["items"]] == ["果树嫁接"]
    assert client.get("/titles/pick.json?site=P-002&q=gs").status_code == 403


def test_the_recurrence_is_plain_choices_with_the_rule_folded_away(titles, client, login):
    login("op-a")
    html = client.get(URL + "?date=2027-01-06").get_data(as_text=True)
    assert "Every week on Wednesday" in html and "Every month on day 6" in html
    assert re.search(r'<details class="advanced">\s*<summary>', html)  # closed
    assert re.search(r'<details class="advanced">.*name="rule"', html, re.S)
    saved = form(client, titles=[titles["prune"]], repeat="",
                 rule="FREQ=MONTHLY;BYMONTHDAY=6,16,26", action="save")
    assert saved.status_code == 302  # a rule typed under Advanced makes a recurring plan
    days = {(s.starts_at + timedelta(hours=8)).day for s in db.session.scalars(select(Screening))}
    assert days <= {6, 16, 26} and len(db.session.scalars(select(Screening)).all()) > 1


# --- attach a file to a title: the unassigned files page ---------------------------------------

@pytest.fixture
def loose(titles, make, now):
    """A file with no title, present at P-001 and at P-002; an administrator."""
    from app.models import LibraryRoot, Site

    make.user("admin", "admin")
    media = make.media_file(duration_s=90)
    for code in ("P-001", "P-002"):
        site = db.session.scalar(select(Site).where(Site.code == code))
        root = db.session.scalar(select(LibraryRoot).where(LibraryRoot.site_id == site.id))
        make.file_entry(root, media, seen=now, relpath=f"VCD/{code}/AVSEQ01.DAT")
    return media


def site_cell(html: str) -> str:
    return re.sub(r"<[^>]+>", "", re.search(r'<td data-label="Site" class="sites">(.*?)</td>',
                                            html, re.S).group(1))


def test_unassigned_files_name_the_sites_holding_them_within_sight(loose, client, login):
    login("admin")
    assert site_cell(client.get("/files/unassigned").get_data(as_text=True)) == "P-001, P-002"
    login("op-a")
    html = client.get("/files/unassigned").get_data(as_text=True)
    assert site_cell(html) == "P-001" and "P-002" not in html
    assert '<datalist' not in html  # no longer every title's name in the page


def test_attach_searches_by_initials_then_attaches_the_title_chosen(titles, loose, client, login):
    login("op-a")
    url = f"/files/{loose.id}/attach"
    token = csrf_token(client, "/files/unassigned")
    searched = client.post(url, data={"title": "gs", "csrf_token": token})
    assert searched.status_code == 302 and f"file={loose.id}" in searched.location
    page = client.get(searched.location).get_data(as_text=True)
    offered = re.findall(r'name="title_id" value="([^"]+)"[^>]*>Attach to ([^<]*)<', page)
    # by pinyin, approved or not: a file belongs to its title whatever the approval
    assert [name for _id, name in offered] == ["高山蔬菜", "国审水稻品种", "果树嫁接", "果树修剪技术"]
    assert 'value="gs"' in page
    chosen = client.post(url, data={"title": "gs", "title_id": titles["graft"], "csrf_token": token})
    assert chosen.status_code == 302
    db.session.refresh(loose)
    assert str(loose.title_id) == titles["graft"]
    body = client.get("/titles/pick.json?q=gs&any=1").json
    assert "国审水稻品种" in [i["name"] for i in body["items"]]
    assert "国审水稻品种" not in [i["name"] for i in client.get("/titles/pick.json?q=gs").json["items"]]

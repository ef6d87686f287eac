"""The people picker on the roll-call and on a filled paper sheet: the same pinyin search box as
the title picker, without a script (every button posts the form) and as JSON for the script;
people of the screening's villages first, then of its township, nobody from elsewhere."""

from __future__ import annotations

import re

import pytest

from tests.conftest import client_of, csrf_token
from tests.web.conftest import marks


@pytest.fixture
def sheet(open_sheet, make):
    """open_sheet (P-001 in 城关镇/东村, a party members' screening open now, 张三 李四 王五
    expected) and three more whose initials are zs too: 赵四 of 东村 (not a party member: not
    expected), 周山 of 西村 (P-002, same township) and 张三丰 of 河口乡's 东村 (another township)."""
    make.site("P-002", township="城关镇", village="西村")
    east = open_sheet["east"]
    extra = make.people(east, ("赵四", {"party_member": False, "role": "villager"}))
    extra.update(make.people("西村", ("周山", {"party_member": False, "role": "villager"})))
    other_east = make.site("P-902", township="河口乡", village="东村").unit
    extra.update(make.people(other_east, "张三丰"))
    return {**open_sheet, "extra": extra}


def _names(html: str, part: str) -> list[str]:
    """The names listed in the picker's results or chosen list."""
    box = html.split('data-picker="people"')[1].split("<template")[0]
    if part == "results":
        box = box.split('class="results"')[1].split("</ul>")[0]
    else:
        box = box.split('class="chosen"')[1].split("</ol>")[0]
    return re.findall(r'<span class="name">([^<]*)</span>', box)


def _post(client, url: str, **data):
    data.setdefault("csrf_token", csrf_token(client, url))
    return client.post(url, data=data)


def test_rollcall_adds_someone_not_listed_without_a_script(app, sheet):
    s, extra = sheet["open"], sheet["extra"]
    operator = client_of(app, "op-a")
    url = f"/screenings/{s.id}/rollcall"
    page = operator.get(url).get_data(as_text=True)
    assert 'data-picker="people"' in page and 'name="people_q"' in page
    assert "赵四" not in page.split('data-picker="people"')[0]  # not expected: not on the sheet

    found = _post(operator, url, people_q="zs", people_pick="search")
    assert found.status_code == 200
    html = found.get_data(as_text=True)
    assert _names(html, "results") == ["张三", "赵四", "周山"]  # 东村 first, then 西村; no 张三丰
    added = _post(operator, url, people_q="zs", people_pick=f"add:{extra['赵四'].id}")
    html = added.get_data(as_text=True)
    assert _names(html, "chosen") == ["赵四"] and "赵四" not in _names(html, "results")
    assert marks(s) == {}  # picking saves nothing

    saved = _post(operator, url, people=str(extra["赵四"].id),
                  **{f"status-{sheet['people']['张三'].id}": "present"})
    assert saved.status_code == 302
    recorded = marks(s)
    assert set(recorded) == {"张三", "赵四"}
    assert recorded["赵四"].status == "present" and recorded["赵四"].method == "operator"
    page = operator.get(url).get_data(as_text=True)
    assert "赵四" in page.split('data-picker="people"')[0]  # now on the roll-call


def test_the_marks_chosen_survive_a_search(app, sheet):
    s, zhang = sheet["open"], sheet["people"]["张三"]
    operator = client_of(app, "op-a")
    url = f"/screenings/{s.id}/rollcall"
    html = _post(operator, url, people_q="zhou", people_pick="search",
                 **{f"status-{zhang.id}": "excused"}).get_data(as_text=True)
    assert re.search(rf'name="status-{zhang.id}" value="excused" checked', html)
    assert _names(html, "results") == ["周山"]


def test_nobody_from_another_township_can_be_added(app, sheet):
    s, far = sheet["open"], sheet["extra"]["张三丰"]
    operator = client_of(app, "op-a")
    url = f"/screenings/{s.id}/rollcall"
    html = _post(operator, url, people_pick=f"add:{far.id}").get_data(as_text=True)
    assert _names(html, "chosen") == []
    assert _post(operator, url, people=str(far.id)).status_code == 302
    assert "张三丰" not in marks(s)


def test_the_json_search_for_the_script(app, sheet):
    s = sheet["open"]
    operator = client_of(app, "op-a")
    url = f"/screenings/{s.id}/people/pick.json"
    body = operator.get(f"{url}?q=zs").get_json()
    assert [i["name"] for i in body["items"]] == ["张三", "赵四", "周山"] and body["more"] is False
    assert body["items"][2]["line"] == "西村"
    zhao = str(sheet["extra"]["赵四"].id)
    left = operator.get(f"{url}?q=zs&leave_out={zhao}").get_json()
    assert [i["name"] for i in left["items"]] == ["张三", "周山"]
    assert [i["name"] for i in operator.get(f"{url}?q=张s").get_json()["items"]] == ["张三"]


def test_another_sites_operator_cannot_search_its_people(app, sheet, make):
    make.user("op-far", "operator", site=make.site("P-903", township="河口乡", village="石桥村"))
    url = f"/screenings/{sheet['open'].id}/people/pick.json?q=zs"
    assert "张三" in [i["name"] for i in client_of(app, "op-a").get(url).get_json()["items"]]
    far = client_of(app, "op-far")
    response = far.get(url)
    assert response.status_code in (403, 404)
    assert "items" not in response.get_data(as_text=True)


def test_a_paper_sheet_signs_in_the_people_picked_for_its_blank_lines(app, sheet):
    s, zhou = sheet["open"], sheet["extra"]["周山"]
    operator = client_of(app, "op-a")
    url = f"/screenings/{s.id}/paper/entry"
    wang = sheet["people"]["王五"]
    html = _post(operator, url, present=str(wang.id), people_q="zhoushan",
                 people_pick=f"add:{zhou.id}", **{"walkins-0-name": "新来的",
                                                  "walkins-0-village": "东村"}
                 ).get_data(as_text=True)
    assert _names(html, "chosen") == ["周山"]
    assert re.search(rf'value="{wang.id}" checked', html)  # the ticks survive picking
    assert 'value="新来的"' in html
    assert marks(s) == {}
    saved = _post(operator, url, present=str(wang.id), people=str(zhou.id))
    assert saved.status_code == 302
    recorded = marks(s)
    assert set(recorded) == {"王五", "周山"}
    assert recorded["周山"].method == "paper" and recorded["周山"].status == "present"
    again = _post(operator, url, people=str(zhou.id))  # the same sheet again adds nobody
    assert again.status_code == 302 and len(marks(s)) == 2


# --- the new batch form: the title picker instead of a checkbox per title ---------------------

def test_the_batch_form_picks_titles_by_pinyin_without_a_script(app, make):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Batch

    make.user("admin", "admin")
    first, second = make.title("果树修剪技术"), make.title("白沙乡红色故事")
    make.title("家乡的变化")
    make.title("未审的故事", approved=False)
    for n in range(12):
        make.title(f"养殖技术第{n}讲")
    client = client_of(app, "admin")
    url = "/distribution/batches/new"
    page = client.get(url).get_data(as_text=True)
    assert 'data-picker="titles"' in page and 'type="checkbox" name="titles"' not in page
    assert '<p class="muted more">' in page  # 8 listed, "type more" shown: not 16 checkboxes
    fields = {"name": "冬季光盘", "form": "DVD"}
    html = _post(client, url, titles_q="gs", titles_pick="search", **fields).get_data(as_text=True)
    found = re.findall(r'<span class="name">([^<]*)</span>',
                       html.split('class="results"')[1].split("</ul>")[0])
    assert found == ["白沙乡红色故事", "果树修剪技术"]  # by pinyin; not the one not approved
    html = _post(client, url, titles=str(second.id), titles_q="gs",
                 titles_pick=f"add:{first.id}", **fields).get_data(as_text=True)
    assert 'value="冬季光盘"' in html  # the fields typed survive picking
    chosen = html.split('class="chosen"')[1].split("</ol>")[0]
    assert re.findall(r'<span class="name">([^<]*)</span>', chosen) == ["白沙乡红色故事", "果树修剪技术"]
    assert db.session.scalar(select(db.func.count(Batch.id))) == 0
    saved = _post(client, url, titles=[str(second.id), str(first.id)], **fields)
    assert saved.status_code == 302
    batch = db.session.scalar(select(Batch))
    assert {i.title_id for i in batch.items} == {first.id, second.id}


# --- a loan's borrower: one person of the site's village --------------------------------------

def test_a_loans_borrower_is_picked_from_the_villages_roster_without_a_script(app, sheet):
    from datetime import date, timedelta

    from sqlalchemy import select

    from app.extensions import db
    from app.models import Loan

    people, zhao, zhou = sheet["people"], sheet["extra"]["赵四"], sheet["extra"]["周山"]
    operator = client_of(app, "op-a")
    url = "/sites/P-001/loans"
    page = operator.get(url).get_data(as_text=True)
    assert 'data-picker="person"' in page and '<select id="person"' not in page
    assert _names(page.replace('data-picker="person"', 'data-picker="people"'), "results") == [
        "李四", "王五", "张三", "赵四"]  # the village's roster before any search, by initials
    fields = {"item": "投影仪", "kind": "equipment", "borrower": "",
              "lent_on": date.today().isoformat(),
              "due_on": (date.today() + timedelta(days=7)).isoformat()}
    html = _post(operator, url, person_q="zs", person_pick="search", **fields).get_data(as_text=True)
    box = html.replace('data-picker="person"', 'data-picker="people"')
    assert _names(box, "results") == ["张三", "赵四"]  # not 周山 of 西村: another village
    html = _post(operator, url, person=str(people["张三"].id), person_q="zs",
                 person_pick=f"add:{zhao.id}", **fields).get_data(as_text=True)
    box = html.replace('data-picker="person"', 'data-picker="people"')
    assert _names(box, "chosen") == ["赵四"]  # one borrower: the new choice replaces the old
    assert 'value="投影仪"' in html and db.session.scalar(select(Loan)) is None
    assert _post(operator, url, person=str(zhao.id), **fields).status_code == 302
    loan = db.session.scalar(select(Loan))
    assert (loan.borrower, loan.person_id) == ("赵四", zhao.id)
    edit = operator.get(f"/sites/P-001/loans/{loan.id}/edit").get_data(as_text=True)
    box = edit.replace('data-picker="person"', 'data-picker="people"')
    assert _names(box, "chosen") == ["赵四"]
    found = operator.get("/sites/P-001/loans/people.json?q=zs").get_json()["items"]
    assert [i["name"] for i in found] == ["张三", "赵四"] and zhou.name not in str(found)

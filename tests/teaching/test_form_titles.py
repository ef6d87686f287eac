"""The new plan form's titles: picked with the shared title picker (pinyin initials, in order,
approved for the township), or typed by name; a name no title has, or two titles share, is told."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.catalog.approval import approve_township
from app.extensions import db
from app.models import Screening, User
from tests.conftest import client_of, csrf_token
from tests.teaching.conftest import month_after


def issue(client, first, last, *titles: str):
    return client.post("/teaching-plans/new", data={
        "csrf_token": csrf_token(client, "/teaching-plans/new"), "name": "按名选片",
        "starts_on": first, "ends_on": last, "kind": "playback_point", "townships": "城关镇",
        "topic-0": "果树春季管理", "rule-0": "six_days", "minutes-0": "90",
        "titles-0": list(titles)})


def _form(client, first, last, **fields):
    return {"csrf_token": csrf_token(client, "/teaching-plans/new"), "name": "按名选片",
            "starts_on": first, "ends_on": last, "kind": "playback_point", "townships": "城关镇",
            "topic-0": "果树春季管理", "rule-0": "six_days", "minutes-0": "90", **fields}


def _names(html: str, pane: str) -> list[str]:
    part = html.split('data-picker="titles-0"')[1].split("</fieldset>")[0]
    part = part.split('class="chosen"')[0 if pane == "results" else 1]
    return re.findall(r'<span class="name">([^<]+)</span>', part)


def test_each_session_picks_titles_by_initials_in_order_without_a_script(app, net, make, now):
    """The shared title picker on every session: `gsxj` finds 果树修剪技术; a title only this
    township approved is offered to its officer; the chosen order is what the screenings play."""
    town_only = make.title("生猪防疫", approved=False)
    approve_township(town_only, db.session.scalar(select(User).where(User.username == "town")))
    db.session.commit()
    town = client_of(app, "town")
    page = town.get("/teaching-plans/new").get_data(as_text=True)
    assert page.count('<fieldset class="picker" data-picker="titles-') == 4
    assert "datalist" not in page
    first, last = month_after(now)
    found = town.post("/teaching-plans/new", data=_form(
        town, first, last, **{"titles-0_q": "gsxj", "titles-0_pick": "search"}))
    assert found.status_code == 200 and _names(found.get_data(as_text=True), "results") == [
        "果树修剪技术"]
    assert db.session.scalar(select(Screening.id).limit(1)) is None  # a search issues nothing
    held, lacking = str(net["held"].id), str(net["lacking"].id)
    added = town.post("/teaching-plans/new", data=_form(
        town, first, last, **{"titles-0": [held, lacking], "titles-0_pick": f"up:{lacking}"}))
    assert _names(added.get_data(as_text=True), "chosen") == ["生猪养殖", "果树修剪技术"]
    local = town.post("/teaching-plans/new", data=_form(
        town, first, last, **{"titles-0_q": "szfy", "titles-0_pick": "search"}))
    assert _names(local.get_data(as_text=True), "results") == ["生猪防疫"]
    done = town.post("/teaching-plans/new", data=_form(
        town, first, last, **{"titles-0": [lacking, held, str(town_only.id)]}))
    assert done.status_code == 200, done.get_data(as_text=True)
    row = db.session.scalars(select(Screening).where(Screening.teaching_session_id.is_not(None))
                             ).first()
    assert [i.title.name for i in sorted(row.items, key=lambda i: i.position)] == [
        "生猪养殖", "果树修剪技术", "生猪防疫"]


def test_an_unknown_or_shared_name_is_told_and_the_form_kept(app, net, make, now):
    town = client_of(app, "town")
    first, last = month_after(now)
    unknown = issue(town, first, last, "没有这部片")
    html = unknown.get_data(as_text=True)
    assert unknown.status_code == 422 and "No title is named 没有这部片." in html
    assert 'value="果树春季管理"' in html  # the form is kept
    twin = make.title("生猪养殖")
    shared = issue(town, first, last, "生猪养殖")
    assert shared.status_code == 422
    assert "Several titles are named 生猪养殖" in shared.get_data(as_text=True)
    tagged = issue(town, first, last, f"生猪养殖 #{str(twin.id)[:8]}")
    assert tagged.status_code == 200
    row = db.session.scalars(select(Screening).where(Screening.teaching_session_id.is_not(None))
                             ).first()
    assert [i.title_id for i in row.items] == [twin.id]

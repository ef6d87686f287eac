"""The new plan form's titles: typed or picked from a list that finds them by pinyin initials,
in order; a name no title has, or two titles share, is told."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import Screening
from tests.conftest import client_of, csrf_token
from tests.teaching.conftest import month_after


def issue(client, first, last, *titles: str):
    return client.post("/teaching-plans/new", data={
        "csrf_token": csrf_token(client, "/teaching-plans/new"), "name": "按名选片",
        "starts_on": first, "ends_on": last, "kind": "playback_point", "townships": "城关镇",
        "topic-0": "果树春季管理", "rule-0": "six_days", "minutes-0": "90",
        "titles-0": list(titles)})


def test_titles_are_offered_with_their_initials_and_picked_by_name_in_order(app, net, now):
    town = client_of(app, "town")
    page = town.get("/teaching-plans/new").get_data(as_text=True)
    assert re.search(r'<option value="果树修剪技术" label="gsxjjs guoshuxiujianjishu">', page)
    assert page.count('list="plan-titles"') == 4 * 3 and "<select name=\"titles-0\"" not in page
    first, last = month_after(now)
    done = issue(town, first, last, "生猪养殖", "", "果树修剪技术")
    assert done.status_code == 200, done.get_data(as_text=True)
    row = db.session.scalars(select(Screening).where(Screening.teaching_session_id.is_not(None))
                             ).first()
    assert [i.title.name for i in sorted(row.items, key=lambda i: i.position)] == [
        "生猪养殖", "果树修剪技术"]


def test_an_unknown_or_shared_name_is_told_and_the_form_kept(app, net, make, now):
    town = client_of(app, "town")
    first, last = month_after(now)
    unknown = issue(town, first, last, "没有这部片")
    html = unknown.get_data(as_text=True)
    assert unknown.status_code == 422 and "No title is named 没有这部片." in html
    assert 'value="没有这部片"' in html and 'value="果树春季管理"' in html
    twin = make.title("生猪养殖")
    page = town.get("/teaching-plans/new").get_data(as_text=True)
    assert f'value="生猪养殖 #{str(twin.id)[:8]}"' in page
    shared = issue(town, first, last, "生猪养殖")
    assert shared.status_code == 422
    assert "Several titles are named 生猪养殖" in shared.get_data(as_text=True)
    tagged = issue(town, first, last, f"生猪养殖 #{str(twin.id)[:8]}")
    assert tagged.status_code == 200
    row = db.session.scalars(select(Screening).where(Screening.teaching_session_id.is_not(None))
                             ).first()
    assert [i.title_id for i in row.items] == [twin.id]

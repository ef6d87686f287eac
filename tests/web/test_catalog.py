"""Catalog pages: search and filters, a title's page, unassigned files, approval, background scans."""

from __future__ import annotations

import json
import os
import re
import time

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import MediaFile, ScanJob, Title
from tests.conftest import csrf_token


@pytest.fixture
def scanned(app, make, corpus):
    """Site P-001 holding the scanned corpus; an admin and the site's operator."""
    site = make.site("P-001")
    make.user("admin", "admin")
    make.user("op-a", "operator", site=site)
    root, expected = corpus
    assert app.test_cli_runner().invoke(args=["scan", root, "--site", "P-001"]).exit_code == 0
    return root, expected


def test_title_search_by_pinyin_initials_and_filters(client, login, make):
    make.user("admin", "admin")
    make.title("果树修剪技术", series="农村实用科技", topics=["planting"], approved=True)
    make.title("追寻周念民足迹", series="自制片", topics=["exemplars"], audience="party_members",
               approved=False)
    login("admin")
    for q in ("果树", "guoshu", "gsxj"):
        page = client.get(f"/titles?q={q}").get_data(as_text=True)
        assert "果树修剪技术" in page and "追寻周念民足迹" not in page, q
    page = client.get("/titles?series=自制片").get_data(as_text=True)
    assert "追寻周念民足迹" in page and "果树修剪技术" not in page
    page = client.get("/titles?approved=no&audience=party_members").get_data(as_text=True)
    assert "追寻周念民足迹" in page and "果树修剪技术" not in page
    page = client.get("/titles?topic=planting").get_data(as_text=True)
    assert "果树修剪技术" in page and "追寻周念民足迹" not in page


MIXED_SEARCH = {  # a term mixing characters and letters, as the roster's 张s: 果 then s…
    "果s": ["果树修剪技术"],
    "国s": ["国审小麦品种介绍"],
    "gs": ["国审小麦品种介绍", "果树修剪技术"],  # initials alone: both, by pinyin
    "果树": ["果树修剪技术"],
    "guoshu": ["果树修剪技术"],
    "g橘": ["柑橘栽培"],  # not 国家… (also "gj")
}


@pytest.mark.parametrize("q", list(MIXED_SEARCH))
def test_title_search_mixing_characters_and_initials(client, login, make, q):
    make.user("admin", "admin")
    for name in ("果树修剪技术", "国审小麦品种介绍", "国家政策解读", "柑橘栽培"):
        make.title(name)
    login("admin")
    page = client.get("/titles", query_string={"q": q}).get_data(as_text=True)
    found = re.findall(r'<a href="/titles/[0-9a-f-]{36}">([^<]*)</a>', page)
    assert found == MIXED_SEARCH[q]


def test_make_a_title_from_an_unassigned_file(client, login, scanned):
    login("op-a")
    page = client.get("/files/unassigned").get_data(as_text=True)
    assert "film.mp4" in page and "种植.mpg" in page
    media = db.session.scalar(select(MediaFile).where(MediaFile.tags["title"].as_string() == "种植技术"))
    form = client.get(f"/titles/new?file={media.id}").get_data(as_text=True)
    assert 'value="种植技术"' in form  # the name comes from the file's own tag
    response = client.post(f"/titles/new?file={media.id}", data={
        "name": "种植技术", "series": "乡土教材", "topics": ["planting"], "audience": "villagers",
        "csrf_token": csrf_token(client, "/titles/new")})
    assert response.status_code == 302
    title = db.session.scalar(select(Title).where(Title.name == "种植技术"))
    page = client.get(f"/titles/{title.id}").get_data(as_text=True)
    assert "0:00:03" in page  # the duration of film.mp4
    assert "P-001" in page  # held at the site
    assert "film.mp4" not in client.get("/files/unassigned").get_data(as_text=True)


def test_attach_a_file_to_an_existing_title(client, login, make, scanned):
    title = make.title("养殖技术")
    login("op-a")
    media = db.session.scalar(select(MediaFile).where(MediaFile.container == "asf"))
    response = client.post(f"/files/{media.id}/attach", data={
        "title": "养殖技术", "csrf_token": csrf_token(client, "/files/unassigned")})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(MediaFile, media.id).title_id == title.id
    response = client.post(f"/files/{media.id}/attach", data={
        "title": "没有这个片子", "csrf_token": csrf_token(client, "/files/unassigned")},
        follow_redirects=True)
    assert "No title named 没有这个片子" in response.get_data(as_text=True)


def test_approval_by_admin(client, login, make):
    make.user("admin", "admin")
    title = make.title("村规民约讲解", approved=False)
    login("admin")
    client.post(f"/titles/{title.id}/approve", data={"csrf_token": csrf_token(client, "/titles")})
    db.session.expire_all()
    assert db.session.get(Title, title.id).approved
    assert "Withdraw approval" in client.get(f"/titles/{title.id}").get_data(as_text=True)


def test_unknown_or_malformed_ids_are_404(client, login, make):
    make.user("admin", "admin")
    login("admin")
    for url in ("/titles/not-a-uuid", "/titles/00000000-0000-0000-0000-000000000000",
                "/scans/nope", "/sites/NOPE", "/sites/NOPE/library", "/titles/new?file=zz"):
        assert client.get(url).status_code == 404, url


def test_scan_now_runs_in_the_background_with_progress(app, client, login, make, corpus):
    root, expected = corpus
    make.user("op-a", "operator", site=make.site("P-001"))
    login("op-a")
    token = csrf_token(client, "/sites/P-001/library")
    response = client.post("/sites/P-001/library", data={"path": root, "csrf_token": token})
    assert response.status_code == 302
    response = client.post("/sites/P-001/scan", data={"csrf_token": token})
    assert response.status_code == 302  # answered at once, the scan runs on
    job_url = response.headers["Location"]
    assert "scan-progress" in client.get(job_url).get_data(as_text=True)
    for _ in range(200):
        state = client.get(job_url + ".json").json
        if state["status"] not in ("queued", "running"):
            break
        time.sleep(0.05)
    assert state["status"] == "done", state
    assert state["summary"]["new"] == len(expected["durations"])
    assert {e["path"] for e in state["summary"]["errors"]} == set(expected["bad"])
    page = client.get("/sites/P-001/library").get_data(as_text=True)
    assert "lesson.mkv" in page and "empty file" in page
    assert db.session.scalar(select(ScanJob.status)) == "done"


def test_library_folder_must_exist(client, login, make, tmp_path):
    site = make.site("P-001")
    make.user("op-a", "operator", site=site)
    login("op-a")
    response = client.post("/sites/P-001/library", data={
        "path": str(tmp_path / "nowhere"), "csrf_token": csrf_token(client, "/sites/P-001/library")})
    assert "is not a folder on this computer" in response.get_data(as_text=True)


def test_failure_reasons_are_shown_in_the_page_language(client, login, scanned):
    login("admin")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN,zh;q=0.9"
    page = client.get("/sites/P-001/library").get_data(as_text=True)
    assert "空文件（0 字节）" in page
    assert "文件不完整（仅有" in page
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get("/sites/P-001/library").get_data(as_text=True)
    assert "empty file (0 bytes)" in page and "truncated file (" in page


def test_the_players_reasons_are_shown_in_the_page_language(app):
    from flask_babel import force_locale

    from app.reasons import show_reason

    reasons = ["file not found: /media/usb/果树.mp4", "this item has no file",
               "the video did not start within 15 s", "not a regular file: /dev/sr0"]
    with app.test_request_context(), force_locale("zh"):
        assert [show_reason(r) for r in reasons] == [
            "找不到文件：/media/usb/果树.mp4", "这一项没有对应的文件", "视频在 15 秒内没有开始播放",
            "不是普通文件：/dev/sr0"]
    with app.test_request_context(), force_locale("en"):
        assert [show_reason(r) for r in reasons] == reasons


def _videos(page: str) -> list[str]:
    """The file names in the library page's table of videos, in order."""
    return re.findall(r'<td data-label="File">([^<]+)</td>', page)


def test_the_library_pages_its_videos(app, client, login, scanned):
    root, expected = scanned
    app.config["PAGE_SIZE"] = 4
    total = len(expected["durations"]) + len(expected["bad"])
    login("admin")
    first = client.get("/sites/P-001/library").get_data(as_text=True)
    assert len(_videos(first)) == 4
    assert f"Files 1–4 of {total}." in first
    assert f"Page 1 of {-(-total // 4)}" in first and 'rel="next"' in first
    seen = []
    for number in range(1, -(-total // 4) + 1):
        page = client.get(f"/sites/P-001/library?page={number}").get_data(as_text=True)
        seen += _videos(page)
    assert sorted(seen) == sorted([*expected["durations"], *expected["bad"]])
    last = client.get("/sites/P-001/library?page=999").get_data(as_text=True)
    assert _videos(last) == seen[-len(_videos(last)):] and 'rel="next"' not in last


@pytest.fixture
def odd_library(app, make, corpus):
    """The corpus plus what is not a file: a pipe, a dangling link, a loop of links."""
    root, _ = corpus
    os.mkfifo(os.path.join(root, "pipe.mp4"))
    os.symlink(os.path.join(root, "nowhere.mp4"), os.path.join(root, "gone.mp4"))
    os.symlink(".", os.path.join(root, "loop"))
    make.site("P-001")
    make.user("admin", "admin")
    return root


def test_the_library_shows_what_the_scan_could_not_index(app, client, login, odd_library):
    result = app.test_cli_runner().invoke(args=["scan", odd_library, "--site", "P-001", "--json"])
    errors = {e["path"]: e["error"] for e in json.loads(result.stdout)["errors"]}
    assert errors["pipe.mp4"] == "not a regular file"  # the CLI lists them as ever
    assert errors["gone.mp4"] == "broken symbolic link"
    assert errors["loop"] == "symbolic link loop"
    login("admin")
    page = client.get("/sites/P-001/library").get_data(as_text=True)
    for name, reason in (("pipe.mp4", "not a regular file"), ("gone.mp4", "broken symbolic link"),
                         ("loop", "symbolic link loop")):
        assert re.search(rf"{re.escape(name)}</code></td><td[^>]*>{reason}<", page), name
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN,zh;q=0.9"
    page = client.get("/sites/P-001/library").get_data(as_text=True)
    assert "失效的符号链接" in page and "符号链接循环" in page and "不是普通文件" in page
    os.remove(os.path.join(odd_library, "pipe.mp4"))
    os.remove(os.path.join(odd_library, "gone.mp4"))
    os.remove(os.path.join(odd_library, "loop"))
    app.test_cli_runner().invoke(args=["scan", odd_library, "--site", "P-001"])
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert "gone.mp4" not in client.get("/sites/P-001/library").get_data(as_text=True)

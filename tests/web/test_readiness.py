"""The readiness check: the day before (full: hash and decode) and just before (quick), by API,
command and the minute tick, on the real corpus scanned at P-001."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import FileEntry, ReadinessCheck, Screening
from app.screenings.readiness import FULL, QUICK, check_screening, run_due_checks
from media_index import quick_fingerprint
from tests import factories
from tests.conftest import token_client


@pytest.fixture
def now():
    """The test's clock: the next whole minute, so results never depend on when it runs."""
    return (datetime.now(UTC) + timedelta(minutes=1)).replace(second=0, microsecond=0)


@pytest.fixture
def p001(app, make, corpus):
    app.config["VLC_ARGS"] = "--vout=dummy --aout=dummy"  # a screen, as far as the check goes
    site = make.site("P-001")
    make.site("P-002", village="西村")
    make.user("admin", "admin")
    make.user("op-b", "operator", site=db.session.scalar(
        select(type(site)).where(type(site).code == "P-002")))
    result = app.test_cli_runner().invoke(args=["scan", corpus[0], "--site", "P-001"])
    assert result.exit_code == 0, result.output
    return site


def _entry(relpath: str) -> FileEntry:
    return db.session.scalar(select(FileEntry).where(FileEntry.relpath == relpath))


def _plan(site, start, *specs) -> Screening:
    return factories.screening(site, start=start, topic="学习", playlist=list(specs))


def _flip_a_byte(path: str) -> None:
    """Damage the middle of a file, keeping its size and modification time."""
    stat = os.stat(path)
    with open(path, "r+b") as fh:
        fh.seek(stat.st_size // 2)
        byte = fh.read(1)
        fh.seek(stat.st_size // 2)
        fh.write(bytes([byte[0] ^ 0xFF]))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_a_flipped_byte_turns_the_full_check_at_risk_naming_the_file(app, p001, corpus, now):
    film = _entry("film.mp4").media_file
    screening = _plan(p001, now + timedelta(hours=3), {"sha256": film.sha256},
                      {"sha256": _entry("lesson.avi").media_file.sha256})
    client = token_client(app, "admin")
    url = f"/api/v1/screenings/{screening.id}/readiness"
    assert client.get(url).status_code == 404  # not checked yet
    ready = client.post(url)
    assert ready.status_code == 200 and ready.json["status"] == "ready"
    assert ready.json["problems"] == []

    _flip_a_byte(os.path.join(corpus[0], "film.mp4"))
    risky = client.post(url)
    assert risky.status_code == 200 and risky.json["status"] == "at_risk"
    [problem] = risky.json["problems"]
    assert problem["position"] == 0 and problem["sha256"] == film.sha256
    assert "SHA-256 no longer matches" in problem["problem"]
    assert problem["problem"].endswith("film.mp4") and problem["path"] == "film.mp4"
    assert client.get(url).json == risky.json
    # Put right again: the quick check (size and edges only) cannot clear what the full check
    # found; the next full check does.
    _flip_a_byte(os.path.join(corpus[0], "film.mp4"))
    quick = check_screening(db.session.get(Screening, screening.id), QUICK, now=now)
    assert quick.status == "at_risk" and "SHA-256" in quick.problems[0]["problem"]
    assert client.post(url).json["status"] == "ready"


def test_missing_files_and_titles_without_a_file_name_their_substitutes(app, p001, corpus, make,
                                                                        now):
    avi, mkv = _entry("lesson.avi").media_file, _entry("lesson.mkv").media_file
    title = make.title("科学养殖")
    avi.title_id = mkv.title_id = title.id
    nowhere = make.title("没有文件的片子")
    db.session.commit()
    screening = _plan(p001, now + timedelta(hours=2), {"sha256": avi.sha256},
                      {"title_id": str(nowhere.id)})
    os.remove(os.path.join(corpus[0], "lesson.avi"))
    check = check_screening(screening, FULL, now=now)
    assert check.status == "at_risk"
    gone, none = check.problems
    assert gone["position"] == 0 and gone["problem"] == "file not found: lesson.avi"
    assert gone["substitutes"] == [{"sha256": mkv.sha256, "path": "lesson.mkv"}]
    assert none["position"] == 1 and none["problem"] == "no file of this title at the site"


def test_an_undecodable_start_is_at_risk(app, p001, corpus, now):
    entry = _entry("lesson.mkv")
    screening = _plan(p001, now + timedelta(hours=2), {"sha256": entry.media_file.sha256})
    path = os.path.join(corpus[0], "lesson.mkv")
    with open(path, "r+b") as fh:  # scramble everything after the header, size kept
        data = bytearray(fh.read())
        for i in range(200, len(data)):
            data[i] ^= 0x5A
        fh.seek(0)
        fh.write(data)
    entry.media_file.sha256 = hashlib.sha256(bytes(data)).hexdigest()
    entry.media_file.fingerprint = quick_fingerprint([path], len(data))
    db.session.commit()  # as if scanned so: only decoding can tell
    check = check_screening(screening, FULL, now=now)
    assert check.status == "at_risk"
    assert check.problems[0]["problem"].startswith("its first seconds do not decode")


def test_the_tick_checks_a_day_ahead_and_again_just_before(app, p001, now):
    film = _entry("film.mp4").media_file
    start = now + timedelta(hours=30)
    screening = _plan(p001, start, {"sha256": film.sha256})
    assert run_due_checks(now) == 0  # more than 24 hours ahead
    assert run_due_checks(start - timedelta(hours=23)) == 1
    row = db.session.scalar(select(ReadinessCheck).where(ReadinessCheck.screening_id == screening.id))
    assert row.kind == FULL and row.status == "ready"
    assert run_due_checks(start - timedelta(hours=2)) == 0  # nothing new
    assert run_due_checks(start - timedelta(minutes=29)) == 1
    db.session.refresh(row)
    assert row.kind == QUICK and row.full_at == start - timedelta(hours=23)
    assert run_due_checks(start - timedelta(minutes=20)) == 0


def test_scope_and_a_site_whose_files_are_elsewhere(app, p001, make, now):
    film = _entry("film.mp4").media_file
    screening = _plan(p001, now + timedelta(hours=2), {"sha256": film.sha256})
    other = token_client(app, "op-b")
    assert other.post(f"/api/v1/screenings/{screening.id}/readiness").status_code == 403
    p002 = db.session.scalar(select(type(p001)).where(type(p001).code == "P-002"))
    away = _plan(p002, now + timedelta(hours=2))
    answer = token_client(app, "admin").post(f"/api/v1/screenings/{away.id}/readiness")
    assert answer.status_code == 409 and "P-002" in answer.json["error"]["message"]


def test_the_command_checks_the_next_hours(app, p001, corpus, now):
    film = _entry("film.mp4").media_file
    _plan(p001, now + timedelta(hours=2), {"sha256": film.sha256})
    _plan(p001, now + timedelta(hours=50), {"sha256": film.sha256})
    os.remove(os.path.join(corpus[0], "film.mp4"))
    result = app.test_cli_runner().invoke(args=["readiness", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["checked"], report["ready"], report["at_risk"]) == (1, 0, 1)
    assert report["screenings"][0]["problems"][0]["problem"] == "file not found: film.mp4"


def test_the_quick_check_wants_a_screen(app, p001, now, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    app.config["VLC_ARGS"] = ""
    screening = _plan(p001, now + timedelta(minutes=20),
                      {"sha256": _entry("film.mp4").media_file.sha256})
    check = check_screening(screening, QUICK, now=now)
    assert check.status == "at_risk" and check.problems[0]["position"] is None
    assert check.problems[0]["problem"].startswith("no screen")


def test_the_pages_show_readiness_and_check_now(app, p001, corpus, now):
    from tests.conftest import client_of, csrf_token

    film = _entry("film.mp4").media_file
    screening = _plan(p001, now + timedelta(hours=2), {"sha256": film.sha256})
    client = client_of(app, "admin")
    page = client.get(f"/screenings/{screening.id}").get_data(as_text=True)
    assert "Not checked yet" in page and "Check now" in page
    os.remove(os.path.join(corpus[0], "film.mp4"))
    checked = client.post(f"/screenings/{screening.id}/readiness",
                          data={"csrf_token": csrf_token(client, f"/screenings/{screening.id}")},
                          follow_redirects=True).get_data(as_text=True)
    assert "At risk" in checked and "file not found: film.mp4" in checked
    day = (now + timedelta(hours=2)).astimezone(ZoneInfo("Asia/Shanghai")).date()
    calendar = client.get(f"/sites/P-001/screenings?date={day}").get_data(as_text=True)
    assert 'class="readiness at_risk"' in calendar
    client.post("/lang/zh", data={"csrf_token": csrf_token(client, "/")})
    chinese = client.get(f"/screenings/{screening.id}").get_data(as_text=True)
    assert "有风险" in chinese and "找不到文件" in chinese

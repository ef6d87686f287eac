"""The audit in the browser's pages and the API: scope, an officer's word, the room photo."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit.services import run_audit
from app.extensions import db
from app.models import AuditFlag, ScreeningEvidence
from tests.audit.pictures import jpeg
from tests.conftest import client_of, csrf_token, token_client


@pytest.fixture
def flagged(app, make, clock, now):
    """P-001 (城关镇) and P-003 (河口乡), each with a held screening whose sign-ins came with
    nothing played; officers of both townships, P-001's operator."""
    p001, p003 = make.three_sites()
    make.user("chengguan", "township", township="城关镇")
    make.user("hekou", "township", township="河口乡")
    made = {}
    for site in (p001, p003):
        s = make.screening(site, start=now - timedelta(hours=3), topic=f"{site.code} 党课")
        s.status = "done"
        db.session.commit()
        make.attendance(s, make.person("张三", village=site.unit), method="operator")
        run_audit(s)
        db.session.commit()
        made[site.code] = s
    return made


def test_the_api_answers_the_flags_with_plain_details(app, flagged):
    answer = token_client(app, "chengguan").get(f"/api/v1/screenings/{flagged['P-001'].id}/audit")
    assert answer.status_code == 200, answer.json
    codes = {f["code"]: f for f in answer.json["flags"]}
    assert set(codes) == {"no_playback", "short_playback"}
    assert codes["no_playback"]["severity"] == "high"
    assert "nothing played at all" in codes["no_playback"]["detail"]
    assert answer.json["checked_at"]


def test_the_api_keeps_to_the_officer_s_township(app, flagged):
    client = token_client(app, "hekou")
    assert client.get(f"/api/v1/screenings/{flagged['P-001'].id}/audit").status_code == 403
    assert client.get(f"/api/v1/screenings/{flagged['P-003'].id}/audit").status_code == 200
    assert client.get("/api/v1/screenings/not-a-uuid/audit").status_code == 404


def test_a_screening_not_yet_ended_has_no_audit(app, flagged, make, now):
    later = make.screening(flagged["P-001"].site, start=now + timedelta(hours=1))
    answer = token_client(app, "admin").get(f"/api/v1/screenings/{later.id}/audit")
    assert answer.status_code == 404 and "not ended" in answer.json["error"]["message"]


@pytest.mark.both_databases
def test_the_audit_page_lists_only_the_officer_s_sites(app, flagged):
    html = client_of(app, "chengguan").get("/audit").get_data(as_text=True)
    assert "P-001 党课" in html and "P-003 党课" not in html
    assert "Sign-ins while nothing played" in html
    other = client_of(app, "hekou")
    assert other.get(f"/audit/screenings/{flagged['P-001'].id}").status_code in (403, 404)
    assert client_of(app, "op-a").get("/audit").status_code == 403


def test_an_officer_confirms_a_flag_and_explaining_one_needs_a_note(app, flagged):
    client = client_of(app, "chengguan")
    s = flagged["P-001"]
    page = f"/audit/screenings/{s.id}"
    flag = db.session.scalar(select(AuditFlag).where(AuditFlag.screening_id == s.id,
                                                     AuditFlag.code == "no_playback"))
    token = csrf_token(client, page)
    refused = client.post(f"/audit/flags/{flag.id}", data={
        "csrf_token": token, "state": "explained", "note": ""}, follow_redirects=True)
    assert "Say in a note how the flag is explained" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AuditFlag, flag.id).state == "open"
    done = client.post(f"/audit/flags/{flag.id}", data={
        "csrf_token": token, "state": "confirmed", "note": "没有放映"}, follow_redirects=True)
    assert "The flag is marked confirmed" in done.get_data(as_text=True)
    db.session.expire_all()
    row = db.session.get(AuditFlag, flag.id)
    assert (row.state, row.note, row.decided_by) == ("confirmed", "没有放映", "chengguan")
    # Another township's officer cannot decide it.
    other = client_of(app, "hekou")
    assert other.post(f"/audit/flags/{flag.id}", data={
        "csrf_token": csrf_token(other, "/audit"), "state": "open"}).status_code in (403, 404)


def _pictures(s) -> list[ScreeningEvidence]:
    db.session.expire_all()
    return db.session.scalars(select(ScreeningEvidence).where(
        ScreeningEvidence.screening_id == s.id)).all()


@pytest.mark.both_databases
def test_an_operator_adds_a_room_photo_resized_without_exif(app, flagged):
    client = client_of(app, "op-a")
    s = flagged["P-001"]
    page = f"/screenings/{s.id}"
    answer = client.post(f"/screenings/{s.id}/photos", data={
        "csrf_token": csrf_token(client, page),
        "photo": (io.BytesIO(jpeg(size=(3000, 2000), exif=True)), "IMG_0001.jpg")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "The photo was added" in answer.get_data(as_text=True)
    [photo] = _pictures(s)
    assert photo.kind == "photo" and (photo.width, photo.height) == (1024, 683)
    assert b"PhoneMaker" not in photo.jpeg and b"Exif" not in photo.jpeg
    html = client.get(page).get_data(as_text=True)
    assert f"/audit/pictures/{photo.id}.jpg" in html
    assert client.get(f"/audit/pictures/{photo.id}.jpg").content_type == "image/jpeg"
    assert client_of(app, "hekou").get(f"/audit/pictures/{photo.id}.jpg").status_code in (403, 404)


def test_a_file_that_is_no_picture_or_too_large_is_refused_and_nothing_stored(app, flagged):
    client = client_of(app, "op-a")
    s = flagged["P-001"]
    token = csrf_token(client, f"/screenings/{s.id}")
    answer = client.post(f"/screenings/{s.id}/photos", data={
        "csrf_token": token, "photo": (io.BytesIO(b"%PDF-1.4 not a photo"), "scan.pdf")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "not a picture Dianjiao can read" in answer.get_data(as_text=True)
    big = io.BytesIO(jpeg() + b"\0" * (50 * 1024 * 1024))
    answer = client.post(f"/screenings/{s.id}/photos", data={"csrf_token": token,
                                                              "photo": (big, "huge.jpg")},
                         content_type="multipart/form-data", follow_redirects=True)
    assert answer.status_code == 200
    assert "The photo is larger than 20 MB" in answer.get_data(as_text=True)
    assert _pictures(s) == []
    # Without the form's token: refused.
    answer = client.post(f"/screenings/{s.id}/photos", data={
        "photo": (io.BytesIO(jpeg()), "a.jpg")}, content_type="multipart/form-data")
    assert answer.status_code == 400 and _pictures(s) == []

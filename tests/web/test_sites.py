"""Sites: CSV/XLSX import (all or nothing, row-by-row errors, idempotent), lists, edits, CLI."""

from __future__ import annotations

import io
import json
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Site, Unit
from tests.conftest import csrf_token
from tests.tables import xlsx

GOOD = (
    "code,name,kind,township,village\n"
    "P-101,东村播放点,playback_point,城关镇,东村\n"
    "H-101,王大山中心户,center_household,城关镇,东村\n"
    "D-101,李明示范户,demo_household,河口乡,石桥村\n"
    "A-101,河口乡果树协会,tech_association,河口乡,\n"
)
BAD = (
    "code,name,kind,township,village\n"
    "P-201,好的一行,playback_point,城关镇,东村\n"
    "P-202,,playback_point,城关镇,东村\n"
    "P-203,种类错了,cinema,城关镇,东村\n"
    "P-201,重复,playback_point,城关镇,西村\n"
)


@pytest.fixture
def admin(make, login):
    make.user("admin", "admin")
    return login("admin")


def upload(client, name: str, data: bytes):
    return client.post("/sites/import", data={
        "file": (io.BytesIO(data), name), "csrf_token": csrf_token(client, "/sites/import")},
        content_type="multipart/form-data")


def count_sites() -> int:
    return db.session.scalar(select(func.count(Site.id)))


@pytest.mark.parametrize("kind", ["csv", "xlsx", "gbk-csv"])
def test_import_page_creates_sites_and_units(admin, kind):
    data = {"csv": GOOD.encode(), "xlsx": xlsx(GOOD), "gbk-csv": GOOD.encode("gbk")}[kind]
    name = "sites.xlsx" if kind == "xlsx" else "sites.csv"
    response = upload(admin, name, data)
    assert response.status_code == 302
    assert count_sites() == 4
    site = db.session.scalar(select(Site).where(Site.code == "D-101"))
    assert (site.township.name, site.village.name, site.kind) == ("河口乡", "石桥村", "demo_household")
    association = db.session.scalar(select(Site).where(Site.code == "A-101"))
    assert association.village is None and association.township.name == "河口乡"


def test_bad_file_reports_each_row_and_imports_nothing(admin):
    upload(admin, "sites.csv", GOOD.encode())
    before = count_sites()
    response = upload(admin, "bad.csv", BAD.encode())
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "nothing was imported" in page
    for row, words in ((3, "name is empty"), (4, "kind must be one of"), (5, "repeats row 2")):
        assert f"<td data-label=\"Row\">{row}</td>" in page
        assert words in page
    assert count_sites() == before
    assert db.session.scalar(select(Site).where(Site.code == "P-201")) is None


def test_missing_columns_and_wrong_file_type_are_explained(admin):
    response = upload(admin, "sites.csv", b"code,name\nP-1,x\n")
    assert response.status_code == 422
    assert "Missing columns: kind, township, village" in response.get_data(as_text=True)
    response = upload(admin, "sites.pdf", b"%PDF-1.4")
    assert response.status_code == 422
    response = upload(admin, "sites.xlsx", b"not a zip at all")
    assert response.status_code == 422
    assert "not a readable XLSX" in response.get_data(as_text=True)
    assert count_sites() == 0


def test_import_is_idempotent_by_code_and_updates(app, admin):
    upload(admin, "sites.csv", GOOD.encode())
    upload(admin, "sites.csv", GOOD.encode())
    assert count_sites() == 4
    assert db.session.scalar(select(func.count(Unit.id)).where(Unit.name == "东村")) == 1
    upload(admin, "sites.csv", GOOD.replace("东村播放点", "东村文化大院播放点").encode())
    db.session.expire_all()
    assert db.session.scalar(select(Site.name).where(Site.code == "P-101")) == "东村文化大院播放点"


def test_cli_import_and_list_json(app, tmp_path):
    good = tmp_path / "sites.csv"
    good.write_text(GOOD, encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sites", "import", str(good)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["sites", "list", "--json"])
    document = json.loads(result.stdout)
    assert document["total"] == 4
    assert {"code": "P-101", "name": "东村播放点", "kind": "playback_point", "township": "城关镇",
            "village": "东村", "usual_start": "19:30"} in document["items"]
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD, encoding="utf-8")
    result = runner.invoke(args=["sites", "import", str(bad)])
    assert result.exit_code == 1
    assert "row 4: kind must be one of" in result.stderr
    assert count_sites() == 4


def test_filters_on_the_list_page(admin):
    upload(admin, "sites.csv", GOOD.encode())
    page = admin.get("/sites/?kind=demo_household").get_data(as_text=True)
    assert "D-101" in page and "P-101" not in page
    page = admin.get("/sites/?township=河口乡").get_data(as_text=True)
    assert "D-101" in page and "A-101" in page and "H-101" not in page
    page = admin.get("/sites/?q=王大山").get_data(as_text=True)
    assert "H-101" in page and "P-101" not in page


def test_edit_form_rejects_bad_input_and_keeps_data(admin, make):
    make.site("P-001", name="东村播放点")
    token = csrf_token(admin, "/sites/P-001")
    response = admin.post("/sites/P-001", data={"name": "", "kind": "playback_point",
                                                 "csrf_token": token})
    assert response.status_code == 200
    assert "This field is required" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(Site.name).where(Site.code == "P-001")) == "东村播放点"


def test_an_operator_edits_the_name_and_contact_details_only(make, login, client):
    """Not the kind, nor whether the site counts: an operator unticking "active" took their
    idle site out of the township's roll-ups, alerts and ratings."""
    site = make.site("P-001", name="东村播放点")
    make.user("op", "operator", site=site)
    login("op")
    page = client.get("/sites/P-001").get_data(as_text=True)
    assert 'name="contact_phone"' in page
    assert 'name="active"' not in page and 'name="kind"' not in page and 'name="name"' in page
    response = client.post("/sites/P-001", data={
        "name": "改名", "kind": "center_household", "contact_phone": "13800000000",
        "csrf_token": csrf_token(client, "/sites/P-001")})
    assert response.status_code == 302
    db.session.expire_all()
    row = db.session.scalar(select(Site).where(Site.code == "P-001"))
    assert (row.name, row.kind, row.active, row.contact_phone) == (
        "改名", "playback_point", True, "13800000000")


def test_places_tree_is_scoped_and_admin_renames(app, make, login, client):
    make.site("P-001", township="城关镇", village="东村")
    make.site("P-002", township="河口乡", village="柳树湾村")
    make.user("admin", "admin")
    make.user("town-hk", "township", township="河口乡")
    make.user("op", "operator", site=db.session.scalar(select(Site).where(Site.code == "P-001")))
    login("town-hk")
    page = client.get("/units").get_data(as_text=True)
    assert "柳树湾村" in page and "东村" not in page
    unit = db.session.scalar(select(Unit).where(Unit.name == "柳树湾村"))
    token = csrf_token(client, "/units")
    assert client.post("/units", data={"unit_id": str(unit.id), "name": "x",
                                       "csrf_token": token}).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    login("op")
    assert client.get("/units").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/sites/")})
    login("admin")
    page = client.get("/units").get_data(as_text=True)
    assert "示范市" in page and "东村" in page and "柳树湾村" in page
    client.post("/units", data={"unit_id": str(unit.id), "name": "柳树湾社区",
                                "csrf_token": csrf_token(client, "/units")})
    db.session.expire_all()
    assert db.session.get(Unit, unit.id).name == "柳树湾社区"
    assert client.get("/api/v1/sites?township=河口乡").json["items"][0]["village"] == "柳树湾社区"


def usual_start(code: str) -> str:
    db.session.expire_all()
    return db.session.scalar(select(Site.usual_start).where(Site.code == code))


def test_the_usual_start_is_set_by_the_area_officer_and_the_operator(app, make, login, client):
    """Teaching plans start at it; a browser's time input may send seconds."""
    site = make.site("P-001", township="城关镇", village="东村", name="东村播放点")
    make.site("P-002", township="河口乡", village="柳树湾村")
    make.user("town", "township", township="城关镇")
    make.user("town-hk", "township", township="河口乡")
    make.user("op", "operator", site=site)
    login("town")
    page = client.get("/sites/P-001").get_data(as_text=True)
    assert re.search(r"<input[^>]*name=\"usual_start\"[^>]*type=\"time\"[^>]*value=\"19:30\"", page)
    base = {"name": "东村播放点", "kind": "playback_point", "active": "y"}
    saved = client.post("/sites/P-001", data={**base, "usual_start": "18:30:00",
                                              "csrf_token": csrf_token(client, "/sites/P-001")})
    assert saved.status_code == 302 and usual_start("P-001") == "18:30"
    bad = client.post("/sites/P-001", data={**base, "usual_start": "25:00",
                                            "csrf_token": csrf_token(client, "/sites/P-001")})
    assert "A time of day such as 19:30." in bad.get_data(as_text=True)
    assert usual_start("P-001") == "18:30"
    assert client.get("/api/v1/sites").json["items"][0]["usual_start"] == "18:30"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/sites/")})
    login("town-hk")
    assert client.post("/sites/P-001", data={
        **base, "usual_start": "17:00",
        "csrf_token": csrf_token(client, "/sites/")}).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/sites/")})
    login("op")
    client.post("/sites/P-001", data={"name": "东村播放点", "usual_start": "19:00",
                                      "csrf_token": csrf_token(client, "/sites/P-001")})
    assert usual_start("P-001") == "19:00"

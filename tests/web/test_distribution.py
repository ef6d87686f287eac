"""Distribution: batches, kits and their status, receipt, verification by scan, whereis, coverage."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from openapi_spec_validator import validate
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests.conftest import at_once, csrf_token, token_client

SERIES = "农村实用科技"


@pytest.fixture
def net(app, make):
    """Two townships: a station, two playback points, a center and a demo household; users."""
    make.site("S-000", kind="station", village=None)
    p1 = make.site("P-001", township="城关镇", village="东村")
    p2 = make.site("P-002", township="河口乡", village="柳树湾村")
    make.site("C-001", township="城关镇", village="东村", kind="center_household")
    make.site("D-001", township="河口乡", village="柳树湾村", kind="demo_household")
    make.user("admin", "admin")
    make.user("chengguan", "township", township="城关镇")
    make.user("op-1", "operator", site=p1)
    make.user("op-2", "operator", site=p2)
    return app


@pytest.fixture
def admin(net):
    return token_client(net, "admin")


@pytest.fixture
def titles(admin, make):
    """Two titles of the series (no files yet), as ids."""
    a = make.title("种植技术", series=SERIES)
    b = make.title("养殖技术", series=SERIES)
    return [str(a.id), str(b.id)]


def scan(app, path: str, code: str) -> dict:
    result = app.test_cli_runner().invoke(args=["scan", path, "--site", code, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def holders(api, **query) -> dict:
    response = api.get("/api/v1/whereis", query_string=query)
    assert response.status_code == 200, response.json
    return {item["site"]: item for item in response.json["items"]}


def cover(api) -> dict:
    response = api.get(f"/api/v1/reports/coverage?series={SERIES}")
    assert response.status_code == 200, response.json
    return {(r["township"], r["kind"]): (r["holding"], r["complete"], r["total"])
            for r in response.json["items"]}


def make_batch(api, title_ids, **fields) -> dict:
    response = api.post("/api/v1/batches", json={"name": "2024年第一批", "form": "USB",
                                                  "titles": title_ids, **fields})
    assert response.status_code == 201, response.json
    return response.json


# --- the acceptance flow ----------------------------------------------------------------------

def test_batch_consign_send_receive_and_verify_by_scanning_a_usb_copy(net, admin, corpus, tmp_path):
    root, _expected = corpus
    scan(net, root, "S-000")  # the station's master library
    by_path = {p: f for f in admin.get("/api/v1/files?site=S-000&limit=500").json["items"]
               for p in f["paths"]}
    film, lesson = by_path[f"{root}/film.mp4"], by_path[f"{root}/lesson.avi"]
    t1 = admin.post("/api/v1/titles", json={"name": "种植技术", "series": SERIES,
                                            "sha256": [film["sha256"]]}).json["id"]
    t2 = admin.post("/api/v1/titles", json={"name": "养殖技术", "series": SERIES,
                                            "sha256": [lesson["sha256"]]}).json["id"]
    assert holders(admin, title=t1) == {"S-000": holders(admin, title=t1)["S-000"]}
    assert holders(admin, title=t1)["S-000"]["how"] == ["seen"]
    assert cover(admin)[("城关镇", "playback_point")] == (0, 0, 1)

    batch = make_batch(admin, [t1, t2], made_on="2024-03-01")
    assert batch["made_on"] == "2024-03-01" and sorted(batch["titles"]) == sorted([t1, t2])
    response = admin.post(f"/api/v1/batches/{batch['id']}/shipments",
                          json={"kind": "playback_point", "copies": 2})
    assert response.status_code == 201, response.json
    kits = {k["site"]: k for k in response.json["items"]}
    assert set(kits) == {"P-001", "P-002"} and response.json["total"] == 2
    short = batch["id"].replace("-", "")[:6].upper()
    assert kits["P-001"]["serial"] == f"B{short}-P-001-1"
    assert {k["status"] for k in kits.values()} == {"planned"}
    assert all(k["copies"] == 2 and k["form"] == "USB" and k["batch"] == batch["id"]
               for k in kits.values())
    listed = admin.get(f"/api/v1/shipments?batch={batch['id']}").json
    assert listed["total"] == 2
    assert set(listed["items"][0]) >= {"id", "site", "status", "copies", "form", "serial", "batch"}
    assert set(holders(admin, series=SERIES)) == {"S-000"}  # planned kits hold nothing

    for kit in kits.values():
        sent = admin.patch(f"/api/v1/shipments/{kit['id']}", json={"status": "sent"})
        assert sent.status_code == 200 and sent.json["status"] == "sent" and sent.json["sent_at"]
    assert set(holders(admin, series=SERIES)) == {"S-000"}  # on the way: not held yet
    assert cover(admin)[("城关镇", "playback_point")] == (0, 0, 1)

    operator = token_client(net, "op-1")
    received = operator.patch(f"/api/v1/shipments/{kits['P-001']['id']}",
                              json={"status": "received", "received_by": "王支书"})
    assert received.status_code == 200, received.json
    assert received.json["received_by"] == "王支书" and received.json["received_at"]
    where = holders(admin, series=SERIES)
    assert where["P-001"]["how"] == ["received"] and where["P-001"]["titles"] == 2
    assert where["P-001"]["serials"] == [kits["P-001"]["serial"]]
    assert cover(admin)[("城关镇", "playback_point")] == (1, 1, 1)
    assert cover(admin)[("河口乡", "playback_point")] == (0, 0, 1)

    usb = tmp_path / "usb-stick"
    usb.mkdir()
    shutil.copy(f"{root}/film.mp4", usb / "种植技术.mp4")
    shutil.copy(f"{root}/lesson.avi", usb / "养殖技术.avi")
    summary = scan(net, str(usb), "P-001")
    assert summary["files"] == 2 and summary["errors"] == []
    kit = admin.get(f"/api/v1/shipments/{kits['P-001']['id']}").json
    assert kit["status"] == "verified" and kit["verified_at"]
    where = holders(admin, series=SERIES)
    assert where["P-001"]["how"] == ["received", "seen"] and where["P-001"]["complete"]
    assert holders(admin, title=t2)["P-001"]["how"] == ["received", "seen"]

    half = tmp_path / "half-stick"  # P-002 only copied one of the two films: not verified
    half.mkdir()
    shutil.copy(f"{root}/film.mp4", half / "film.mp4")
    scan(net, str(half), "P-002")
    assert admin.get(f"/api/v1/shipments/{kits['P-002']['id']}").json["status"] == "sent"
    where = holders(admin, series=SERIES)
    assert where["P-002"]["how"] == ["seen"] and (where["P-002"]["titles"], where["P-002"]["of"]) == (1, 2)
    coverage = cover(admin)
    assert coverage[("河口乡", "playback_point")] == (1, 0, 1)
    assert coverage[("城关镇", "center_household")] == (0, 0, 1)
    report = admin.get(f"/api/v1/reports/coverage?series={SERIES}").json
    lines = {t["township"]: t["line"] for t in report["townships"]}
    assert lines["城关镇"].startswith("Practical rural technology: ")  # the series in words
    assert "1/1 playback points" in lines["城关镇"]
    assert "0/1 center households" in lines["城关镇"]
    required = [r for r in report["items"] if r["required"]]
    assert {r["kind"] for r in required} == {"playback_point"}
    assert all(r["short"] == [] for r in required)
    assert "0/1 center households" in {
        t["township"]: t["line"] for t in admin.get(
            f"/api/v1/whereis?series={SERIES}").json["townships"]}["城关镇"]


# --- status rules -----------------------------------------------------------------------------

@pytest.fixture
def kit(admin, titles):
    batch = make_batch(admin, titles)
    response = admin.post(f"/api/v1/batches/{batch['id']}/shipments", json={"sites": ["P-001"]})
    assert response.status_code == 201
    return response.json["items"][0]


def patch(api, kit, **body):
    return api.patch(f"/api/v1/shipments/{kit['id']}", json=body)


def test_status_moves_forward_only(admin, kit):
    assert patch(admin, kit, status="received").status_code == 200  # skipping "sent" is forward
    back = patch(admin, kit, status="sent")
    assert back.status_code == 409 and back.json["error"]["code"] == "conflict"
    assert patch(admin, kit, status="received").status_code == 200  # the same again: no change
    assert patch(admin, kit, status="planned").status_code == 409
    assert patch(admin, kit, status="verified").json["status"] == "verified"
    assert patch(admin, kit, status="received").status_code == 409
    assert patch(admin, kit, status="returned").json["status"] == "returned"
    assert patch(admin, kit, status="lost").status_code == 409  # an ending is final
    assert admin.get(f"/api/v1/shipments/{kit['id']}").json["status"] == "returned"


@pytest.mark.parametrize("body", [{"status": "teleported"}, {"status": 3}, {},
                                  {"status": "sent", "colour": "red"}])
def test_unknown_status_or_field_is_422(admin, kit, body):
    response = patch(admin, kit, **body)
    assert response.status_code == 422 and response.json["error"]["message"]


def test_operator_may_only_receive_their_own_sites_kits(net, admin, kit):
    other = token_client(net, "op-2")
    response = patch(other, kit, status="received")
    assert response.status_code == 403
    assert other.get("/api/v1/shipments?site=P-001").status_code == 403
    assert other.get("/api/v1/shipments").json == {"items": [], "total": 0}
    own = token_client(net, "op-1")
    assert patch(own, kit, status="sent").status_code == 403  # only "received"
    assert patch(own, kit, status="received").json["received_by"] == "op-1"
    assert own.post("/api/v1/batches", json={"name": "x", "titles": []}).status_code == 403


def test_a_lost_kit_is_replaced_by_a_linked_kit_with_a_new_serial(admin, kit):
    assert admin.post(f"/api/v1/shipments/{kit['id']}/replacement").status_code == 409
    patch(admin, kit, status="sent")
    patch(admin, kit, status="lost")
    response = admin.post(f"/api/v1/shipments/{kit['id']}/replacement")
    assert response.status_code == 201
    new = response.json
    assert new["replaces"] == kit["id"] and new["status"] == "planned"
    assert new["serial"] != kit["serial"] and new["serial"].endswith("-P-001-2")
    assert admin.post(f"/api/v1/shipments/{kit['id']}/replacement").status_code == 409


def test_no_replacement_while_the_site_has_another_live_kit_of_the_batch(admin, kit):
    """Lost, then the batch consigned to the site again (a new kit): a replacement now would be
    a second live kit of one batch at one site."""
    patch(admin, kit, status="lost")
    batch = kit["batch"]
    again = admin.post(f"/api/v1/batches/{batch}/shipments", json={"sites": ["P-001"]})
    assert again.status_code == 201 and len(again.json["items"]) == 1
    response = admin.post(f"/api/v1/shipments/{kit['id']}/replacement")
    assert response.status_code == 409 and response.json["error"]["message"]


# --- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("body,status", [
    ({"sites": ["NOPE"]}, 422),
    ({"sites": ["P-001", "NOPE"]}, 422),
    ({"sites": ["P-001"], "copies": 0}, 422),
    ({"sites": ["P-001"], "copies": -3}, 422),
    ({"sites": ["P-001"], "copies": "2"}, 422),
    ({"sites": ["P-001"], "copies": True}, 422),
    ({"sites": ["P-001"], "form": "Betamax"}, 422),
    ({"sites": "P-001"}, 422),
    ({"kind": "cinema"}, 422),
    ({"kind": "playback_point", "townships": ["没有镇"]}, 422),
    ({}, 422),
    ({"sites": ["P-001"], "colour": "red"}, 422),
])
def test_bad_consignments_are_refused(admin, titles, body, status):
    batch = make_batch(admin, titles)
    response = admin.post(f"/api/v1/batches/{batch['id']}/shipments", json=body)
    assert response.status_code == status, response.json
    assert response.json["error"]["message"]
    assert admin.get(f"/api/v1/shipments?batch={batch['id']}").json["total"] == 0


@pytest.mark.parametrize("body", [
    {"name": "空批次", "titles": []},
    {"name": "空批次"},
    {"name": "x", "titles": ["not-a-uuid"]},
    {"name": "x", "titles": ["00000000-0000-0000-0000-000000000000"]},
    {"name": "", "titles": "TITLES"},
    {"name": "  ", "titles": "TITLES"},
    {"name": "x", "form": "LaserDisc", "titles": "TITLES"},
    {"name": "x", "made_on": "yesterday", "titles": "TITLES"},
    {"name": "x", "titles": "TITLES", "colour": "red"},
])
def test_bad_batches_are_refused(admin, titles, body):
    if body.get("titles") == "TITLES":
        body = {**body, "titles": titles}
    response = admin.post("/api/v1/batches", json=body)
    assert response.status_code == 422, response.json
    assert admin.get("/api/v1/batches").json["total"] == 0


def test_serials_never_repeat(net, admin, titles):
    from app.extensions import db
    from app.models import Shipment

    first = make_batch(admin, titles)
    kits = admin.post(f"/api/v1/batches/{first['id']}/shipments", json={"sites": ["P-001"]}).json
    again = admin.post(f"/api/v1/batches/{first['id']}/shipments", json={"sites": ["P-001"]})
    assert again.status_code == 409  # P-001 already has a kit of this batch
    both = admin.post(f"/api/v1/batches/{first['id']}/shipments",
                      json={"sites": ["P-001", "P-002"]})
    assert both.status_code == 201 and both.json["skipped"] == ["P-001"]
    # a serial taken by another row (say, one imported) is stepped over, not reused
    second = make_batch(admin, titles)
    short = second["id"].replace("-", "")[:6].upper()
    squatter = db.session.scalar(select(Shipment).where(Shipment.serial == kits["items"][0]["serial"]))
    squatter.serial = f"B{short}-P-002-1"
    db.session.commit()
    made = admin.post(f"/api/v1/batches/{second['id']}/shipments", json={"sites": ["P-002"]}).json
    assert made["items"][0]["serial"] == f"B{short}-P-002-2"
    serials = [k["serial"] for k in admin.get("/api/v1/shipments").json["items"]]
    assert len(serials) == len(set(serials)) == 3
    twin = db.session.get(Shipment, squatter.id)
    db.session.add(Shipment(batch_id=twin.batch_id, site_id=twin.site_id, serial=twin.serial))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_township_officer_consigns_only_in_their_township(net, admin, titles):
    batch = make_batch(admin, titles)
    officer = token_client(net, "chengguan")
    denied = officer.post(f"/api/v1/batches/{batch['id']}/shipments", json={"sites": ["P-002"]})
    assert denied.status_code == 403
    made = officer.post(f"/api/v1/batches/{batch['id']}/shipments",
                        json={"kind": ["playback_point", "center_household"]})
    assert made.status_code == 201
    assert sorted(k["site"] for k in made.json["items"]) == ["C-001", "P-001"]
    mixed = admin.post(f"/api/v1/batches/{batch['id']}/shipments",
                       json={"kind": "playback_point", "townships": ["河口乡"],
                             "villages": ["东村"]})
    assert [k["site"] for k in mixed.json["items"]] == ["P-002"]  # P-001 (东村) already has one
    p2 = mixed.json["items"][0]
    assert officer.patch(f"/api/v1/shipments/{p2['id']}", json={"status": "sent"}).status_code == 403
    assert {k["site"] for k in officer.get("/api/v1/shipments").json["items"]} == {"C-001", "P-001"}
    rows = officer.get(f"/api/v1/reports/coverage?series={SERIES}").json["items"]
    assert {r["township"] for r in rows} == {"城关镇"}
    assert {r["kind"]: r["short"] for r in rows if r["required"]} == {"playback_point": ["P-001"]}
    net.config["COVERAGE_RULES"] = {SERIES: ["center_household", "station"]}
    rows = officer.get(f"/api/v1/reports/coverage?series={SERIES}").json["items"]
    assert {r["kind"]: r["short"] for r in rows if r["required"]} == {
        "center_household": ["C-001"], "station": ["S-000"]}


def test_a_title_given_twice_in_two_spellings_is_one_title(admin, titles):
    """An id in upper case, or without hyphens, is the same title (it was a 500)."""
    same = [titles[0], titles[0].upper(), titles[0].replace("-", ""), titles[1]]
    response = admin.post("/api/v1/batches", json={"name": "重复的节目", "titles": same})
    assert response.status_code == 201, response.json
    assert sorted(response.json["titles"]) == sorted(titles)


def test_a_batchs_kit_counts_are_those_of_the_callers_area(net, admin, titles):
    """As on the distribution page: an operator or a township officer counts the kits of their
    own area, not the statuses of other townships' kits."""
    batch = make_batch(admin, titles)
    kits = admin.post(f"/api/v1/batches/{batch['id']}/shipments",
                      json={"sites": ["P-001", "P-002", "D-001"]}).json["items"]
    lost = next(k for k in kits if k["site"] == "P-002")
    assert patch(admin, lost, status="lost").status_code == 200
    expected = {"admin": {"planned": 2, "lost": 1}, "chengguan": {"planned": 1},
                "op-1": {"planned": 1}, "op-2": {"lost": 1}}
    for user, counts in expected.items():
        api = admin if user == "admin" else token_client(net, user)
        listed = api.get("/api/v1/batches").json["items"]
        assert [b["shipments"] for b in listed] == [counts], user
    officer = token_client(net, "chengguan")
    made = officer.post("/api/v1/batches", json={"name": "城关镇的批次", "titles": titles})
    assert made.status_code == 201 and made.json["shipments"] == {}


@pytest.mark.both_databases
def test_simultaneous_consignments_of_a_batch_to_a_site_plan_one_kit(app, net, admin, titles):
    """Two officers (or a double submit) consign a batch to a site at once: one kit, and the
    other request a 409, not a 500 (both took serial -1)."""
    from app.extensions import db
    from app.models import Shipment

    batch = make_batch(admin, titles)
    codes = at_once(app, 6, lambda client: client.post(
        f"/api/v1/batches/{batch['id']}/shipments", json={"sites": ["P-001"]}).status_code)
    assert sorted(codes, key=str) == [201] + [409] * 5
    db.session.expire_all()
    assert len(db.session.scalars(select(Shipment)).all()) == 1


@pytest.mark.parametrize("url,status", [
    ("/api/v1/whereis", 422),
    ("/api/v1/whereis?title=nope", 404),
    ("/api/v1/whereis?series=没有这个系列", 404),
    ("/api/v1/whereis?series=农村实用科技&limit=0", 422),
    ("/api/v1/reports/coverage", 422),
    ("/api/v1/reports/coverage?series=没有这个系列", 404),
    ("/api/v1/shipments?status=teleported", 422),
    ("/api/v1/shipments?batch=nope", 404),
    ("/api/v1/shipments?site=NOPE", 404),
    ("/api/v1/shipments/nope", 404),
    ("/api/v1/batches?limit=abc", 422),
])
def test_bad_queries_get_a_clear_4xx(admin, titles, url, status):
    response = admin.get(url)
    assert response.status_code == status
    assert response.json["error"]["code"] and response.json["error"]["message"]


def test_openapi_lists_the_distribution_api(client):
    document = client.get("/api/openapi.json").json
    validate(document)
    assert {"/api/v1/batches", "/api/v1/batches/{batch_id}/shipments", "/api/v1/shipments",
            "/api/v1/shipments/{shipment_id}", "/api/v1/whereis",
            "/api/v1/reports/coverage"} <= set(document["paths"])
    assert "patch" in document["paths"]["/api/v1/shipments/{shipment_id}"]


# --- pages ------------------------------------------------------------------------------------

def post_form(client, url, page, follow_redirects=False, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, page), **data},
                       follow_redirects=follow_redirects)


def test_pages_make_a_batch_consign_print_and_change_status(net, login, titles):
    client = login("admin")
    assert "Distribution" in client.get("/").get_data(as_text=True)
    response = post_form(client, "/distribution/batches/new", "/distribution/batches/new",
                         name="春季光盘", form="DVD", made_on="2024-04-01", titles=titles)
    assert response.status_code == 302
    batch_url = response.headers["Location"]
    empty = post_form(client, "/distribution/batches/new", "/distribution/batches/new",
                      name="空", form="DVD")
    assert empty.status_code == 422 and "at least one title" in empty.get_data(as_text=True)
    batch_id = batch_url.rstrip("/").split("/")[-1]
    response = post_form(client, f"/distribution/batches/{batch_id}/consign", batch_url,
                         kinds=["playback_point"], townships=["城关镇", "河口乡"], copies="1",
                         follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "2 kits planned." in html and "P-001" in html and "P-002" in html
    plus = post_form(client, f"/distribution/batches/{batch_id}/consign", batch_url,
                     kinds=["demo_household"], copies="3", follow_redirects=True)
    assert "1 kit planned." in plus.get_data(as_text=True)
    zero = post_form(client, f"/distribution/batches/{batch_id}/consign", batch_url,
                     sites="C-001", copies="0", follow_redirects=True)
    assert "C-001" not in zero.get_data(as_text=True).split('id="kits"')[1]

    sent = post_form(client, f"/distribution/batches/{batch_id}/send", batch_url,
                     follow_redirects=True)
    assert "3 kits marked sent." in sent.get_data(as_text=True)
    from app.extensions import db
    from app.models import Shipment

    kits = {k.site.code: k for k in db.session.scalars(select(Shipment))}
    assert {k.status for k in kits.values()} == {"sent"}
    back = post_form(client, f"/distribution/shipments/{kits['P-001'].id}/status", batch_url,
                     status="planned", follow_redirects=True)
    assert "moves forward only" in back.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Shipment, kits["P-001"].id).status == "sent"

    labels = client.get(f"/distribution/batches/{batch_id}/labels?township=城关镇")
    html = labels.get_data(as_text=True)
    assert labels.status_code == 200 and "<svg" in html and kits["P-001"].serial in html
    assert kits["P-002"].serial not in html
    # Opened on this computer (the test client's host is localhost) with no public address set:
    # the codes would name localhost and the page says so; with DIANJIAO_PUBLIC_URL the codes
    # and the printed address use it.
    assert 'id="address-warning"' in html
    assert f"http://localhost/kits/{kits['P-001'].serial}" in html
    client.application.config["PUBLIC_URL"] = "http://192.168.1.20:5000/"
    public = client.get(f"/distribution/batches/{batch_id}/labels?township=城关镇"
                        ).get_data(as_text=True)
    assert 'id="address-warning"' not in public and "http://localhost/kits" not in public
    assert f"http://192.168.1.20:5000/kits/{kits['P-001'].serial}" in public
    assert public.split('class="qr"')[1][:2000] != html.split('class="qr"')[1][:2000]
    for sheet, words in (("dispatch", "Carrier signature"), ("receipt", "Recipient signature")):
        page = client.get(f"/distribution/batches/{batch_id}/{sheet}?township=河口乡")
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and words in html
        assert kits["P-002"].serial in html and kits["D-001"].serial in html
        assert kits["P-001"].serial not in html
    assert client.get(f"/distribution/batches/{batch_id}/dispatch?township=无").status_code == 404
    assert client.get("/distribution/").status_code == 200


@pytest.mark.parametrize("copies,says", [("0", "Number must be between 1 and 1000."),
                                         ("", "This field is required."),
                                         ("two", "Not a valid integer value.")])
def test_copies_out_of_range_are_told_so(net, login, titles, copies, says):
    """0 copies is out of range, not "required" (it was, as 0 is false)."""
    client = login("admin")
    batch = make_batch(token_client(net, "admin"), titles)
    url = f"/distribution/batches/{batch['id']}"
    response = post_form(client, f"{url}/consign", url, sites="P-001", copies=copies,
                         follow_redirects=True)
    flashes = re.findall(r'<p class="flash error"[^>]*>(.*?)</p>', response.get_data(as_text=True))
    assert flashes[0] == f"Copies per site: {says}"


def test_operator_confirms_receipt_from_the_list_and_from_the_qr_page(net, admin, titles, client,
                                                                      login):
    batch = make_batch(admin, titles)
    kits = {k["site"]: k for k in admin.post(
        f"/api/v1/batches/{batch['id']}/shipments",
        json={"sites": ["P-001", "P-002"]}).json["items"]}
    login("op-1")
    listing = client.get("/distribution/sites/P-001/kits").get_data(as_text=True)
    assert kits["P-001"]["serial"] in listing and "Received" in listing
    assert client.get("/distribution/sites/P-002/kits").status_code == 403
    assert client.get(f"/kits/{kits['P-002']['serial']}").status_code == 403
    other = post_form(client, f"/kits/{kits['P-002']['serial']}/receive",
                      "/distribution/sites/P-001/kits", received_by="我")
    assert other.status_code == 403
    page = client.get(f"/kits/{kits['P-001']['serial']}").get_data(as_text=True)
    assert "Confirm receipt" in page
    done = post_form(client, f"/kits/{kits['P-001']['serial']}/receive",
                     f"/kits/{kits['P-001']['serial']}", received_by="李会计",
                     follow_redirects=True)
    html = done.get_data(as_text=True)
    assert "Receipt of kit" in html and "Confirm receipt" not in html and "李会计" in html
    assert admin.get(f"/api/v1/shipments/{kits['P-001']['id']}").json["received_by"] == "李会计"
    assert admin.get(f"/api/v1/shipments/{kits['P-002']['id']}").json["status"] == "planned"


def test_kit_address_asks_a_stranger_to_log_in(net, admin, kit, client):
    response = client.get(f"/kits/{kit['serial']}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/kits/NO-SUCH-KIT").status_code == 302


def test_whereis_and_coverage_pages(net, admin, kit, login):
    patch(admin, kit, status="received")
    client = login("chengguan")
    html = client.get(f"/distribution/whereis?series={SERIES}").get_data(as_text=True)
    assert "P-001" in html and "kit received" in html and "1/1 playback points" in html
    found = client.get("/distribution/whereis?q=种植").get_data(as_text=True)
    assert "种植技术" in found
    html = client.get(f"/distribution/coverage?series={SERIES}").get_data(as_text=True)
    assert re.search(r"1/1", html) and "P-001" not in html and "P-002" not in html
    assert "没有" in client.get("/distribution/coverage?series=没有").get_data(as_text=True)
    assert client.get("/distribution/").status_code == 200

"""Roster pages: import (CSV, GBK CSV, XLSX; all or nothing; duplicates merged only when
confirmed), search in any mix, scope, a person's history and study hours, members below target,
escaped names, deactivation, walk-ins, and `dianjiao people import`."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.attendance.services import study_minutes
from app.extensions import db
from app.models import Person, Site
from app.people.services import create_person, village_named
from tests import factories
from tests.conftest import csrf_token, token_client
from tests.tables import xlsx

GOOD = (
    "name,village,party_member,role,phone\n"
    "张三,东村,是,党员,138 0013 8000\n"
    "李四,东村,no,villager,\n"
    "欧阳娜娜,西村,1,干部,13900139000\n"
    "王五,石桥村,false,积极分子,\n"
)
XSS = "<script>alert(1)</script>"


@pytest.fixture
def world(app, make):
    a, c = make.three_sites()
    make.user("op-c", "operator", site=c)
    make.user("town-hk", "township", township="河口乡")
    return {"a": a, "c": c}


def upload(client, name: str, data: bytes):
    return client.post("/people/import", data={
        "file": (io.BytesIO(data), name), "csrf_token": csrf_token(client, "/people/import")},
        content_type="multipart/form-data")


def person(name: str) -> Person | None:
    db.session.expire_all()
    return db.session.scalar(select(Person).where(Person.name == name))


def count_people() -> int:
    return db.session.scalar(select(func.count(Person.id)))


def names_on(html: str) -> list[str]:
    return re.findall(r'<a href="/people/[0-9a-f-]{36}">([^<]*)</a>', html)


# --- import ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["csv", "xlsx", "gbk-csv"])
def test_import_page_creates_people(world, login, kind):
    data = {"csv": GOOD.encode(), "xlsx": xlsx(GOOD), "gbk-csv": GOOD.encode("gbk")}[kind]
    response = upload(login("admin"), "people.xlsx" if kind == "xlsx" else "people.csv", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert count_people() == 4
    zhang = person("张三")
    assert (zhang.village.name, zhang.party_member, zhang.role, zhang.phone) == (
        "东村", True, "member", "13800138000")
    assert (zhang.pinyin, zhang.initials) == ("zhangsan", "zs")
    assert (person("李四").party_member, person("李四").role, person("李四").phone) == (
        False, "villager", None)
    assert (person("欧阳娜娜").role, person("欧阳娜娜").village.parent.name) == ("cadre", "城关镇")
    assert person("王五").role == "activist"


def test_township_column_tells_villages_of_the_same_name_apart(world, make, login):
    make.site("P-004", township="河口乡", village="东村")
    client = login("admin")
    response = upload(client, "p.csv", GOOD.encode())
    assert response.status_code == 422
    assert "Several villages are named 东村; give the township too" in response.get_data(as_text=True)
    assert count_people() == 0
    text = "name,village,township,party_member,role,phone\n张三,东村,河口乡,是,党员,\n"
    assert upload(client, "p.csv", text.encode()).status_code == 302
    assert person("张三").village.parent.name == "河口乡"


BAD = (
    "name,village,party_member,role,phone\n"
    "好人,东村,是,党员,13800138000\n"
    ",东村,是,党员,\n"
    f"{'长' * 500},东村,否,群众,\n"
    "张三,没有这个村,否,群众,\n"
    "李四,东村,否,boss,\n"
    "王五,东村,maybe,群众,138-abc\n"
)


def test_bad_rows_are_reported_by_row_and_nothing_is_imported(world, login):
    response = upload(login("admin"), "bad.csv", BAD.encode())
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "nothing was imported" in page
    expected = {3: "name is empty", 4: "name has 500 characters, at most 40",
                5: "No village named 没有这个村", 6: "role must be one of cadre, member",
                7: "party_member must be yes or no"}
    for row, words in expected.items():
        match = re.search(rf'<td data-label="Row">{row}</td><td data-label="Problem">([^<]*)</td>',
                          page)
        assert match and words in match.group(1), (row, page)
    assert "phone must be digits" in page
    assert '<td data-label="Row">2</td>' not in page
    assert count_people() == 0


def test_missing_column_empty_file_and_wrong_type_are_explained(world, login):
    client = login("admin")
    response = upload(client, "p.csv", "name,village,party_member,role\n张三,东村,是,党员\n".encode())
    assert response.status_code == 422
    assert "Missing columns: phone." in response.get_data(as_text=True)
    response = upload(client, "p.csv", b"name,village,party_member,role,phone\n")
    assert response.status_code == 422
    assert "no rows of people" in response.get_data(as_text=True)
    assert upload(client, "p.pdf", b"%PDF-1.4").status_code == 422
    response = upload(client, "p.xlsx", b"not a zip")
    assert "not a readable XLSX" in response.get_data(as_text=True)
    assert count_people() == 0


DUPES = (
    "name,village,party_member,role,phone\n"
    "张三,东村,是,干部,13800138000\n"
    "赵六,东村,否,群众,\n"
    "赵六,东村,是,党员,13700137000\n"
    "钱七,西村,否,群众,\n"
)


def test_duplicates_are_listed_and_merged_only_when_confirmed(world, login):
    zhang = create_person("张三", village=village_named("东村"), party_member=False, role="villager")
    db.session.commit()
    client = login("admin")
    response = upload(client, "dupes.csv", DUPES.encode())
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    table = page.split('id="duplicates"')[1]
    assert "张三" in table and "赵六" in table and "钱七" not in table
    assert "row 3 of this file" in table and f"/people/{zhang.id}" in table
    assert "Merge these 2 duplicates" in page
    # the new people are in; the duplicates are not, and 张三 is unchanged
    assert count_people() == 3
    assert (person("赵六").party_member, person("赵六").phone) == (False, None)
    assert (person("张三").party_member, person("张三").role) == (False, "villager")
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    # a forged token and another browser's session are both refused, changing nothing
    assert client.post("/people/import", data={"merge": "1", "token": "x.csv",
                                               "csrf_token": csrf}).status_code == 410
    assert client.post("/people/import", data={"merge": "1", "csrf_token": csrf}).status_code == 422
    assert person("张三").party_member is False
    response = client.post("/people/import", data={"merge": "1", "token": token,
                                                   "csrf_token": csrf})
    assert response.status_code == 302
    assert count_people() == 3
    assert (person("张三").party_member, person("张三").role, person("张三").phone) == (
        True, "cadre", "13800138000")
    assert (person("赵六").party_member, person("赵六").role, person("赵六").phone) == (
        True, "member", "13700137000")
    page = client.get("/people").get_data(as_text=True)
    assert "2 merged" in page
    # the stashed file is gone after the merge
    assert client.post("/people/import", data={"merge": "1", "token": token,
                                               "csrf_token": csrf}).status_code == 410


def test_merge_token_belongs_to_the_session_that_uploaded(app, world, login):
    create_person("张三", village=village_named("东村"))
    db.session.commit()
    page = upload(login("admin"), "dupes.csv", DUPES.encode()).get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    other = app.test_client()
    other.post("/login", data={"username": "admin", "password": "secret-pass-1",
                               "csrf_token": csrf_token(other)})
    response = other.post("/people/import", data={
        "merge": "1", "token": token, "csrf_token": csrf_token(other, "/people/import")})
    assert response.status_code == 410
    assert person("张三").role == "villager"


def test_cli_import_reports_duplicates_and_merges_with_the_flag(app, world, tmp_path):
    create_person("张三", village=village_named("东村"))
    db.session.commit()
    path = tmp_path / "dupes.csv"
    path.write_bytes(DUPES.encode("gbk"))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["people", "import", str(path), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["created"], summary["merged"], summary["duplicates_skipped"]) == (2, 0, 2)
    assert [(d["row"], d["name"], d["of_row"]) for d in summary["duplicates"]] == [
        (2, "张三", None), (4, "赵六", 3)]
    assert "row 4: 赵六 (东村) is the same as row 3" in result.stderr
    assert person("张三").role == "villager"
    result = runner.invoke(args=["people", "import", str(path), "--merge", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["created"], summary["merged"], summary["unchanged"],
            summary["duplicates_skipped"]) == (0, 2, 2, 0)
    assert (person("张三").role, person("赵六").role) == ("cadre", "member")
    assert count_people() == 3


def test_cli_import_of_a_bad_file_exits_1_with_rows(app, world, tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx(BAD))
    result = app.test_cli_runner().invoke(args=["people", "import", str(path), "--json"])
    assert result.exit_code == 1
    assert "row 5: No village named 没有这个村" in result.stderr
    assert [e["row"] for e in json.loads(result.stdout)["errors"]] == [3, 4, 5, 6, 7]
    assert count_people() == 0


def test_operator_may_import_only_into_their_own_villages(world, login):
    response = upload(login("op-a"), "p.csv", GOOD.encode())
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "village 西村 is outside your area" in page and "village 石桥村 is outside your area" in page
    assert count_people() == 0


# --- list and search ------------------------------------------------------------------------

@pytest.fixture
def roster(world, make):
    return {
        "张三": make.person("张三", village="东村", party_member=True, role="member"),
        "李四": make.person("李四", village="东村"),
        "张晓东": make.person("张晓东", village="西村", party_member=True, role="cadre"),
        "王五": make.person("王五", village="石桥村", party_member=True, role="member"),
        "来客": make.person("来客", village="东村", walkin=True),
    }


@pytest.mark.parametrize("q", ["张三", "zhangsan", "zs", "张s", "ZS"])
def test_list_search_by_characters_pinyin_initials_and_mix(roster, login, q):
    page = login("admin").get(f"/people?q={q}").get_data(as_text=True)
    assert names_on(page) == ["张三"]


def test_list_filters(roster, login):
    client = login("admin")
    village = village_named("西村").id
    assert names_on(client.get(f"/people?village={village}").get_data(as_text=True)) == ["张晓东"]
    assert set(names_on(client.get("/people?party=yes").get_data(as_text=True))) == {
        "张三", "张晓东", "王五"}
    assert set(names_on(client.get("/people?party=no").get_data(as_text=True))) == {"李四", "来客"}
    assert names_on(client.get("/people?role=cadre").get_data(as_text=True)) == ["张晓东"]
    assert names_on(client.get("/people?walkins=1").get_data(as_text=True)) == ["来客"]
    assert set(names_on(client.get("/people?q=zx&party=yes").get_data(as_text=True))) == {"张晓东"}
    assert client.get("/people?village=nonsense&page=x").status_code == 200


def test_scope_operator_and_township_see_only_their_villages(roster, client, login):
    login("op-a")
    assert set(names_on(client.get("/people").get_data(as_text=True))) == {"张三", "李四", "来客"}
    assert names_on(client.get("/people?q=wangwu").get_data(as_text=True)) == []
    wang = roster["王五"]
    assert client.get(f"/people/{wang.id}").status_code == 403
    token = csrf_token(client, "/people")
    assert client.post(f"/people/{wang.id}", data={
        "name": "改名", "village": str(wang.village_id), "role": "member",
        "csrf_token": token}).status_code == 403
    assert client.post(f"/people/{wang.id}/active", data={"active": "0",
                                                          "csrf_token": token}).status_code == 403
    assert person("王五").active is True
    # the new-person page offers only the operator's villages, and refuses others
    page = client.get("/people/new").get_data(as_text=True)
    assert "东村" in page and "石桥村" not in page
    response = client.post("/people/new", data={"name": "外人", "village": str(wang.village_id),
                                                "role": "villager", "csrf_token": token})
    assert response.status_code == 422 and person("外人") is None
    client.post("/logout", data={"csrf_token": token})
    login("town-hk")
    assert names_on(client.get("/people").get_data(as_text=True)) == ["王五"]
    assert client.get(f"/people/{roster['张三'].id}").status_code == 403
    assert client.get(f"/people/{wang.id}").status_code == 200
    assert client.get("/people/00000000-0000-0000-0000-000000000000").status_code == 404
    assert client.get("/people/not-an-id").status_code == 404


def test_kiosk_and_anonymous_are_kept_out(roster, client, login):
    assert client.get("/people").status_code == 302
    login("kiosk-a")
    for url in ("/people", "/people/import", "/people/new", "/people/below-target",
                f"/people/{roster['张三'].id}"):
        assert client.get(url).status_code == 403, url


def test_nav_link_for_staff(roster, login):
    page = login("op-a").get("/").get_data(as_text=True)
    assert 'href="/people">People</a>' in page


# --- add, edit, deactivate, walk-ins ---------------------------------------------------------

def test_add_and_edit_a_person(roster, client, login):
    login("op-a")
    east = str(village_named("东村").id)
    token = csrf_token(client, "/people/new")
    response = client.post("/people/new", data={"name": "  孙  七 ", "village": east,
                                                "party_member": "y", "role": "activist",
                                                "phone": "139-0000-1111", "csrf_token": token})
    assert response.status_code == 302
    sun = person("孙 七")
    assert (sun.party_member, sun.role, sun.phone, sun.initials) == (True, "activist",
                                                                     "13900001111", "sq")
    # a namesake in the same village is asked about, then added when confirmed
    data = {"name": "张三", "village": east, "role": "villager", "csrf_token": token}
    response = client.post("/people/new", data=data)
    assert response.status_code == 422
    assert "already on the roster" in response.get_data(as_text=True)
    assert client.post("/people/new", data=dict(data, same_name_ok="y")).status_code == 302
    assert db.session.scalar(select(func.count(Person.id)).where(Person.name == "张三")) == 2
    # edits: bad input is refused and keeps the data
    url = f"/people/{sun.id}"
    for bad in ({"name": ""}, {"name": "x" * 41}, {"phone": "call me"}, {"role": "boss"},
                {"village": "nope"}):
        response = client.post(url, data=dict({"name": "孙七", "village": east,
                                               "role": "member", "csrf_token": token}, **bad))
        assert response.status_code == 422, bad
    assert person("孙 七") is not None
    response = client.post(url, data={"name": "孫七", "village": east, "role": "cadre",
                                      "phone": "", "csrf_token": token})
    assert response.status_code == 302
    renamed = person("孫七")
    assert (renamed.role, renamed.party_member, renamed.phone, renamed.initials) == (
        "cadre", False, None, "sq")


def test_deactivate_hides_from_search_and_reactivate_brings_back(roster, client, login):
    login("admin")
    zhang = roster["张三"]
    token = csrf_token(client, f"/people/{zhang.id}")
    assert client.post(f"/people/{zhang.id}/active", data={"active": "0", "csrf_token": token}
                       ).status_code == 302
    assert names_on(client.get("/people?q=zs").get_data(as_text=True)) == []
    assert client.get("/api/v1/people?q=zs").json["items"] == []
    page = client.get("/people?q=zs&inactive=1").get_data(as_text=True)
    assert names_on(page) == ["张三"] and "deactivated" in page
    assert "Reactivate" in client.get(f"/people/{zhang.id}").get_data(as_text=True)
    client.post(f"/people/{zhang.id}/active", data={"active": "1", "csrf_token": token})
    assert names_on(client.get("/people?q=zs").get_data(as_text=True)) == ["张三"]
    assert client.post(f"/people/{zhang.id}/active", data={"active": "0"}).status_code == 400


def test_walkin_is_confirmed_as_a_roster_person(roster, client, login):
    login("op-a")
    guest = roster["来客"]
    page = client.get(f"/people/{guest.id}").get_data(as_text=True)
    assert "walk-in" in page and "Confirm as roster person" in page
    client.post(f"/people/{guest.id}/confirm",
                data={"csrf_token": csrf_token(client, f"/people/{guest.id}")})
    assert person("来客").walkin is False
    assert names_on(client.get("/people?walkins=1").get_data(as_text=True)) == []


# --- history and study hours ----------------------------------------------------------------

def month_start(app) -> datetime:
    zone = ZoneInfo(app.config["TIMEZONE"])
    now = datetime.now(UTC).astimezone(zone)
    return datetime(now.year, now.month, 1, tzinfo=zone)


def screening(site: Site, start: datetime, minutes: int, topic: str, played: list[int]):
    """A screening and the items it played (seconds each; the log has no end, as some do)."""
    row = factories.screening(site, start=start.astimezone(UTC), minutes=minutes, topic=topic)
    for n, seconds in enumerate(played):
        factories.play_log(site, screening=row, started_at=start.astimezone(UTC) + timedelta(seconds=n),
                           played_s=seconds, ended=False)
    return row


def attend(screening_row, who: Person, status: str, method: str = "kiosk"):
    factories.attendance(screening_row, who, status=status, method=method)


@pytest.fixture
def studied(app, world, roster):
    """This month: 张三 attends S1 (48 of 60 minutes played) and S2 (40 minutes played in a
    30-minute slot: 30 count), is absent from S3; last year S4. 王五 of 石桥村 attends S5."""
    first = month_start(app)
    a, c = world["a"], world["c"]
    s1 = screening(a, first + timedelta(hours=9), 60, "果树修剪", [1500, 1380])
    s2 = screening(a, first + timedelta(hours=14), 30, "党课", [1500, 900])
    s3 = screening(a, first + timedelta(hours=19), 60, "不算的", [3000])
    s4 = screening(a, first.replace(year=first.year - 1), 60, "去年", [600])
    s5 = screening(c, first + timedelta(hours=9), 60, "养猪", [1800])
    zhang, wang = roster["张三"], roster["王五"]
    attend(s1, zhang, "present")
    attend(s2, zhang, "late", "paper")
    attend(s3, zhang, "absent", "operator")
    attend(s4, zhang, "present")
    attend(s2, roster["张晓东"], "present")
    attend(s5, wang, "present")
    db.session.commit()
    return {"s1": s1, "s2": s2, "s3": s3, "s4": s4, "s5": s5}


def test_person_page_shows_history_and_hand_computed_study_hours(app, studied, roster, login):
    zhang = roster["张三"]
    first = month_start(app)
    end = datetime(first.year + first.month // 12, first.month % 12 + 1, 1, tzinfo=first.tzinfo)
    assert study_minutes(zhang, first, end) == pytest.approx(48 + 30)  # min(2880 s, 3600 s) + 1800 s
    page = login("op-a").get(f"/people/{zhang.id}").get_data(as_text=True)
    assert '<b data-hours="month">1.3</b>' in page  # 78 min
    assert '<b data-hours="year">1.3</b>' in page  # last year's screening does not count
    history = page.split('id="history"')[1]
    for topic in ("果树修剪", "党课", "不算的", "去年"):
        assert topic in history
    assert history.index("不算的") < history.index("党课") < history.index("果树修剪") < history.index("去年")
    for words in ("present", "late", "absent", "paper sheet", "kiosk", "roll-call", "东村播放点P-001"):
        assert words in history, words
    rows = re.findall(r'<td data-label="Minutes">([^<]*)</td>', history)
    assert rows == ["—", "30", "48", "10"]
    assert f"{first.day} {first:%b %Y}, 09:00" in history  # the house date-time (app/i18n.py)


def test_overlapping_screenings_count_the_time_they_span_once(app, world, roster):
    """王五 attends screenings at two sites whose slots overlap: together they count at most
    the time from the first start to the last end, on his page and in the monthly report."""
    a, c = world["a"], world["c"]
    day = month_start(app) + timedelta(days=1)
    wang = roster["王五"]
    for site, start, minutes, played in (
            (c, day + timedelta(hours=19), 60, [3600]),  # 19:00-20:00, 60 min played
            (a, day + timedelta(hours=19, minutes=30), 60, [3600]),  # 19:30-20:30, 60 played
            (a, day + timedelta(hours=20, minutes=30), 30, [1800]),  # 20:30-21:00: touches only
            (c, day + timedelta(days=1, hours=9), 60, [1200]),  # 09:00-10:00, 20 min played
            (a, day + timedelta(days=1, hours=9), 60, [900])):  # the same slot, 15 min played
        attend(screening(site, start, minutes, "课", played), wang, "present")
    db.session.commit()
    end = day + timedelta(days=3)
    # 19:00-20:30 spans 90 minutes (120 played) + 30 + the 09:00 slot's 20 + 15 = 155
    assert study_minutes(wang, day, end) == pytest.approx(155)
    month = day.strftime("%Y-%m")
    report = token_client(app, "admin").get(
        f"/api/v1/reports/monthly?site=P-003&month={month}").get_json()
    assert report["party_members"] == 1 and report["study_hours"] == round(155 / 60, 2)


def test_below_target_list_with_hand_computed_figures(app, studied, client, login):
    app.config["STUDY_TARGET_HOURS_YEAR"] = 12  # a month: 1 hour, whatever the role
    login("admin")
    page = client.get("/people/below-target").get_data(as_text=True)
    # party members: 张三 78 min (met), 张晓东 30 min (S2's slot), 王五 30 min (1800 s played in
    # a 60-minute slot): both 0.5 h, below; 李四 and 来客 are not party members.
    assert "2 of 3" in page
    assert set(names_on(page.split('id="by-site"')[0])) == {"张晓东", "王五"}
    assert "张三" not in names_on(page)
    by_site = page.split('id="by-site"')[1]
    assert "P-002" in by_site and "张晓东</a> (0.5)" in by_site and "王五</a> (0.5)" in by_site
    assert re.search(r"P-001</small></td>\s*<td[^>]*>1</td>\s*<td[^>]*>0</td>", by_site)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/people")})
    login("op-c")
    page = client.get("/people/below-target").get_data(as_text=True)
    assert names_on(page.split('id="by-site"')[0]) == ["王五"]
    assert "张晓东" not in page and "P-001" not in page
    previous = (month_start(app) - timedelta(days=1)).strftime("%Y-%m")
    page = client.get(f"/people/below-target?month={previous}").get_data(as_text=True)
    assert "王五</a> (0.0)" in page
    assert client.get("/people/below-target?month=2024-13").status_code == 400
    assert client.get("/people/below-target?month=<b>").status_code == 400


# --- escaping -------------------------------------------------------------------------------

def test_html_in_a_name_is_escaped_everywhere(app, world, client, login):
    bad = create_person(XSS, village=village_named("东村"), party_member=True)
    db.session.commit()
    login("admin")
    pages = [client.get("/people"), client.get("/people?q=<script>"),
             client.get(f"/people/{bad.id}"), client.get("/people/below-target")]
    text = f"name,village,party_member,role,phone\n{XSS},东村,是,党员,\n"
    pages.append(upload(client, "xss.csv", text.encode()))
    for response in pages:
        html = response.get_data(as_text=True)
        assert XSS not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- how study hours are shown --------------------------------------------------------------------

def test_hours_just_under_the_target_do_not_show_as_the_target(app):
    with app.test_request_context():
        hours = app.jinja_env.get_template("people/_person.html").module.hours
        assert [str(hours(v)) for v in (19.96, 7.2, 4.3, 0.0, 20.0)] == [
            "19.9", "7.2", "4.3", "0.0", "20.0"]

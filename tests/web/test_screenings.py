"""Screenings through the API and pages: plan, checks as warnings, 409 on overlap, edit, cancel,
recurring plans, the calendars and the iCalendar feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Screening, Series
from tests.conftest import csrf_token


def iso(moment: datetime) -> str:
    return moment.isoformat()


@pytest.fixture
def future(now) -> datetime:
    """Three days after this test's now, at 11:30 UTC (19:30 in Asia/Shanghai)."""
    return (now + timedelta(days=3)).replace(hour=11, minute=30, second=0)


@pytest.fixture
def api(app, make, corpus):
    """An admin token client; site P-001 holds the scanned corpus, P-002 nothing."""
    make.site("P-001")
    make.user("admin", "admin")
    make.user("op-b", "operator", site=make.site("P-002", township="河口乡", village="柳树湾村"))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["scan", corpus[0], "--site", "P-001"]).exit_code == 0
    token = runner.invoke(args=["users", "token", "admin"]).stdout.strip().splitlines()[-1]
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def film(api) -> str:
    files = api.get("/api/v1/files?site=P-001&limit=500").json["items"]
    return next(f["sha256"] for f in files if any(p.endswith("/film.mp4") for p in f["paths"]))


def plan(api, start: datetime, minutes=60, **extra):
    body = {"site": "P-001", "starts_at": iso(start), "ends_at": iso(start + timedelta(minutes=minutes)),
            "topic": "果树修剪", "audience": "villagers", "items": [], **extra}
    return api.post("/api/v1/screenings", json=body)


def test_plan_read_and_list(api, future):
    response = plan(api, future, items=[{"sha256": film(api)}])
    assert response.status_code == 201
    body = response.json
    assert body["status"] == "planned" and body["late"] is False and body["site"] == "P-001"
    assert body["items"][0]["sha256"] == film(api)
    assert {w["code"] for w in body["warnings"]} == {"not_approved"}
    again = api.get(f"/api/v1/screenings/{body['id']}").json
    assert again["starts_at"] == iso(future) and again["topic"] == "果树修剪"
    listed = api.get("/api/v1/screenings?site=P-001").json
    assert listed["total"] == 1 and listed["items"][0]["id"] == body["id"]


def test_a_screening_longer_than_a_day_is_refused(api, future):
    """As a plan's: the edit form, which holds times of day, would otherwise cut it short."""
    assert plan(api, future, minutes=24 * 60).status_code == 201
    refused = plan(api, future + timedelta(days=2), minutes=24 * 60 + 1)
    assert refused.status_code == 422
    assert refused.json["error"]["message"] == "A screening lasts at most 24 hours."


def test_overlap_is_409_unless_forced_and_back_to_back_is_fine(api, future):
    assert plan(api, future).status_code == 201
    clash = plan(api, future + timedelta(minutes=30))
    assert clash.status_code == 409
    assert clash.json["error"]["code"] == "overlap"
    assert clash.json["warnings"][0]["code"] == "overlap"
    assert plan(api, future + timedelta(minutes=60)).status_code == 201
    assert plan(api, future + timedelta(minutes=30), force="false").status_code == 422
    forced = plan(api, future + timedelta(minutes=30), force=True)
    assert forced.status_code == 201
    assert "overlap" in {w["code"] for w in forced.json["warnings"]}
    assert plan(api, future + timedelta(minutes=30)).json["error"]["code"] == "overlap"


def test_checks_playlist_too_long_and_title_not_held(api, future, make):
    from app.catalog.titles import create_title

    title = create_title("别处的片子", approved=True)
    db.session.commit()
    response = plan(api, future, minutes=1, items=[{"sha256": film(api)}, {"title_id": str(title.id)}])
    codes = [w["code"] for w in response.json["warnings"]]
    assert "too_long" not in codes  # a 3 s film fits a minute
    response = plan(api, future + timedelta(hours=2), minutes=5,
                    items=[{"sha256": film(api)}] * 120)
    assert "too_long" in {w["code"] for w in response.json["warnings"]}
    response = api.post("/api/v1/screenings", json={
        "site": "P-002", "starts_at": iso(future), "ends_at": iso(future + timedelta(hours=1)),
        "topic": "学习", "items": [{"sha256": film(api)}]})
    warning = next(w for w in response.json["warnings"] if w["code"] == "not_held")
    assert "P-001" in warning["message"]  # where it is held instead


def test_an_empty_playlist_is_planned_with_a_warning(api, future):
    response = plan(api, future, items=[])
    assert response.status_code == 201
    assert "empty_playlist" in {w["code"] for w in response.json["warnings"]}


def test_time_without_offset_is_read_in_the_site_timezone_and_said_so(api):
    response = api.post("/api/v1/screenings", json={
        "site": "P-001", "starts_at": "2027-01-06T19:30", "ends_at": "2027-01-06T21:00",
        "topic": "党课"})
    assert response.status_code == 201
    assert response.json["starts_at"] == "2027-01-06T11:30:00+00:00"
    assert "time_assumed" in {w["code"] for w in response.json["warnings"]}


@pytest.mark.parametrize("body,status", [
    ({"starts_at": "2027-01-06T19:30+08:00", "ends_at": "2027-01-06T19:00+08:00"}, 422),
    ({"starts_at": "tomorrow"}, 422),
    ({"items": [{"sha256": "0" * 64}]}, 422),
    ({"items": [{"title_id": "not-a-uuid"}]}, 422),
    ({"items": "film"}, 422),
    ({"topic": ""}, 422),
    ({"site": "NOPE"}, 404),
    ({"colour": "red"}, 422),
])
def test_bad_screenings_are_refused_plainly(api, body, status):
    base = {"site": "P-001", "starts_at": "2027-01-06T19:30+08:00",
            "ends_at": "2027-01-06T21:00+08:00", "topic": "党课"}
    response = api.post("/api/v1/screenings", json={**base, **body})
    assert response.status_code == status
    assert response.json["error"]["message"]
    assert db.session.scalar(select(Screening)) is None


def test_patch_and_cancel(api, future):
    created = plan(api, future).json
    moved = api.patch(f"/api/v1/screenings/{created['id']}", json={
        "starts_at": iso(future + timedelta(days=1)), "ends_at": iso(future + timedelta(days=1, hours=1)),
        "topic": "新主题"})
    assert moved.status_code == 200 and moved.json["topic"] == "新主题"
    cancelled = api.patch(f"/api/v1/screenings/{created['id']}", json={"status": "cancelled"})
    assert cancelled.json["status"] == "cancelled"
    again = api.patch(f"/api/v1/screenings/{created['id']}", json={"topic": "x"})
    assert again.status_code == 409
    assert api.patch(f"/api/v1/screenings/{created['id']}", json={"status": "done"}).status_code == 422
    assert api.get("/api/v1/screenings/nope").status_code == 404


def test_operator_of_another_site_cannot_plan_or_read_here(app, api, future, client, login):
    login("op-b")
    token = csrf_token(client, "/titles")
    response = client.post("/api/v1/screenings", headers={"X-CSRFToken": token}, json={
        "site": "P-001", "starts_at": iso(future), "ends_at": iso(future + timedelta(hours=1)),
        "topic": "x"})
    assert response.status_code == 403
    created = plan(api, future).json
    assert client.get(f"/api/v1/screenings/{created['id']}").status_code == 403
    assert client.get(f"/screenings/{created['id']}").status_code == 403
    assert client.get("/sites/P-001/screenings").status_code == 403
    assert client.get("/api/v1/screenings").json["total"] == 0


def test_recurring_six_sixteen_twenty_six_plan_from_the_form(app, make, login, client):
    make.site("P-001")
    make.user("admin", "admin")
    login("admin")
    token = csrf_token(client, "/sites/P-001/screenings/new")
    response = client.post("/sites/P-001/screenings/new", data={
        "day": "2027-01-06", "start": "19:30", "end": "21:00", "topic": "党员学习日",
        "audience": "party_members", "repeat": "six_days", "action": "save", "csrf_token": token})
    assert response.status_code == 302
    series = db.session.scalar(select(Series))
    assert "BYMONTHDAY=6,16,26" in series.rrule
    starts = [s.starts_at for s in db.session.scalars(
        select(Screening).order_by(Screening.starts_at))]
    assert starts  # materialised ahead
    for moment in starts:
        local = moment + timedelta(hours=8)
        assert local.day in (6, 16, 26) and (local.hour, local.minute) == (19, 30)


def test_form_check_shows_warnings_before_saving(app, make, login, client):
    make.site("P-001")
    make.user("admin", "admin")
    login("admin")
    token = csrf_token(client, "/sites/P-001/screenings/new")
    data = {"day": "2027-01-06", "start": "19:30", "end": "21:00", "topic": "党课",
            "audience": "all", "repeat": "", "csrf_token": token}
    assert client.post("/sites/P-001/screenings/new", data={**data, "action": "save"}).status_code == 302
    page = client.post("/sites/P-001/screenings/new", data={**data, "action": "check"})
    assert "Overlaps 党课" in page.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(Screening.id))) == 1
    refused = client.post("/sites/P-001/screenings/new", data={**data, "action": "save"})
    assert refused.status_code == 409
    assert db.session.scalar(select(db.func.count(Screening.id))) == 1


def test_calendars_and_feed(app, make, login, client, api, future):
    created = plan(api, future).json
    login("admin")
    local_day = (future + timedelta(hours=8)).date().isoformat()
    week = client.get(f"/sites/P-001/screenings?date={local_day}").get_data(as_text=True)
    assert "果树修剪" in week and "19:30" in week
    month = client.get(f"/sites/P-001/screenings?view=month&date={local_day}").get_data(as_text=True)
    assert "果树修剪" in month
    for day, earlier in (("2026-03-15", "2026-02-01"), ("2026-05-31", "2026-04-01"),
                         ("2026-01-10", "2025-12-01")):  # "‹" is the month before, never two
        page = client.get(f"/sites/P-001/screenings?view=month&date={day}").get_data(as_text=True)
        assert f"date={earlier}" in page, day
    township = client.get(f"/townships/城关镇/screenings?date={local_day}").get_data(as_text=True)
    assert "P-001" in township and "果树修剪" in township
    feed_url = next(line for line in week.split("<code>")[1:] if "calendar.ics" in line)
    feed_url = feed_url.split("</code>")[0].replace("http://localhost", "").replace("&amp;", "&")
    anonymous = app.test_client()
    ics = anonymous.get(feed_url)
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    assert f"UID:{created['id']}@dianjiao" in ics.get_data(as_text=True)
    assert anonymous.get("/sites/P-001/calendar.ics?key=forged").status_code == 403


def test_edit_page_moves_a_screening_and_refuses_an_overlap(app, make, login, client, api, future):
    first = plan(api, future).json
    second = plan(api, future + timedelta(hours=3)).json
    login("admin")
    url = f"/screenings/{second['id']}/edit"
    form = client.get(url).get_data(as_text=True)
    assert 'value="果树修剪"' in form
    local = future + timedelta(hours=8)
    data = {"day": local.date().isoformat(), "start": local.strftime("%H:%M"),
            "end": (local + timedelta(minutes=30)).strftime("%H:%M"), "topic": "挪到同一时间",
            "audience": "all", "csrf_token": csrf_token(client, url), "action": "save"}
    refused = client.post(url, data=data)
    assert "Another screening at this site overlaps this time" in refused.get_data(as_text=True)
    later = local + timedelta(hours=5)
    moved = client.post(url, data={**data, "start": later.strftime("%H:%M"),
                                   "end": (later + timedelta(minutes=30)).strftime("%H:%M")})
    assert moved.status_code == 302
    assert api.get(f"/api/v1/screenings/{second['id']}").json["topic"] == "挪到同一时间"
    assert api.get(f"/api/v1/screenings/{first['id']}").json["topic"] == "果树修剪"


def test_saving_the_edit_page_keeps_a_playlist_of_files(app, make, login, client, api, future):
    """A playlist planned through the API by file (an untitled one among them), edited on the
    page for its notes only: the playlist stays as it was, file for file, in its order."""
    files = api.get("/api/v1/files?site=P-001&limit=500").json["items"]
    shas = [f["sha256"] for f in files[:3]]
    created = plan(api, future, items=[{"sha256": sha} for sha in reversed(shas)]).json
    before = api.get(f"/api/v1/screenings/{created['id']}").json["items"]
    login("admin")
    url = f"/screenings/{created['id']}/edit"
    local = future + timedelta(hours=8)
    saved = client.post(url, data={
        "day": local.date().isoformat(), "start": local.strftime("%H:%M"),
        "end": (local + timedelta(hours=1)).strftime("%H:%M"), "topic": "果树修剪",
        "notes": "带上板凳", "audience": "all", "csrf_token": csrf_token(client, url),
        "action": "save"})
    assert saved.status_code == 302
    after = api.get(f"/api/v1/screenings/{created['id']}").json
    assert after["notes"] == "带上板凳" and after["items"] == before


def test_plan_page_changes_future_occurrences(app, make, login, client):
    make.site("P-001")
    make.user("admin", "admin")
    login("admin")
    token = csrf_token(client, "/sites/P-001/screenings/new")
    client.post("/sites/P-001/screenings/new", data={
        "day": (datetime.now(UTC) + timedelta(days=1)).date().isoformat(), "start": "19:30",
        "end": "21:00", "topic": "党员学习日", "audience": "party_members", "repeat": "first_saturday",
        "action": "save", "csrf_token": token})
    plan_row = db.session.scalar(select(Series))
    page = client.get(f"/series/{plan_row.id}")
    assert "BYDAY=1SA" in page.get_data(as_text=True)
    response = client.post(f"/series/{plan_row.id}", data={
        "start": "20:00", "duration_min": "60", "topic": "主题党日", "audience": "party_members",
        "rule": "FREQ=MONTHLY;BYDAY=1SA", "csrf_token": csrf_token(client, f"/series/{plan_row.id}")})
    assert response.status_code == 302
    rows = db.session.scalars(select(Screening).where(Screening.series_id == plan_row.id)).all()
    assert rows and all(r.topic == "主题党日" for r in rows)
    assert all((r.starts_at + timedelta(hours=8)).strftime("%H:%M") == "20:00" for r in rows)
    assert all((r.starts_at + timedelta(hours=8)).weekday() == 5 for r in rows)
    bad = client.post(f"/series/{plan_row.id}", data={
        "start": "20:00", "duration_min": "60", "topic": "x", "audience": "all",
        "rule": "FREQ=HOURLY", "csrf_token": csrf_token(client, f"/series/{plan_row.id}")})
    assert bad.status_code == 200 and "at most one screening a day" in bad.get_data(as_text=True)


@pytest.fixture
def planner(app, make, login, client):
    """The admin's client, at site P-001 with nothing planned."""
    make.site("P-001")
    make.user("admin", "admin")
    login("admin")
    return client


def plan_form(client, **fields):
    url = "/sites/P-001/screenings/new"
    data = {"day": "2027-01-06", "start": "19:30", "end": "21:00", "topic": "党课",
            "audience": "all", "repeat": "", "action": "save", "csrf_token": csrf_token(client, url),
            **fields}
    return client.post(url, data=data)


def test_the_form_plans_a_film_night_across_midnight(app, planner):
    """An end earlier than the start is the next morning; the page says so."""
    checked = plan_form(planner, start="22:30", end="00:30", action="check").get_data(as_text=True)
    assert "Ends the next day, 7 Jan 2027 at 00:30." in checked
    saved = plan_form(planner, start="22:30", end="00:30", topic="电影之夜")
    assert saved.status_code == 302
    row = db.session.scalar(select(Screening))
    assert (row.starts_at, row.ends_at) == (datetime(2027, 1, 6, 14, 30, tzinfo=UTC),
                                            datetime(2027, 1, 6, 16, 30, tzinfo=UTC))
    page = planner.get(saved.location).get_data(as_text=True)
    assert "6 Jan 2027, 22:30–7 Jan 2027, 00:30" in page
    edit = f"/screenings/{row.id}/edit"
    assert 'value="00:30"' in planner.get(edit).get_data(as_text=True)
    moved = planner.post(edit, data={
        "day": "2027-01-06", "start": "23:00", "end": "00:30", "topic": "电影之夜",
        "audience": "all", "action": "save", "csrf_token": csrf_token(planner, edit)})
    assert moved.status_code == 302
    db.session.refresh(row)
    assert row.ends_at == datetime(2027, 1, 6, 16, 30, tzinfo=UTC)
    weekly = plan_form(planner, day="2027-01-08", start="23:00", end="01:00", repeat="weekly")
    assert weekly.status_code == 302
    assert db.session.scalar(select(Series)).duration_min == 120
    refused = plan_form(planner, start="19:30", end="19:30", topic="一样的时间")
    assert refused.status_code == 200  # not a 24-hour screening
    assert "The end must be after the start." in refused.get_data(as_text=True)
    assert db.session.scalar(select(Screening).where(Screening.topic == "一样的时间")) is None


def test_a_recurring_plan_from_the_form_is_refused_where_it_overlaps(app, planner):
    day = (datetime.now(UTC) + timedelta(days=15)).date()
    assert plan_form(planner, day=day.isoformat(), topic="农技培训").status_code == 302
    weekly = {"day": (day - timedelta(days=7)).isoformat(), "start": "20:00", "end": "21:30",
              "topic": "周放映", "repeat": "weekly"}
    checked = plan_form(planner, **weekly, action="check").get_data(as_text=True)
    assert f"{day.day} {day:%b %Y}, 20:00: overlaps 农技培训." in checked
    refused = plan_form(planner, **weekly)
    assert refused.status_code == 409
    assert f"{day.day} {day:%b %Y}, 20:00: overlaps 农技培训." in refused.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(Series.id))) == 0
    assert plan_form(planner, **weekly, force="y").status_code == 302
    assert db.session.scalar(select(db.func.count(Series.id))) == 1


def test_the_plan_page_refuses_an_overlap_unless_forced(app, planner):
    day = (datetime.now(UTC) + timedelta(days=8)).date()
    assert plan_form(planner, day=day.isoformat(), start="20:30", end="21:30",
                     topic="农技培训").status_code == 302
    assert plan_form(planner, day=(day - timedelta(days=7)).isoformat(), start="19:00",
                     end="20:00", topic="周放映", repeat="weekly").status_code == 302
    plan_row = db.session.scalar(select(Series))
    url = f"/series/{plan_row.id}"
    data = {"start": "20:00", "duration_min": "60", "topic": "周放映", "audience": "all",
            "rule": plan_row.rrule, "csrf_token": csrf_token(planner, url)}
    refused = planner.post(url, data=data)
    assert refused.status_code == 409
    assert f"{day.day} {day:%b %Y}, 20:00: overlaps 农技培训." in refused.get_data(as_text=True)
    assert {(s.starts_at + timedelta(hours=8)).hour for s in db.session.scalars(
        select(Screening).where(Screening.series_id == plan_row.id))} == {19}
    assert planner.post(url, data={**data, "force": "y"}).status_code == 302
    assert {(s.starts_at + timedelta(hours=8)).hour for s in db.session.scalars(
        select(Screening).where(Screening.series_id == plan_row.id))} == {20}


def test_the_plan_page_lists_the_dates_it_left_unplanned(app, planner):
    """A date the extension skipped because another screening holds its time is on the page."""
    from zoneinfo import ZoneInfo

    from app.models import Site
    from app.screenings.plans import create_series
    from app.screenings.single import create_screening

    zone = ZoneInfo("Asia/Shanghai")
    site = db.session.scalar(select(Site))
    now = datetime.now(UTC)
    first = datetime.combine(now.astimezone(zone).date() + timedelta(days=1),
                             datetime.min.time().replace(hour=19), tzinfo=zone)
    plan_row, _made = create_series(site, rule="FREQ=DAILY", first=first, duration_min=60,
                                    topic="每日放映", now=now - timedelta(days=30))
    taken = first + timedelta(days=70)  # past what the plan made: nothing overlapped then
    create_screening(site, starts_at=taken + timedelta(minutes=30),
                     ends_at=taken + timedelta(minutes=90), topic="县里来人放映")
    db.session.commit()
    page = planner.get(f"/series/{plan_row.id}").get_data(as_text=True)
    assert f"{taken.day} {taken:%b %Y}, 19:00: overlaps 县里来人放映." in page


def test_the_edit_page_saves_a_24_hour_screening_unchanged(app, api, future, login, client):
    """A 24-hour screening (the longest there is) shows the same start and end on its edit page:
    saved as it is shown, it keeps its 24 hours, not refused as ending when it starts."""
    created = plan(api, future, minutes=24 * 60).json
    login("admin")
    url = f"/screenings/{created['id']}/edit"
    local = future + timedelta(hours=8)
    assert f'value="{local.strftime("%H:%M")}"' in client.get(url).get_data(as_text=True)
    saved = client.post(url, data={
        "day": local.date().isoformat(), "start": local.strftime("%H:%M"),
        "end": local.strftime("%H:%M"), "topic": "改个主题", "audience": "all",
        "csrf_token": csrf_token(client, url), "action": "save"})
    assert saved.status_code == 302
    after = api.get(f"/api/v1/screenings/{created['id']}").json
    assert after["topic"] == "改个主题"
    assert (after["starts_at"], after["ends_at"]) == (created["starts_at"], created["ends_at"])


# --- a playlist keeps to the planner's area ----------------------------------------------------

@pytest.fixture
def area(app, api):
    """Besides `api`: P-003 in P-001's township (城关镇 西村), township officers of 城关镇 and of
    河口乡 (P-002's), and a title whose one file only P-001 holds."""
    from app.catalog.titles import create_title
    from tests import factories as make

    make.site("P-003", township="城关镇", village="西村")
    make.user("town-cg", "township", township="城关镇")
    make.user("town-hk", "township", township="河口乡")
    title = create_title("果树修剪技术", approved=True, sha256=[film(api)])
    db.session.commit()
    return {"title": str(title.id)}


def plan_as(app, user: str, site: str, items, start: datetime):
    from tests.conftest import token_client

    return token_client(app, user).post("/api/v1/screenings", json={
        "site": site, "starts_at": iso(start), "ends_at": iso(start + timedelta(hours=1)),
        "topic": "学习", "items": items})


def test_a_file_held_only_at_another_site_is_unknown_to_the_planner(app, api, area, future):
    """op-b (P-002) sends the hash of P-001's film: the same 422 as for a hash that exists
    nowhere, naming the item, and no screening; by its file id too. The admin may plan it."""
    sha, nowhere = film(api), "f" * 64
    file_id = next(f["id"] for f in api.get("/api/v1/files?site=P-001&limit=500").json["items"]
                   if f["sha256"] == sha)
    hidden = plan_as(app, "op-b", "P-002", [{"title_id": area["title"]}, {"sha256": sha}],
                     future)
    unknown = plan_as(app, "op-b", "P-002", [{"title_id": area["title"]}, {"sha256": nowhere}],
                      future)
    assert (hidden.status_code, unknown.status_code) == (422, 422)
    assert hidden.json["error"]["message"] == (
        f"Playlist item 2: no file with SHA-256 {sha} in the catalog.")
    assert hidden.json["error"]["message"].replace(sha, nowhere) == unknown.json["error"]["message"]
    by_id = plan_as(app, "op-b", "P-002", [{"file_id": file_id}], future)
    assert by_id.status_code == 422
    assert by_id.json["error"]["message"] == "Playlist item 1: no such file in the catalog."
    assert db.session.scalar(select(db.func.count(Screening.id))) == 0
    assert plan_as(app, "admin", "P-002", [{"sha256": sha}], future).status_code == 201


def test_a_patch_cannot_put_another_sites_file_in_the_playlist(app, api, area, future):
    from tests.conftest import token_client

    created = plan_as(app, "op-b", "P-002", [], future).json
    patched = token_client(app, "op-b").patch(f"/api/v1/screenings/{created['id']}",
                                              json={"items": [{"sha256": film(api)}]})
    assert patched.status_code == 422
    assert patched.json["error"]["message"].startswith("Playlist item 1: no file with SHA-256")
    assert api.get(f"/api/v1/screenings/{created['id']}").json["items"] == []


@pytest.mark.parametrize(("user", "site", "named"), [
    ("op-b", "P-002", False),  # an operator sees only their own site
    ("town-hk", "P-002", False),  # P-001 is in another township
    ("town-cg", "P-003", True),  # P-001 is in the officer's township
    ("admin", "P-002", True),
])
def test_warnings_name_only_the_sites_the_planner_may_see(app, api, area, user, site, named, future):
    response = plan_as(app, user, site, [{"title_id": area["title"]}], future)
    assert response.status_code == 201
    warning = next(w for w in response.json["warnings"] if w["code"] == "not_held")
    assert warning["message"].startswith("果树修剪技术 has no file at this site.")
    assert ("Held at: P-001." in warning["message"]) is named
    assert ("P-001" in str(response.json)) is named


def test_the_planning_and_edit_forms_name_no_site_out_of_the_operators_sight(app, api, area,
                                                                             client, login):
    login("op-b")
    url = "/sites/P-002/screenings/new"
    data = {"day": "2027-01-06", "start": "19:30", "end": "21:00", "topic": "果树",
            "audience": "all", "repeat": "", "titles": [area["title"]],
            "csrf_token": csrf_token(client, url)}
    checked = client.post(url, data={**data, "action": "check"}).get_data(as_text=True)
    assert "果树修剪技术 has no file at this site." in checked
    assert "P-001" not in checked and "Held at" not in checked
    saved = client.post(url, data={**data, "action": "save"}, follow_redirects=True)
    page = saved.get_data(as_text=True)
    assert "has no file at this site." in page and "P-001" not in page
    screening = db.session.scalar(select(Screening))
    edit = f"/screenings/{screening.id}/edit"
    rechecked = client.post(edit, data={**data, "action": "check", "topic": "果树 二"})
    html = rechecked.get_data(as_text=True)
    assert "has no file at this site." in html and "P-001" not in html
    resaved = client.post(edit, data={**data, "action": "save", "topic": "果树 二"},
                          follow_redirects=True).get_data(as_text=True)
    assert "has no file at this site." in resaved and "P-001" not in resaved


def test_the_detail_page_names_what_played_and_rounds_its_time(app, make, now, login, client):
    """"What really played" names each file's title (else its short hash) and shows played time
    rounded to the second: 5.7 s is 0:06, not 0:05."""
    from tests import factories

    site = make.site("P-001")
    make.user("op", "operator", site=site)
    screening = factories.screening(site, start=now - timedelta(hours=1), topic="果树修剪")
    titled = factories.media_file(factories.title("苹果树冬剪"))
    bare = factories.media_file(sha256="ab" * 32)
    factories.play_log(site, screening=screening, media_file=titled, started_at=screening.starts_at,
                       played_s=5.7)
    factories.play_log(site, screening=screening, media_file=bare,
                       started_at=screening.starts_at + timedelta(seconds=10), played_s=65.2)
    login("op")
    html = client.get(f"/screenings/{screening.id}").get_data(as_text=True)
    played = html.split("What really played", 1)[1]
    assert "苹果树冬剪" in played and "abababababab" in played
    assert ">0:06<" in played and ">1:05<" in played and ">0:05<" not in played

"""Sync over HTTP: the hub's two endpoints, a site's push and pull with retry, and the same
exchange between two real `dianjiao serve` processes."""

from __future__ import annotations

import io
import json
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, delete, select, text
from werkzeug.serving import make_server

from app.errors import Invalid
from app.models import Attendance, SyncPeer, Title
from app.sync.net import PULL_PATH, Retry, SyncNetError, signed_headers
from tests.components import postgres_url
from tests.sync.helpers import count, enroll, export, seed_hub, sign_in

ZIP = "application/zip"


@pytest.fixture
def linked(hub, new_site, tmp_path):
    """A hub with P-001 enrolled, and the site it enrolled."""
    ids = seed_hub(hub)
    site = new_site()
    enroll(hub, site, tmp_path / "enroll.zip")
    return hub, site, ids


def site_bundle(site, tmp_path, name="up.zip") -> bytes:
    export(site, tmp_path / name)
    return (tmp_path / name).read_bytes()


def site_key(site) -> str:
    with site.ctx() as db:
        return db.session.scalar(select(SyncPeer.key).where(SyncPeer.kind == "hub"))


def post(hub, data: bytes, **kwargs):
    return hub.app.test_client().post("/api/v1/sync/bundles", data=data,
                                      content_type=kwargs.pop("content_type", ZIP), **kwargs)


def part_offset(data: bytes, name: str) -> int:
    """Where, in a bundle's bytes, the middle of one part's stored data lies."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26:
                                                           info.header_offset + 30])
    return info.header_offset + 30 + name_length + extra_length + info.compress_size // 2


def error_of(response) -> tuple[int, str, str]:
    error = response.get_json()["error"]
    return response.status_code, error["code"], error["message"]


# --- the hub's endpoints, in process ------------------------------------------------------------

def test_a_pushed_bundle_is_imported_once(linked, tmp_path):
    hub, site, ids = linked
    sign_in(site, ids["screening"], ids["zhang"])
    data = site_bundle(site, tmp_path)
    first = post(hub, data)
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["tables"]["attendance"]["inserted"] == 1
    assert first.headers["Date"]  # the site reads the hub's clock from it
    again = post(hub, data)
    assert again.status_code == 200 and again.get_json()["already_imported"] is True
    # The same bundle as a form upload: still the one bundle.
    form = post(hub, {"bundle": (io.BytesIO(data), "up.zip")},
                content_type="multipart/form-data")
    assert form.status_code == 200 and form.get_json()["already_imported"] is True
    assert count(hub, Attendance) == 1


def test_a_tampered_or_unsigned_bundle_is_refused_with_nothing_written(linked, tmp_path):
    hub, site, ids = linked
    sign_in(site, ids["screening"], ids["zhang"])
    data = bytearray(site_bundle(site, tmp_path))
    # a byte of the sign-ins' rows (a byte of the zip's local headers, which the reader skips
    # for its central directory, would change nothing the bundle says)
    data[part_offset(bytes(data), "rows/attendance.jsonl")] ^= 0x01
    status, code, message = error_of(post(hub, bytes(data)))
    assert status == 422 and code in ("signature", "damaged") and "Nothing was imported" in message
    status, code, message = error_of(post(hub, b"not a zip at all"))
    assert (status, code) == (422, "format")
    assert message.startswith("This file is not a Dianjiao sync bundle")
    cut = site_bundle(site, tmp_path, "cut.zip")
    status, code, message = error_of(post(hub, cut[: len(cut) // 2]))
    assert (status, code) == (422, "damaged") and "truncated" in message
    assert error_of(post(hub, b""))[:2] == (422, "empty")
    assert count(hub, Attendance) == 0


def test_a_damaged_copy_of_a_pushed_bundle_is_refused_not_already_imported(linked, tmp_path):
    hub, site, ids = linked
    sign_in(site, ids["screening"], ids["zhang"])
    data = site_bundle(site, tmp_path)
    assert post(hub, data).status_code == 201
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo("rows/attendance.jsonl")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    damaged = bytearray(data)
    damaged[start + info.compress_size // 2] ^= 0x01
    status, code, message = error_of(post(hub, bytes(damaged)))
    assert (status, code) == (422, "damaged") and "Copy it again" in message
    assert post(hub, data).status_code == 200  # the whole copy: already imported
    assert count(hub, Attendance) == 1


def test_a_bundle_signed_with_another_key_is_refused(linked, tmp_path):
    hub, site, ids = linked
    with site.ctx() as db:  # a PC whose key is not the one the hub gave it
        db.session.scalar(select(SyncPeer).where(SyncPeer.kind == "hub")).key = "ab" * 32
        db.session.commit()
    sign_in(site, ids["screening"], ids["zhang"])
    status, code, message = error_of(post(hub, site_bundle(site, tmp_path)))
    assert (status, code) == (422, "signature") and "signature" in message
    assert count(hub, Attendance) == 0


def test_unknown_and_revoked_sites_are_refused(linked, tmp_path):
    from app.sync.services import revoke

    hub, site, ids = linked
    sign_in(site, ids["screening"], ids["zhang"])
    data = site_bundle(site, tmp_path)
    with hub.ctx() as db:
        revoke("P-001")
        db.session.commit()
    status, code, message = error_of(post(hub, data))
    assert (status, code) == (403, "revoked") and "revoked" in message
    with hub.ctx() as db:
        db.session.execute(delete(SyncPeer).where(SyncPeer.code == "P-001"))
        db.session.commit()
    status, code, message = error_of(post(hub, data))
    assert (status, code) == (403, "unknown") and "not enrolled" in message
    assert count(hub, Attendance) == 0


def test_a_bundle_above_the_limit_is_413(linked, tmp_path):
    hub, site, ids = linked
    data = site_bundle(site, tmp_path)
    hub.app.config["SYNC_MAX_BUNDLE_MB"] = 0.001  # about 1 KB
    status, code, message = error_of(post(hub, data))
    assert (status, code) == (413, "too_large") and "SYNC_MAX_BUNDLE_MB" in message
    hub.app.config["SYNC_MAX_BUNDLE_MB"] = 256
    assert post(hub, data).status_code == 201


def test_the_limit_is_the_sync_one_not_the_upload_one(linked, tmp_path):
    hub, site, _ids = linked
    data = site_bundle(site, tmp_path)
    hub.app.config["MAX_CONTENT_LENGTH"] = 100  # far below any bundle: pages' uploads only
    assert post(hub, data).status_code == 201


def test_an_enrollment_bundle_is_not_pushed(linked, tmp_path):
    hub, _site, _ids = linked
    status, code, message = error_of(post(hub, (tmp_path / "enroll.zip").read_bytes()))
    assert (status, code) == (422, "destination") and "by hand" in message


def test_a_site_has_no_hub_endpoints(linked, tmp_path):
    _hub, site, _ids = linked
    client = site.app.test_client()
    response = client.post("/api/v1/sync/bundles", data=b"x", content_type=ZIP)
    assert response.status_code == 404 and "site" in response.get_json()["error"]["message"]
    assert client.get(PULL_PATH).status_code == 404


def pull_from(hub, headers):
    return hub.app.test_client().get(PULL_PATH, headers=headers)


def test_a_signed_pull_gets_the_sites_bundle(linked, tmp_path):
    from app.sync.importer import import_bundle

    hub, site, ids = linked
    with hub.ctx() as db:
        db.session.get(Title, ids["title"]).name = "果树冬季修剪技术"
        db.session.commit()
    response = pull_from(hub, signed_headers("P-001", site_key(site)))
    assert response.status_code == 200 and response.mimetype == ZIP
    assert re.match(r'attachment; filename="dianjiao-HUB-\w+-to-P-001-\d{6}\.zip"',
                    response.headers["Content-Disposition"])
    assert response.headers["Date"]
    with site.ctx() as db:
        summary = import_bundle(response.data)
        assert summary["tables"]["titles"]["updated"] == 1
        assert db.session.get(Title, ids["title"]).name == "果树冬季修剪技术"
    # Nothing changed since: still a bundle (it carries the acknowledgements); nothing new.
    quiet = pull_from(hub, signed_headers("P-001", site_key(site)))
    assert quiet.status_code == 200 and int(quiet.headers["X-Dianjiao-Rows"]) >= 0
    with site.ctx():
        summary = import_bundle(quiet.data)
    assert summary["already_imported"] is False and summary["inserted"] == summary["updated"] == 0


def test_a_pull_is_refused_without_the_right_signature_site_or_clock(linked):
    from app.sync.services import revoke

    hub, site, _ids = linked
    key = site_key(site)
    status, code, _m = error_of(pull_from(hub, {}))
    assert (status, code) == (401, "unsigned")
    assert error_of(pull_from(hub, signed_headers("P-001", "cd" * 32)))[:2] == (403, "signature")
    forged = signed_headers("P-001", key)
    forged["X-Dianjiao-Site"] = "P-002"  # enrolled or not, the signature names P-001
    assert error_of(pull_from(hub, forged))[:2] == (403, "unknown")
    stale = datetime.now(UTC) - timedelta(minutes=20)
    status, code, message = error_of(pull_from(hub, signed_headers("P-001", key, stale)))
    assert (status, code) == (403, "clock")
    assert stale.replace(microsecond=0).isoformat() in message and "hub's says" in message
    naive = signed_headers("P-001", key)
    naive["X-Dianjiao-Time"] = naive["X-Dianjiao-Time"].replace("+00:00", "")
    assert error_of(pull_from(hub, naive))[:2] == (422, "time")
    with hub.ctx() as db:
        revoke("P-001")
        db.session.commit()
    assert error_of(pull_from(hub, signed_headers("P-001", key)))[:2] == (403, "revoked")


def test_a_rotated_key_still_pulls_and_brings_the_new_key(linked):
    from app.sync.importer import import_bundle
    from app.sync.services import rotate_key

    hub, site, _ids = linked
    old = site_key(site)
    with hub.ctx() as db:
        rotate_key("P-001")
        db.session.commit()
    response = pull_from(hub, signed_headers("P-001", old))
    assert response.status_code == 200
    with site.ctx():
        import_bundle(response.data)
    new = site_key(site)
    assert new != old
    assert pull_from(hub, signed_headers("P-001", new)).status_code == 200


# --- a site's client, over real HTTP to an in-process hub ---------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Flaky:
    """A WSGI front that answers 503 to the first `failures` requests, then passes them on."""

    def __init__(self, app, failures: int):
        self.app, self.failures, self.seen = app, failures, 0

    def __call__(self, environ, start_response):
        self.seen += 1
        if self.seen <= self.failures:
            start_response("503 Service Unavailable", [("Content-Type", "application/json")])
            return [b'{"error": {"code": "busy", "message": "restarting"}}']
        return self.app(environ, start_response)


class Served:
    """A WSGI app on a real port, in a thread; start() may come later than the address."""

    def __init__(self, app, port: int | None = None):
        self.app, self.port, self.server = app, port or free_port(), None
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self):
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def serve_wsgi():
    started = []

    def make(app, port=None, start=True):
        served = Served(app, port)
        if start:
            served.start()
        started.append(served)
        return served

    yield make
    for served in started:
        served.stop()


class Waits(list):
    """The injected wait: records each delay instead of sleeping; can act on the n-th wait."""

    def __init__(self, on_wait=None):
        super().__init__()
        self.on_wait = on_wait

    def __call__(self, seconds: float) -> bool:
        self.append(seconds)
        if self.on_wait:
            self.on_wait(len(self))
        return False


def test_push_and_pull_over_http_retry_a_busy_hub(linked, serve_wsgi):
    from app.sync.net import pull, push

    hub, site, ids = linked
    front = Flaky(hub.app, failures=2)
    served = serve_wsgi(front)
    sign_in(site, ids["screening"], ids["zhang"])
    waits = Waits()
    with site.ctx() as db:
        result = push(served.url, retry=Retry(wait=waits))
        assert result["status"] == 201 and result["attempts"] == 3
        assert result["imported"]["tables"]["attendance"]["inserted"] == 1
        assert len(waits) == 2 and 1 <= waits[0] <= 2 <= waits[1] <= 4  # 2 s, then 4 s, jittered
        assert abs(result["clock_skew_s"]) <= 5  # both clocks are this machine's
        peer = db.session.scalar(select(SyncPeer).where(SyncPeer.kind == "hub"))
        assert peer.clock_skew_s == result["clock_skew_s"]
        again = pull(served.url, retry=Retry(wait=waits))
        assert again["status"] == 200 and again["attempts"] == 1 and len(waits) == 2
    assert count(hub, Attendance) == 1


def test_a_push_by_hand_says_why_it_waits(linked, serve_wsgi):
    """`dianjiao sync push` against a busy hub tells the person what failed and how long it
    waits before trying again, instead of sitting silent through the backoff."""
    hub, site, ids = linked
    served = serve_wsgi(Flaky(hub.app, failures=1))
    sign_in(site, ids["screening"], ids["zhang"])
    result = site.app.test_cli_runner().invoke(args=["sync", "push", "--hub", served.url])
    assert result.exit_code == 0, result.output
    said = result.stderr.splitlines()
    assert "HTTP 503: restarting" in said[0] and "(attempt 2 of 5)" in said[0]
    assert re.search(r"trying again in [12] s", said[0]) and "nothing is lost" in said[0]
    assert count(hub, Attendance) == 1


def test_a_hub_that_is_down_then_up_gets_the_bundle(linked, serve_wsgi):
    from app.sync.net import push

    hub, site, ids = linked
    served = serve_wsgi(hub.app, start=False)  # nothing listens yet: connection refused
    sign_in(site, ids["screening"], ids["zhang"])
    waits = Waits(on_wait=lambda n: served.start() if n == 3 else None)
    with site.ctx():
        result = push(served.url, retry=Retry(wait=waits))
    assert result["attempts"] == 4 and len(waits) == 3
    assert count(hub, Attendance) == 1


def test_backoff_grows_to_its_cap_then_gives_up_plainly(linked, serve_wsgi):
    from app.sync.net import push

    hub, site, _ids = linked
    served = serve_wsgi(Flaky(hub.app, failures=100))
    waits = Waits()
    with site.ctx(), pytest.raises(SyncNetError) as raised:
        push(served.url, retry=Retry(attempts=8, base=2, cap=20, wait=waits))
    assert len(waits) == 7
    # Upper half of 2, 4, 8, 16, then of the cap 20: growing, then jittered under the cap.
    assert waits[:4] == sorted(waits[:4]) and all(10 <= w <= 20 for w in waits[4:])
    assert all(c / 2 <= w <= c for w, c in zip(waits, [2, 4, 8, 16, 20, 20, 20], strict=True))
    assert "after 8 attempts" in raised.value.message and "503" in raised.value.message
    exact = Retry(base=2, cap=20, rand=lambda: 1.0)
    assert [exact.delay(n) for n in range(1, 7)] == [2, 4, 8, 16, 20, 20]


def test_a_refusal_is_final_and_not_retried(linked, serve_wsgi):
    from app.sync.net import pull, push
    from app.sync.services import revoke

    hub, site, _ids = linked
    served = serve_wsgi(hub.app)
    with hub.ctx() as db:
        revoke("P-001")
        db.session.commit()
    waits = Waits()
    with site.ctx():
        for step in (push, pull):
            with pytest.raises(SyncNetError) as raised:
                step(served.url, retry=Retry(wait=waits))
            assert raised.value.http_status == 403 and raised.value.reason == "revoked"
            assert "revoked" in raised.value.message
    assert waits == []


def test_the_job_pulls_then_pushes_and_a_hub_does_not_push(linked, serve_wsgi):
    from app.sync.net import SyncJob, push, start_job

    hub, site, ids = linked
    served = serve_wsgi(hub.app)
    assert start_job(site.app) is None  # no SYNC_HUB_URL: no job
    site.app.config["SYNC_HUB_URL"] = served.url
    sign_in(site, ids["screening"], ids["zhang"])
    lines = SyncJob(site.app).run_once()
    assert lines[0].startswith("Pulled bundle") and lines[1].startswith("Pushed bundle")
    assert count(hub, Attendance) == 1
    with hub.ctx(), pytest.raises(Invalid, match="Only a site"):
        push(served.url)


# --- two real `dianjiao serve` processes --------------------------------------------------------

DIANJIAO = os.path.join(os.path.dirname(sys.executable), "dianjiao")
ADMIN_PASSWORD = "admin-pass-1"


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


class Instance:
    """An instance folder driven through the `dianjiao` command, as an operator would."""

    def __init__(self, folder, **env):
        folder.mkdir()
        self.folder = folder
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("DIANJIAO_")}
        self.env.update({"DIANJIAO_INSTANCE": str(folder),
                         "DIANJIAO_ADMIN_PASSWORD": ADMIN_PASSWORD,
                         "DIANJIAO_VLC_ARGS": "--vout=dummy --aout=dummy", **env})
        self.server = None
        self.url = None
        self.log = folder / "serve.log"

    def run(self, *args, check=True, **env):
        done = subprocess.run([DIANJIAO, *args], env={**self.env, **env}, capture_output=True,
                              text=True, timeout=180)
        if check:
            assert done.returncode == 0, f"dianjiao {' '.join(args)}:\n{done.stderr}"
        return done

    def token(self, user: str) -> str:
        return self.run("users", "token", user).stdout.strip().splitlines()[-1]

    def serve(self, **env):
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        with open(self.log, "a") as log:
            self.server = subprocess.Popen(
                [DIANJIAO, "serve", "--host", "127.0.0.1", "--port", str(port)],
                env={**self.env, **env}, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not answers(f"{self.url}/login"):
            if self.server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"dianjiao serve did not start:\n{self.log.read_text()}")
            time.sleep(0.1)

    def stop(self):
        if self.server is None:
            return
        self.server.terminate()
        try:
            self.server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.server.kill()
            self.server.wait()
        self.server = None

    def api(self, token, method, path, body=None):
        request = urllib.request.Request(
            self.url + path, method=method, data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, json.loads(exc.read())


@pytest.fixture
def hub_database(request):
    """Nothing for a SQLite hub; a fresh PostgreSQL database (dropped after) otherwise."""
    if request.param == "sqlite":
        yield {}
        return
    base = postgres_url()
    name = f"dianjiao_http_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield {"DIANJIAO_DATABASE_URL": re.sub(r"/[^/]*$", f"/{name}", base)}
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def instances(tmp_path):
    made = []

    def make(name, **env):
        instance = Instance(tmp_path / name, **env)
        made.append(instance)
        return instance

    yield make
    for instance in made:
        instance.stop()


@pytest.mark.parametrize("hub_database", ["sqlite", "postgres"], indirect=True)
def test_two_serve_processes_exchange_over_http(hub_database, instances, tmp_path):
    # The hub: a site, a villager and an operator; the plan made through its API.
    hub = instances("hub", DIANJIAO_ROLE="hub", **hub_database)
    hub.run("init")
    (tmp_path / "sites.csv").write_text("code,name,kind,township,village\n"
                                        "P-001,东村放映点,playback_point,城关镇,东村\n")
    hub.run("sites", "import", str(tmp_path / "sites.csv"))
    hub.run("users", "add", "op1", "--role", "operator", "--site", "P-001",
            "--password", "secret-pass-1")
    admin = hub.token("admin")
    hub.serve()
    people = [hub.api(admin, "POST", "/api/v1/people", {"name": name, "village": "东村"})
              for name in ("张三", "李四")]
    assert [status for status, _p in people] == [201, 201]
    zhang, li = (person["id"] for _s, person in people)
    start = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    status, screening = hub.api(admin, "POST", "/api/v1/screenings", {
        "site": "P-001", "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(), "topic": "果树修剪"})
    assert status == 201, screening
    attendance = f"/api/v1/screenings/{screening['id']}/attendance"

    # The site: enrolled from the hub's bundle, then served; the operator signs 张三 in offline.
    hub.run("sync", "enroll", "P-001", "--to", str(tmp_path / "enroll.zip"))
    site = instances("site")
    site.run("init")
    site.run("sync", "import", str(tmp_path / "enroll.zip"))
    site.serve()
    op1 = site.token("op1")
    status, _row = site.api(op1, "POST", attendance, {"person_id": zhang, "method": "operator"})
    assert status == 201

    # Pushed to the hub serve: there exactly once, and once after a second push.
    to_hub = {"DIANJIAO_SYNC_HUB_URL": hub.url}
    pushed = json.loads(site.run("sync", "push", "--json", **to_hub).stdout)
    assert pushed["status"] == 201 and pushed["imported"]["tables"]["attendance"]["inserted"] == 1
    status, signed = hub.api(admin, "GET", attendance)
    assert status == 200 and signed["total"] == 1 and signed["items"][0]["person_id"] == zhang
    again = site.run("sync", "push", "--json", **to_hub)
    assert json.loads(again.stdout)["imported"]["inserted"] == 0
    assert "Pushed bundle" in again.stderr
    assert hub.api(admin, "GET", attendance)[1]["total"] == 1

    # The township changes the plan and adds a title; a pull brings both to the site.
    assert hub.api(admin, "PATCH", f"/api/v1/screenings/{screening['id']}",
                   {"topic": "果树冬季修剪"})[0] == 200
    assert hub.api(admin, "POST", "/api/v1/titles", {"name": "生猪科学养殖"})[0] == 201
    pulled = json.loads(site.run("sync", "pull", "--json", **to_hub).stdout)
    assert pulled["tables"]["titles"]["inserted"] == 1
    assert site.api(op1, "GET", f"/api/v1/screenings/{screening['id']}")[1]["topic"] == "果树冬季修剪"
    assert site.api(op1, "GET", "/api/v1/titles?q=shengzhu")[1]["total"] == 1

    # The site's serve with SYNC_HUB_URL pushes on its own schedule.
    assert site.api(op1, "POST", attendance, {"person_id": li, "method": "operator"})[0] == 201
    site.stop()
    site.serve(DIANJIAO_SYNC_INTERVAL_MIN="0.02", **to_hub)  # about a second
    deadline = time.monotonic() + 60
    while hub.api(admin, "GET", attendance)[1]["total"] < 2:
        assert time.monotonic() < deadline, site.log.read_text()
        time.sleep(0.5)
    site.stop()

    # A refusal is plain and final (exit 1, no retries).
    hub.run("sync", "revoke", "P-001")
    refused = site.run("sync", "push", check=False, **to_hub)
    assert refused.returncode == 1 and "revoked" in refused.stderr
    assert refused.stderr.startswith("Error: The hub refused the bundle (HTTP 403)")


def test_a_proxys_html_error_page_is_told_by_its_title(linked, serve_wsgi):
    """nginx in front of the hub answers a too large bundle with its own HTML page: the site
    says "413 Request Entity Too Large", not the page's markup."""
    from app.sync.net import push

    _hub, site, _ids = linked
    page = (b"<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n"
            b"<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx/1.22.1"
            b"</center>\r\n</body>\r\n</html>\r\n")

    def nginx(environ, start_response):
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("413 Request Entity Too Large", [("Content-Type", "text/html"),
                                                        ("Content-Length", str(len(page)))])
        return [page]

    served = serve_wsgi(nginx)
    with site.ctx(), pytest.raises(SyncNetError) as raised:
        push(served.url, retry=Retry(wait=Waits()))
    assert "413 Request Entity Too Large" in raised.value.message
    assert "<" not in raised.value.message and "nginx" not in raised.value.message


def test_an_install_enrolled_while_serving_starts_its_network_sync(hub, new_site, tmp_path,
                                                                   serve_wsgi):
    """Serve started as a fresh install (a hub: no sync job); the enrollment bundle is imported
    through the page meanwhile: the next minute's tick starts pulling and pushing."""
    from app.runner import ScreeningRunner

    seed_hub(hub)
    served = serve_wsgi(hub.app)
    site = new_site(SYNC_HUB_URL=served.url, SYNC_INTERVAL_MIN=60)
    runner = ScreeningRunner(site.app)
    assert runner.start()
    try:
        assert runner.sync_job is None  # not a site yet
        enroll(hub, site, tmp_path / "enroll.zip")
        runner.tick()
        assert runner.sync_job is not None
    finally:
        runner.stop()


def test_two_workers_making_a_sites_bundle_at_once_number_them_apart(hub, new_site, tmp_path):
    """PostgreSQL hub, two gunicorn workers: one is making P-001's bundle (holding its link) when
    the other is asked for it too; the second waits, and the two bundles get two numbers."""
    import threading

    from app.models import SyncPeer
    from app.sync.services import site_peer

    if hub.app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite has one writer: the second export cannot start meanwhile")
    seed_hub(hub)
    enroll(hub, new_site(), tmp_path / "enroll.zip")
    holding, release = threading.Event(), threading.Event()

    def first_worker():
        with hub.ctx() as db:
            peer = site_peer("P-001")
            db.session.refresh(peer, with_for_update=True)
            holding.set()
            release.wait(10)
            peer.out_seq += 1  # as export_bundle does
            db.session.commit()

    worker = threading.Thread(target=first_worker)
    worker.start()
    assert holding.wait(10)
    threading.Timer(0.5, release.set).start()
    second = export(hub, tmp_path / "second.zip", to="P-001")
    worker.join()
    with hub.ctx() as db:
        final = db.session.scalar(select(SyncPeer.out_seq).where(SyncPeer.code == "P-001"))
    assert second["seq"] == final == 3  # enrollment 1, the first worker 2, this one 3

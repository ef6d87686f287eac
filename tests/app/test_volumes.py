"""Discs and USB sticks that come and go: a mount table the tests write (in /proc/mounts format),
udev's by-uuid and by-label links, and real folders of real videos as the mounted volumes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.catalog import scanning
from app.catalog.volume_watch import watch_volumes
from app.catalog.volumes import poll, site_volumes
from app.extensions import db
from app.models import FileEntry, LibraryRoot
from app.player.services import item_for
from app.screenings.checks import check, warning_text
from app.screenings.playlist import resolve_items
from app.screenings.readiness import FULL, check_screening
from tests.conftest import csrf_token
from tests.media_fixtures import make_video


class Drives:
    """The machine's mount table and removable drives, as files and folders the test controls.

    A stick is a folder of videos kept under sticks/ while out; inserting it moves it onto its
    mount point under media/ (left there empty when it is taken out, as udisks leaves it)."""

    def __init__(self, base, app):
        self.base = base
        for folder in ("sticks", "media", "dev", "disk/by-uuid", "disk/by-label"):
            (base / folder).mkdir(parents=True, exist_ok=True)
        self.table = base / "mounts"
        self.table.write_text("/dev/vda / ext4 rw,relatime 0 0\n")
        self.sticks: dict[str, tuple[str | None, str | None]] = {}
        self.devices: dict[str, object] = {}  # mount point name: device
        app.config.update(VOLUME_MOUNTS=str(self.table), VOLUME_DISK_DIR=str(base / "disk"),
                          VOLUME_PREFIXES=(str(base / "media"),),
                          VOLUME_SYS_BLOCK=str(base / "sys"))

    def stick(self, name: str, label: str | None, uuid: str | None, videos: dict[str, float]):
        folder = self.base / "sticks" / name
        for rel, seconds in videos.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            make_video(folder / rel, seconds)
        self.sticks[name] = (label, uuid)
        return folder

    def insert(self, name: str, at: str = "usb", device: str = "sdb1") -> str:
        label, uuid = self.sticks[name]
        mount = self.base / "media" / at
        if mount.exists():
            mount.rmdir()
        os.rename(self.base / "sticks" / name, mount)
        dev = self.base / "dev" / device
        self.devices[at] = dev
        for folder, value in (("by-uuid", uuid), ("by-label", label)):
            if value:
                (self.base / "disk" / folder / value.replace(" ", "\\x20")).symlink_to(dev)
        with open(self.table, "a") as fh:
            fh.write(f"{dev} {str(mount).replace(' ', chr(92) + '040')} vfat rw 0 0\n")
        return str(mount)

    def take_out(self, name: str, at: str = "usb") -> None:
        mount = self.base / "media" / at
        os.rename(mount, self.base / "sticks" / name)
        mount.mkdir()
        dev = self.devices.pop(at)
        for folder in ("by-uuid", "by-label"):  # udev removes the device's links
            for link in (self.base / "disk" / folder).iterdir():
                if os.path.realpath(link) == str(dev):
                    link.unlink()
        lines = self.table.read_text().splitlines(keepends=True)
        self.table.write_text("".join(x for x in lines if f" {mount} " not in x))


@pytest.fixture
def drives(app, tmp_path):
    return Drives(tmp_path / "machine", app)


@pytest.fixture
def site(make):
    return make.site("P-001")


def scan(app, path: str) -> dict:
    result = app.test_cli_runner().invoke(args=["scan", path, "--site", "P-001", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def entries() -> dict[str, FileEntry]:
    db.session.expire_all()
    return {e.relpath: e for e in db.session.scalars(select(FileEntry))}


def roots() -> dict[str, LibraryRoot]:
    db.session.expire_all()
    return {r.volume_label or r.label: r for r in db.session.scalars(select(LibraryRoot))}


def test_a_stick_taken_out_is_offline_not_missing_and_comes_back_without_a_rescan(
        app, drives, site, client, login, make, monkeypatch):
    drives.stick("a", "乡土教材 第3辑", "1111-AAAA", {"第一集.mp4": 1.0, "第二集.mp4": 1.0})
    mount = drives.insert("a")
    assert scan(app, mount)["new"] == 2
    root = roots()["乡土教材 第3辑"]
    assert (root.volume_uuid, root.volume_subpath, root.offline_since) == ("1111-AAAA", "", None)
    # The root's path is a link of its own, so it never changes and never leads to another
    # volume mounted at the same place.
    assert root.path.endswith("乡土教材 第3辑 [1111-AAAA]") and os.path.realpath(root.path) == mount
    path = root.path

    drives.take_out("a")
    result = poll(app.config)
    db.session.commit()
    assert [r.volume_label for r in result.offline] == ["乡土教材 第3辑"]
    assert scanning.scan_root(root)["missing"] == 0  # a scan while it is out marks nothing
    refused = app.test_cli_runner().invoke(args=["scan", mount, "--site", "P-001"])
    assert refused.exit_code == 1
    assert f"Nothing is in the drive at {mount}: insert the disc" in refused.stderr
    assert len(roots()) == 1  # no library folder made of the empty drive
    assert not any(e.missing for e in entries().values())
    make.user("op", "operator", site=site)
    login("op")
    page = client.get("/sites/P-001/library").get_data(as_text=True)
    assert page.count("offline: on disc 《乡土教材 第3辑》") == 2
    assert "out of the drive since" in page

    # Back in another port: recognised by its UUID, nothing read again.
    monkeypatch.setattr(scanning, "scan_root", lambda *a, **k: pytest.fail("rescanned"))
    other = drives.insert("a", at="usb1", device="sdc1")
    result = watch_volumes(app)
    assert [r["label"] for r in result["online"]] == ["乡土教材 第3辑"] and not result["changed"]
    assert os.path.realpath(roots()["乡土教材 第3辑"].path) == other
    assert roots()["乡土教材 第3辑"].offline_since is None
    page = client.get("/sites/P-001/library").get_data(as_text=True)
    assert "offline: on disc" not in page and f"in the drive at {other}" in page
    assert roots()["乡土教材 第3辑"].path == path


@pytest.mark.both_databases
def test_two_sticks_with_the_same_label_and_no_uuid_are_told_apart_by_their_content(
        app, drives, site):
    drives.stick("a", "教材", None, {"种植.mp4": 1.0})
    drives.stick("b", "教材", None, {"养殖.mp4": 1.0, "加工.mp4": 1.0})
    mount = drives.insert("a")
    scan(app, mount)
    drives.take_out("a")
    drives.insert("b")
    result = poll(app.config)
    db.session.commit()
    assert result.online == []  # same label, other content: not stick a
    assert [(v.label, v.known) for v in site_volumes(site, app.config)] == [
        ("教材", True), ("教材", False)]
    assert scan(app, mount)["new"] == 2  # added as a library folder of its own
    found = db.session.scalars(select(LibraryRoot).order_by(LibraryRoot.created_at)).all()
    assert len(found) == 2 and found[0].path != found[1].path
    assert not os.path.exists(found[0].path) and found[0].offline_since is not None
    assert os.path.realpath(found[1].path) == mount and found[1].offline_since is None
    assert not any(e.missing for e in entries().values())

    drives.take_out("b")
    drives.insert("a")
    result = poll(app.config)
    db.session.commit()
    assert [r.id for r in result.online] == [found[0].id]
    assert [r.id for r in result.offline] == [found[1].id]
    db.session.expire_all()
    assert os.path.realpath(found[0].path) == mount and not os.path.exists(found[1].path)
    assert set(entries()) == {"种植.mp4", "养殖.mp4", "加工.mp4"}
    assert not any(e.missing for e in entries().values())


def test_same_label_other_uuid_is_another_stick(app, drives, site):
    drives.stick("a", "U盘", "AAAA-0001", {"a.mp4": 1.0})
    drives.stick("b", "U盘", "BBBB-0002", {"a.mp4": 1.0})  # even the same names and sizes
    scan(app, drives.insert("a"))
    drives.take_out("a")
    drives.insert("b")
    result = poll(app.config)
    db.session.commit()
    assert result.online == [] and roots()["U盘"].offline_since is not None


def test_a_stick_back_with_a_file_added_elsewhere_is_rescanned(app, drives, site):
    folder = drives.stick("a", "kit", "CAFE-0001", {"one.mp4": 1.0})
    scan(app, drives.insert("a"))
    drives.take_out("a")
    watch_volumes(app)
    make_video(folder / "two.mp4", 1.0)  # on another computer
    drives.insert("a")
    result = watch_volumes(app)
    assert [r["label"] for r in result["changed"]] == ["kit"]
    assert set(entries()) == {"one.mp4", "two.mp4"}


def test_a_disc_pulled_out_mid_scan_marks_nothing_missing_or_broken(app, drives, site):
    drives.stick("a", "DVD", "2020-01-01-00-00-00-00", {f"{n}.mp4": 1.0 for n in "abcdef"})
    mount = drives.insert("a")
    scan(app, mount)
    root = roots()["DVD"]
    for entry in root.entries:  # make the next scan read every file again
        entry.mtime_ns += 1
    db.session.commit()

    def pull(progress):  # out as the scan starts reading
        if os.listdir(mount):
            drives.take_out("a")

    scanning.scan_root(root, on_progress=pull)
    found = entries()
    assert len(found) == 6
    assert not any(e.missing or e.error for e in found.values())
    assert roots()["DVD"].offline_since is not None


@pytest.mark.both_databases
def test_readiness_and_planning_say_insert_disc_for_a_file_only_on_a_stick_that_is_out(
        app, drives, site, make, now):
    app.config["PLAYER_SITE"] = "P-001"
    drives.stick("a", "乡土教材 第3辑", "1111-AAAA", {"第一集.mp4": 1.0})
    scan(app, drives.insert("a"))
    media = entries()["第一集.mp4"].media_file
    title = make.title("第一集")
    media.title = title
    db.session.commit()
    screening = make.screening(site, start=now + timedelta(hours=3),
                               playlist=[{"sha256": media.sha256}])
    assert check_screening(screening, FULL, now=now).status == "ready"

    drives.take_out("a")
    poll(app.config)
    db.session.commit()
    result = check_screening(screening, FULL, now=now)
    assert result.status == "at_risk"
    assert [p["problem"] for p in result.problems] == [
        "insert disc 《乡土教材 第3辑》: the file is on it"]
    warnings = check(site, now + timedelta(hours=5), now + timedelta(hours=6),
                     resolve_items(site, [{"title_id": str(title.id)}]))
    insert = next(w for w in warnings if w.code == "insert_disc")
    assert insert.params["discs"] == ["乡土教材 第3辑"]
    assert "insert it before the screening" in warning_text(insert)


def test_the_library_page_offers_a_new_stick_and_adds_it(app, drives, site, client, login, make):
    drives.stick("a", "新教材", "ABCD-1234", {"x.mp4": 1.0})
    mount = drives.insert("a")
    make.user("op", "operator", site=site)
    login("op")
    page = client.get("/sites/P-001/library").get_data(as_text=True)
    assert "not a library folder yet" in page and "ABCD-1234" in page
    response = client.post("/sites/P-001/library", data={
        "path": mount, "label": "新教材", "csrf_token": csrf_token(client, "/sites/P-001/library")})
    assert response.status_code == 302
    root = roots()["新教材"]
    assert (os.path.realpath(root.path), root.volume_uuid) == (mount, "ABCD-1234")
    page = client.get("/sites/P-001/library").get_data(as_text=True)
    assert "not a library folder yet" not in page and f"in the drive at {mount}" in page


def test_serve_polls_the_mount_table_as_a_scheduler_job(app):
    from app.runner import ScreeningRunner

    runner = ScreeningRunner(app)
    try:
        assert runner.start()
        job = runner.runner._scheduler.get_job("volumes")
        assert job is not None
        assert job.trigger.interval == timedelta(seconds=app.config["VOLUME_POLL_S"])
    finally:
        runner.stop()


def test_a_copy_from_a_stick_goes_into_a_folder_named_for_its_label(app, drives, site, tmp_path):
    drives.stick("a", "乡土教材 第3辑", "1111-AAAA", {"第一集.mp4": 1.0})
    mount = drives.insert("a")
    scan(app, mount)  # the stick is a library folder too
    result = app.test_cli_runner().invoke(args=[
        "copy", mount, "--site", "P-001", "--to", str(tmp_path / "videos"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["target"] == str(tmp_path / "videos" / "乡土教材 第3辑")
    drives.take_out("a")
    poll(app.config)
    db.session.commit()
    copy = entries()["乡土教材 第3辑/第一集.mp4"]
    assert copy.root.offline_since is None  # the PC's copy
    assert entries()["第一集.mp4"].root.offline_since is not None  # the stick's, out
    played = item_for(copy.media_file, site)  # the player takes the copy that is here
    assert played.path == str(tmp_path / "videos" / "乡土教材 第3辑" / "第一集.mp4")


def test_the_hub_shows_a_sites_discs_as_the_site_reported_them(app, site, make, client, login,
                                                                now):
    """Roots synced up from a site: their links are on the site's computer, not the hub's."""
    for label, out in (("第3辑", now), ("第4辑", None)):
        root = LibraryRoot(site_id=site.id, origin_site="P-001", label=label,
                           path=f"/srv/dianjiao/instance/volumes/P-001/{label} [X]",
                           volume_label=label, volume_uuid="X-" + label, volume_subpath="",
                           offline_since=out)
        db.session.add(root)
        db.session.add(FileEntry(root=root, relpath=f"{label}.mp4", size=1, mtime_ns=1,
                                 first_seen=now, last_seen=now))
    db.session.commit()
    make.user("admin", "admin")
    login("admin")
    page = client.get("/sites/P-001/library").get_data(as_text=True)
    assert "offline: on disc 《第3辑》" in page and "offline: on disc 《第4辑》" not in page
    assert "out of the drive since" in page and "in the drive</td>" in page


def test_a_running_serve_notices_a_stick_going_out_and_coming_back(app, drives, site, tmp_path):
    """The real `dianjiao serve`, its poll every second, the mount table edited under it."""
    drives.stick("a", "乡土教材 第3辑", "1111-AAAA", {"第一集.mp4": 1.0})
    scan(app, drives.insert("a"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIANJIAO_")}
    env.update(DIANJIAO_INSTANCE=app.instance_path, DIANJIAO_SECRET_KEY="x",
               DIANJIAO_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               DIANJIAO_VOLUME_MOUNTS=app.config["VOLUME_MOUNTS"],
               DIANJIAO_VOLUME_DISK_DIR=app.config["VOLUME_DISK_DIR"],
               DIANJIAO_VOLUME_PREFIXES=json.dumps(list(app.config["VOLUME_PREFIXES"])),
               DIANJIAO_VOLUME_POLL_S="1", DIANJIAO_VLC_ARGS="--no-video --no-audio")
    dianjiao = os.path.join(os.path.dirname(sys.executable), "dianjiao")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with open(tmp_path / "serve.log", "w") as log:
        server = subprocess.Popen([dianjiao, "serve", "--port", str(port)], env=env,
                                  stdout=log, stderr=subprocess.STDOUT)

    def offline_since():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            yield roots()["乡土教材 第3辑"].offline_since
            time.sleep(0.2)

    try:
        drives.take_out("a")
        assert any(since is not None for since in offline_since()), (
            tmp_path / "serve.log").read_text()
        drives.insert("a", at="usb2")
        assert any(since is None for since in offline_since())
        assert not any(e.missing for e in entries().values())
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

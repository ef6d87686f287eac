"""`dianjiao copy`: a kit copied onto the PC, verified by SHA-256 and its manifest, resumed after
a disc pulled out, a full disk or kill -9, then scanned (which verifies the kit)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import namedtuple

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import BatchManifest, FileEntry, Shipment
from media_index import copier
from tests.media_fixtures import make_video


def sha(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


@pytest.fixture(scope="module")
def kit_master(tmp_path_factory):
    src = tmp_path_factory.mktemp("copy-kit") / "乡土教材 第3辑"
    src.mkdir()
    make_video(src / "第一集.mp4", 2.0)
    make_video(src / "第二集.mpg", 2.0, container="mpeg")
    (src / "回执.txt").write_text("kit receipt", encoding="utf-8")
    return src


@pytest.fixture
def kit(kit_master, tmp_path):
    src = tmp_path / "disc" / kit_master.name
    shutil.copytree(kit_master, src)
    return src


@pytest.fixture
def sent_kit(app, make, kit):
    """P-001 expects a kit whose manifest holds the two videos' hashes."""
    site = make.site("P-001")
    title = make.title("乡土教材 第3辑")
    batch = make.batch([title])
    shipment = make.shipment(batch, site)
    shipment.status = "sent"
    for name in ("第一集.mp4", "第二集.mpg"):
        db.session.add(BatchManifest(batch_id=batch.id, title_id=title.id, name=name,
                                     sha256=sha(kit / name), size=(kit / name).stat().st_size))
    db.session.commit()
    return shipment


def copy(app, *args):
    return app.test_cli_runner().invoke(args=["copy", *map(str, args)])


def entries() -> dict[str, FileEntry]:
    db.session.expire_all()
    return {e.relpath: e for e in db.session.scalars(select(FileEntry))}


def test_copy_verifies_each_file_scans_the_copies_and_verifies_the_kit(app, sent_kit, kit,
                                                                      tmp_path):
    result = copy(app, kit, "--site", "P-001", "--to", tmp_path / "library", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["files"], summary["copied"], summary["errors"]) == (3, 3, [])
    assert summary["kit"] == sent_kit.serial
    assert summary["target"] == str(tmp_path / "library" / "乡土教材 第3辑")
    assert summary["scan"]["new"] == 2
    found = entries()
    assert {"乡土教材 第3辑/第一集.mp4", "乡土教材 第3辑/第二集.mpg"} <= set(found)
    assert found["乡土教材 第3辑/第一集.mp4"].media_file.sha256 == sha(kit / "第一集.mp4")
    assert db.session.get(Shipment, sent_kit.id).status == "verified"
    again = json.loads(copy(app, kit, "--site", "P-001", "--to", tmp_path / "library",
                            "--json").stdout)
    assert (again["skipped"], again["copied"]) == (3, 0)


def test_a_file_unlike_the_kits_manifest_is_reported_and_the_kit_stays_unverified(
        app, sent_kit, kit, tmp_path):
    row = db.session.scalar(select(BatchManifest).where(BatchManifest.name == "第一集.mp4"))
    row.sha256 = "0" * 64
    db.session.commit()
    result = copy(app, kit, "--site", "P-001", "--to", tmp_path / "library", "--json")
    assert result.exit_code == 0, result.output
    errors = json.loads(result.stdout)["errors"]
    assert {"path": "第一集.mp4", "error": "differs from the kit's manifest (SHA-256)"} in errors
    assert "differs from the kit's manifest" in result.stderr
    assert db.session.get(Shipment, sent_kit.id).status == "sent"


def test_too_little_free_space_is_refused_before_anything_is_copied(app, make, kit, tmp_path,
                                                                    monkeypatch):
    make.site("P-001")
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 1000, 1000))
    result = copy(app, kit, "--site", "P-001", "--to", tmp_path / "library")
    assert result.exit_code == 1
    assert "Not enough free space" in result.stderr and "Nothing was copied" in result.stderr
    assert not (tmp_path / "library").exists()
    assert entries() == {}


def test_a_disc_pulled_out_mid_copy_stops_plainly_catalogues_nothing_and_resumes(
        app, make, kit, tmp_path, monkeypatch):
    make.site("P-001")
    real = copier._write
    hidden = tmp_path / "hidden.mpg"

    def pull_out(out, data):  # the second video goes with the disc while the first is written
        if (kit / "第二集.mpg").exists():
            shutil.move(kit / "第二集.mpg", hidden)
        real(out, data)

    monkeypatch.setattr(copier, "_write", pull_out)
    result = copy(app, kit, "--site", "P-001", "--to", tmp_path / "library")
    assert result.exit_code == 1
    assert "The copy stopped at 第二集.mpg" in result.stderr
    assert "run the same copy again to continue" in result.stderr
    assert entries() == {}  # nothing scanned: the copy is not complete
    monkeypatch.setattr(copier, "_write", real)
    shutil.move(hidden, kit / "第二集.mpg")  # the disc back in
    summary = json.loads(copy(app, kit, "--site", "P-001", "--to", tmp_path / "library",
                              "--json").stdout)
    assert summary["skipped"] >= 1 and summary["files"] == 3
    assert len(entries()) == 2


def test_a_copy_killed_with_sigkill_resumes_and_ends_verified(app, make, tmp_path):
    """A real `dianjiao copy` process killed with -9 part-way through a large file."""
    make.site("P-001")
    src = tmp_path / "stick"
    src.mkdir()
    clip = tmp_path / "clip.mpg"
    make_video(clip, 2.0, container="mpeg")
    piece = clip.read_bytes()
    for n in (1, 2):  # MPEG-PS concatenates: ~64 MB files that still play
        with open(src / f"大片{n}.mpg", "wb") as out:
            for _ in range(max(1, (64 << 20) // len(piece))):
                out.write(piece)
    target = tmp_path / "library" / "stick"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIANJIAO_")}
    env.update(DIANJIAO_INSTANCE=app.instance_path, DIANJIAO_SECRET_KEY="x",
               DIANJIAO_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"])
    dianjiao = os.path.join(os.path.dirname(sys.executable), "dianjiao")
    args = [dianjiao, "copy", str(src), "--site", "P-001", "--to", str(tmp_path / "library"),
            "--json"]
    process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    part = target / "大片1.mpg.part"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if part.exists() and part.stat().st_size > 0:
            break
        time.sleep(0.002)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert not (target / "大片2.mpg").exists()  # killed part-way
    finished = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    summary = json.loads(finished.stdout)
    assert summary["files"] == 2 and summary["errors"] == []
    assert summary["resumed"] + summary["skipped"] >= 1
    for n in (1, 2):
        assert sha(target / f"大片{n}.mpg") == sha(src / f"大片{n}.mpg")
    assert not list(target.glob("*.part"))
    found = entries()
    assert {"stick/大片1.mpg", "stick/大片2.mpg"} <= set(found)

"""`dianjiao fsck` and serve's rolling integrity check: a byte flipped in a scanned file, its
size and mtime kept, is found; the library page and readiness show it and offer another copy."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.catalog.integrity import ordered_entries, run_slice
from app.extensions import db
from app.models import FileEntry, Site
from app.player.services import item_for
from app.runner import ScreeningRunner
from app.screenings.readiness import QUICK, check_screening
from app.terminals.services import Limits, problems, record_health, terminal_dict, terminals
from media_index.synth import make_video

REPO = Path(__file__).resolve().parents[2]
DIANJIAO = os.path.join(os.path.dirname(sys.executable), "dianjiao")


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    """Two short videos made once: lesson.mpg and film.mp4."""
    folder = tmp_path_factory.mktemp("integrity-videos")
    make_video(folder / "lesson.mpg", 2.0, container="mpeg")
    make_video(folder / "film.mp4", 2.0)
    return folder


@pytest.fixture
def library(videos, tmp_path, make, app):
    """Site P-001 with a scanned library folder holding the two videos."""
    make.site("P-001")
    root = tmp_path / "library"
    shutil.copytree(videos, root)
    run(app, "scan", str(root), "--site", "P-001")
    return root


def run(app, *args):
    result = app.test_cli_runner().invoke(args=[*args, "--json"])
    assert result.exit_code == 0, result.output + result.stderr
    return json.loads(result.stdout)


def flip_keeping_mtime(path, offset: int) -> None:
    """Flip one byte in place; size and mtime stay what the scan saw (a bad sector)."""
    st = os.stat(path)
    with open(path, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 0xFF]))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def entry(relpath: str) -> FileEntry:
    db.session.expire_all()
    return db.session.scalar(select(FileEntry).where(FileEntry.relpath == relpath))


@pytest.mark.both_databases
def test_fsck_finds_a_flipped_byte_and_a_rescan_does_not_hide_it(app, library, clock):
    clean = run(app, "fsck", "--site", "P-001")
    assert clean["checked"] == 2 and clean["damaged"] == []
    flip_keeping_mtime(library / "lesson.mpg", 5000)
    sha = entry("lesson.mpg").media_file.sha256
    found = run(app, "fsck", "--site", "P-001")
    assert found["checked"] == 2
    assert found["damaged"] == [{"path": str(library / "lesson.mpg"), "sha256": sha,
                                 "found": clock.now.isoformat()}]
    assert entry("lesson.mpg").damaged and not entry("film.mp4").damaged
    # A rescan skips the file (size and mtime unchanged): it stays damaged.
    assert run(app, "scan", str(library), "--site", "P-001")["unchanged"] == 2
    assert entry("lesson.mpg").damaged
    # The found date is the first finding's, not the latest pass's.
    clock.now += timedelta(days=1)
    assert run(app, "fsck")["damaged"][0]["found"] == (clock.now - timedelta(days=1)).isoformat()


def test_a_copy_that_reads_right_again_is_no_longer_damaged(app, library, clock):
    flip_keeping_mtime(library / "film.mp4", 3000)
    assert len(run(app, "fsck")["damaged"]) == 1
    flip_keeping_mtime(library / "film.mp4", 3000)  # flipped back
    assert run(app, "fsck")["damaged"] == []
    assert not entry("film.mp4").damaged


def test_a_file_gone_or_rewritten_is_reported_not_marked_damaged(app, library, clock):
    os.remove(library / "film.mp4")
    with open(library / "lesson.mpg", "ab") as f:
        f.write(b"more")
    summary = run(app, "fsck", "--site", "P-001")
    assert summary["damaged"] == []
    assert {e["path"]: e["error"] for e in summary["errors"]} == {
        "film.mp4": "file not found",
        "lesson.mpg": "the file was changed since it was scanned"}
    assert not entry("film.mp4").damaged and not entry("lesson.mpg").damaged


def test_fsck_of_an_unknown_site_is_a_plain_error(app, library):
    result = app.test_cli_runner().invoke(args=["fsck", "--site", "NOPE"])
    assert result.exit_code == 1
    assert "No site with code NOPE" in result.stderr


def test_the_real_command_finds_a_flipped_byte(app, library, tmp_path):
    """`dianjiao fsck --json` in its own process, on the app's database."""
    flip_keeping_mtime(library / "film.mp4", 4000)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DIANJIAO_")}
    environment.update(DIANJIAO_INSTANCE=app.instance_path, PYTHONPATH=str(REPO),
                       DIANJIAO_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"])
    done = subprocess.run([DIANJIAO, "fsck", "--site", "P-001", "--json"], env=environment,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["checked"] == 2
    assert [d["path"] for d in summary["damaged"]] == [str(library / "film.mp4")]
    assert set(summary) >= {"checked", "damaged", "seconds"}
    human = subprocess.run([DIANJIAO, "fsck"], env=environment, capture_output=True, text=True,
                           timeout=120)
    assert "2 files checked, 1 damaged" in human.stdout


@pytest.mark.both_databases
def test_the_next_days_screenings_files_come_first(app, library, make, clock):
    site = db.session.scalar(select(FileEntry)).root.site
    film = entry("film.mp4").media_file
    make.screening(site, start=clock.now + timedelta(days=2), playlist=[{"sha256": film.sha256}])
    ids = ordered_entries([site.id], clock.now, due_only=False)
    assert db.session.get(FileEntry, ids[0]).relpath == "film.mp4"
    # Just scanned: nothing is due yet; a day on, the soon file is; a cycle on, both are.
    assert ordered_entries([site.id], clock.now, due_only=True) == []
    assert len(ordered_entries([site.id], clock.now + timedelta(days=1, hours=1),
                               due_only=True)) == 1
    assert len(ordered_entries([site.id], clock.now + timedelta(days=31), due_only=True)) == 2


def test_serves_slice_checks_the_due_files_and_marks_damage(app, library, clock):
    flip_keeping_mtime(library / "lesson.mpg", 5000)
    assert run_slice()["checked"] == 0  # nothing due right after the scan
    clock.now += timedelta(days=31)
    summary = run_slice()
    assert summary["checked"] == 2
    assert [d["path"] for d in summary["damaged"]] == [str(library / "lesson.mpg")]
    assert run_slice()["checked"] == 0  # checked: not due again until the next cycle
    assert run_slice(should_stop=lambda: True)["checked"] == 0


def test_serve_runs_the_rolling_check_as_a_scheduler_job(app, library):
    """`dianjiao serve`'s runner re-hashes due copies on its own (every copy due: cycle 0)."""
    app.config.update(FSCK_EVERY_MIN=0.01, FSCK_CYCLE_DAYS=0)
    flip_keeping_mtime(library / "film.mp4", 2000)
    runner = ScreeningRunner(app)
    assert runner.start()
    try:
        deadline = time.monotonic() + 60
        while not entry("film.mp4").damaged and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        runner.stop()
    assert entry("film.mp4").damaged and entry("film.mp4").checked_at is not None
    assert not entry("lesson.mpg").damaged


def test_readiness_and_the_player_take_a_sound_copy_over_a_damaged_one(app, library, make,
                                                                        clock, videos):
    site = entry("lesson.mpg").root.site
    lesson = entry("lesson.mpg").media_file
    screening = make.screening(site, start=clock.now + timedelta(hours=20),
                               playlist=[{"sha256": lesson.sha256}])
    flip_keeping_mtime(library / "lesson.mpg", 5000)
    run(app, "fsck")
    check = check_screening(screening, QUICK)
    assert check.status == "at_risk"
    assert [p["problem"] for p in check.problems if p["position"] is not None] == [
        "the file is damaged (the integrity check found its content changed): lesson.mpg"]
    # A sound copy of the same content elsewhere at the site is found and played instead.
    (library / "backup").mkdir()
    shutil.copy2(videos / "lesson.mpg", library / "backup" / "lesson.mpg")
    run(app, "scan", str(library), "--site", "P-001")
    check = check_screening(db.session.get(type(screening), screening.id), QUICK)
    assert [p for p in check.problems if p["position"] is not None] == []
    assert item_for(lesson, site).path == str(library / "backup" / "lesson.mpg")


def test_the_library_page_lists_damaged_copies_with_the_other_copies(app, library, make, client,
                                                                     login, videos):
    make.user("op-a", "operator", site=entry("film.mp4").root.site)
    (library / "backup").mkdir()
    shutil.copy2(videos / "film.mp4", library / "backup" / "film.mp4")
    run(app, "scan", str(library), "--site", "P-001")
    flip_keeping_mtime(library / "film.mp4", 3000)
    flip_keeping_mtime(library / "lesson.mpg", 3000)
    run(app, "fsck")
    login("op-a")
    page = client.get("/sites/P-001/library").get_data(as_text=True)
    damaged = page.split('id="damaged"')[1].split("</table>")[0]
    film = damaged.split('data-path="film.mp4"')[1].split("</tr>")[0]
    assert f"{library}/backup/film.mp4" in film
    lesson = damaged.split('data-path="lesson.mpg"')[1].split("</tr>")[0]
    assert "copy it again from the kit" in lesson
    assert 'data-path="backup/film.mp4"' not in damaged


def test_terminal_health_shows_damaged_files(app, library, make, clock):
    app.config.update(PLAYER_SITE="P-001")
    site = entry("film.mp4").root.site
    flip_keeping_mtime(library / "film.mp4", 3000)
    run(app, "fsck")
    record_health(clock.now)
    db.session.commit()
    limits = Limits.from_config(app.config)
    row = next(r for r in terminals(select(Site), now=clock.now, limits=limits) if r.site == site)
    assert "damaged_files" in row.alerts and row.damaged_files == 1
    assert any("1 damaged video file" in text for text in problems(row, limits))
    assert terminal_dict(row)["damaged_files"] == 1


def test_a_volume_that_is_out_is_left_for_when_it_is_back(app, library, clock):
    root = entry("film.mp4").root
    root.offline_since = clock.now  # what serve's volume watch sets when the stick goes out
    db.session.commit()
    summary = run(app, "fsck", "--site", "P-001")
    assert summary["checked"] == 0 and summary["errors"] == []
    root = entry("film.mp4").root
    root.offline_since = None
    db.session.commit()
    assert run(app, "fsck", "--site", "P-001")["checked"] == 2

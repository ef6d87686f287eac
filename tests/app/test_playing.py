"""Screenings played by the runner on real libvlc (dummy outputs): on time, late, missed, with
libvlc missing, after a kill -9, and never twice from two `serve` processes on one instance."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import PlayLog, Screening
from app.player.services import close_player
from app.runner import ScreeningRunner
from tests import factories
from tests.components import need_libvlc

DUMMY = "--vout=dummy --aout=dummy"


@pytest.fixture
def site(app, make, corpus):
    need_libvlc()
    app.config.update(VLC_ARGS=DUMMY, PLAYER_SITE="P-001")
    site = make.site("P-001")
    assert app.test_cli_runner().invoke(args=["scan", corpus[0], "--site", "P-001"]).exit_code == 0
    yield site
    close_player(app)


def sha(app, relpath: str) -> str:
    from app.models import FileEntry

    entry = db.session.scalar(select(FileEntry).where(FileEntry.relpath == relpath))
    return entry.media_file.sha256


def plan(app, site, start: datetime, *relpaths: str) -> Screening:
    return factories.screening(site, start=start, topic="学习",
                               playlist=[{"sha256": sha(app, p)} for p in relpaths])


def wait_for(screening_id, statuses, seconds=20.0) -> Screening:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.expire_all()
        row = db.session.get(Screening, screening_id)
        if row.status in statuses:
            return row
        time.sleep(0.1)
    raise AssertionError(f"screening still {row.status}")


def logs(screening_id) -> list[PlayLog]:
    db.session.expire_all()
    return db.session.scalars(select(PlayLog).where(PlayLog.screening_id == screening_id)
                              .order_by(PlayLog.started_at)).all()


def test_runner_plays_a_screening_at_its_time_in_order(app, site):
    screening = plan(app, site, datetime.now(UTC) + timedelta(seconds=2),
                     "lesson.avi", "VCD/MPEGAV/AVSEQ01.DAT")
    runner = ScreeningRunner(app)
    assert runner.start()
    try:
        assert runner.runner.jobs()  # the job is derived from the row
        done = wait_for(screening.id, {"done", "partial"})
        assert done.status == "done" and not done.late
        played = logs(screening.id)
        assert [p.outcome for p in played] == ["completed", "completed"]
        assert [p.sha256 for p in played] == [sha(app, "lesson.avi"),
                                              sha(app, "VCD/MPEGAV/AVSEQ01.DAT")]
        # played_s is the player's wall time from start to end: a busy machine adds to it
        assert played[0].played_s == pytest.approx(2.0, abs=1.0)
        assert played[1].played_s == pytest.approx(3.0, abs=1.0)
        assert played[0].started_at >= screening.starts_at - timedelta(seconds=1)
    finally:
        runner.stop()


def test_a_dvd_title_set_plays_its_parts_in_order_as_one_item(app, site):
    """The corpus DVD: VTS_01_1.VOB (2 s) then VTS_01_2.VOB (1 s), never the menu VTS_01_0.VOB."""
    screening = plan(app, site, datetime.now(UTC) + timedelta(seconds=1),
                     "DVD/VIDEO_TS/VTS_01", "lesson.avi")
    runner = ScreeningRunner(app)
    runner.start()
    try:
        done = wait_for(screening.id, {"done", "partial"})
        played = logs(screening.id)
        assert [(p.outcome, p.error) for p in played] == [("completed", None), ("completed", None)]
        assert done.status == "done"
        assert played[0].sha256 == sha(app, "DVD/VIDEO_TS/VTS_01")
        # 3 s of parts; libvlc takes ~0.5 s to start each MPEG-PS file (the 1 s menu would be more).
        assert 3.0 <= played[0].played_s <= 5.0
    finally:
        runner.stop()


def test_a_dvd_item_is_handed_to_the_player_as_its_parts(app, site, corpus):
    from app.models import FileEntry
    from app.player.services import item_for

    entry = db.session.scalar(select(FileEntry).where(FileEntry.relpath == "DVD/VIDEO_TS/VTS_01"))
    item = item_for(entry.media_file, site)
    folder = os.path.join(corpus[0], "DVD", "VIDEO_TS")
    assert item.parts == (os.path.join(folder, "VTS_01_1.VOB"), os.path.join(folder, "VTS_01_2.VOB"))
    assert item.path == item.parts[0] and item.duration_s == pytest.approx(3.0, abs=0.5)


def test_a_start_missed_while_down_plays_late_within_the_grace(app, site):
    screening = plan(app, site, datetime.now(UTC) - timedelta(minutes=5), "lesson.avi")
    runner = ScreeningRunner(app)
    runner.start()
    try:
        done = wait_for(screening.id, {"done", "partial"})
        assert done.late and done.status == "done"
    finally:
        runner.stop()


def test_past_the_grace_it_is_missed_and_nothing_plays(app, site):
    screening = plan(app, site, datetime.now(UTC) - timedelta(hours=1), "lesson.avi")
    runner = ScreeningRunner(app)
    runner.start()
    try:
        missed = wait_for(screening.id, {"missed"}, seconds=5)
        assert missed.status_reason
        assert logs(screening.id) == []
    finally:
        runner.stop()


def test_a_deleted_file_is_logged_as_an_error_and_the_rest_plays(app, site, corpus):
    screening = plan(app, site, datetime.now(UTC) + timedelta(seconds=1), "lesson.mkv", "lesson.avi")
    os.remove(os.path.join(corpus[0], "lesson.mkv"))  # deleted between planning and playing
    runner = ScreeningRunner(app)
    runner.start()
    try:
        done = wait_for(screening.id, {"done", "partial"})
        assert done.status == "partial"
        played = logs(screening.id)
        assert [p.outcome for p in played] == ["error", "completed"]
        assert "not found" in played[0].error
    finally:
        runner.stop()


def test_without_libvlc_a_due_screening_is_logged_as_not_played(app, site, monkeypatch):
    from schedules import player as player_module

    monkeypatch.setattr("app.player.services.make_backend",
                        lambda args, **_kw: player_module.NullBackend(player_module.NOT_INSTALLED))
    screening = plan(app, site, datetime.now(UTC) + timedelta(seconds=1), "lesson.avi")
    runner = ScreeningRunner(app)
    runner.start()
    try:
        done = wait_for(screening.id, {"done", "partial"})
        assert done.status == "partial" and "libvlc is not installed" in done.status_reason
        assert [p.outcome for p in logs(screening.id)] == ["error"]
    finally:
        runner.stop()


def test_a_second_runner_on_the_same_instance_does_not_schedule(app, site):
    first, second = ScreeningRunner(app), ScreeningRunner(app)
    assert first.start()
    try:
        assert not second.start()
    finally:
        first.stop()
    assert second.start()
    second.stop()


def _serve(instance, database_url, port, log):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIANJIAO_")}
    env.update(DIANJIAO_INSTANCE=instance, DIANJIAO_DATABASE_URL=database_url,
               DIANJIAO_VLC_ARGS=DUMMY, DIANJIAO_PLAYER_SITE="P-001", DIANJIAO_SECRET_KEY="x")
    dianjiao = os.path.join(os.path.dirname(sys.executable), "dianjiao")
    return subprocess.Popen([dianjiao, "serve", "--port", str(port)], env=env, stdout=log,
                            stderr=subprocess.STDOUT)


def _port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_serve_processes_never_both_play_and_kill_9_loses_nothing(app, site, tmp_path):
    screening = plan(app, site, datetime.now(UTC) + timedelta(seconds=4), "film.mp4",
                     "lesson.avi")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with open(tmp_path / "serve.log", "w") as log:
        servers = [_serve(app.instance_path, url, _port(), log) for _ in range(2)]
        try:
            wait_for(screening.id, {"running"}, seconds=30)
            time.sleep(1.5)  # into the first item
            for server in servers:
                os.kill(server.pid, signal.SIGKILL)
                server.wait(timeout=10)
        finally:
            for server in servers:
                if server.poll() is None:
                    server.kill()
                    server.wait()
    assert logs(screening.id) == []  # killed mid-item: nothing logged yet
    runner = ScreeningRunner(app)  # the restart
    runner.start()
    try:
        played = logs(screening.id)
        assert [p.outcome for p in played] == ["stopped"]  # one player only, never two
        assert 0.5 <= played[0].played_s <= 3.5
        db.session.expire_all()
        assert db.session.get(Screening, screening.id).status == "partial"
    finally:
        runner.stop()


def test_a_screening_cancelled_while_it_plays_stops(app, site):
    """Cancelled mid-film (the screening's page or the API): the player stops, the film is
    logged as stopped, the rest of the playlist never plays, and the screening stays cancelled."""
    from app.screenings.single import cancel_screening

    screening = plan(app, site, datetime.now(UTC) + timedelta(seconds=1),
                     "lesson.avi", "VCD/MPEGAV/AVSEQ01.DAT")
    runner = ScreeningRunner(app)
    assert runner.start()
    try:
        row = wait_for(screening.id, {"running"})
        cancel_screening(row)
        db.session.commit()
        time.sleep(2.5)  # longer than either film: had it gone on, both would be logged
        played = logs(screening.id)
        assert [p.outcome for p in played] == ["stopped"]
        assert db.session.get(Screening, screening.id).status == "cancelled"
    finally:
        runner.stop()
